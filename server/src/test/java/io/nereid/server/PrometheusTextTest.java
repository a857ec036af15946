package io.nereid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

  @Test
  void readsCountersAndHistograms() {
    PrometheusText parsed =
        PrometheusText.parse(
            "# HELP x_total X.\n# TYPE x_total counter\nx_total{a=\"q\\\"uote\"} 3\n"
                + "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 4.5\nh_count 2\n");

    assertEquals(3, parsed.value("x_total{a=\"q\\\"uote\"}"));
    assertEquals(2, parsed.value("h_count"));
    assertEquals("histogram", parsed.type("h"));
  }

  @Test
  void rejectsInvalidText() {
    for (String text :
        List.of(
            "untyped_sample 1\n",
            "# TYPE x counter\nx{a=b} 1\n",
            "# TYPE x counter\nx one\n",
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n",
            "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 3\n")) {
      assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse(text), text);
    }
  }
}
