package io.nereid.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsRegistryTest {

  @Test
  void counterWrittenPerLabelValue() {
    MetricsRegistry registry = new MetricsRegistry();
    MetricsRegistry.Counter counter = registry.counter("jobs_total", "Jobs by result.", "result");
    counter.inc("ok");
    counter.add(2, "ok");
    counter.inc("failed");

    String text = registry.write();

    assertEquals(
        "# HELP jobs_total Jobs by result.\n"
            + "# TYPE jobs_total counter\n"
            + "jobs_total{result=\"failed\"} 1\n"
            + "jobs_total{result=\"ok\"} 3\n",
        text);
    assertEquals(3, counter.value("ok"));
  }

  @Test
  void histogramBucketsAreCumulative() {
    MetricsRegistry registry = new MetricsRegistry();
    MetricsRegistry.Histogram histogram =
        registry.histogram("wait_seconds", "Waits.", new double[] {0.1, 1});
    histogram.observe(0.05);
    histogram.observe(0.5);
    histogram.observe(3);

    String text = registry.write();

    assertEquals(
        "# HELP wait_seconds Waits.\n"
            + "# TYPE wait_seconds histogram\n"
            + "wait_seconds_bucket{le=\"0.1\"} 1\n"
            + "wait_seconds_bucket{le=\"1\"} 2\n"
            + "wait_seconds_bucket{le=\"+Inf\"} 3\n"
            + "wait_seconds_sum 3.55\n"
            + "wait_seconds_count 3\n",
        text);
    assertEquals(3, histogram.count());
  }

  @Test
  void labelValuesEscaped() {
    MetricsRegistry registry = new MetricsRegistry();
    registry.counter("odd_total", "Odd labels.", "reason").inc("say \"hi\"\\\nbye");

    String text = registry.write();

    assertEquals("odd_total{reason=\"say \\\"hi\\\"\\\\\\nbye\"} 1", text.lines().toList().get(2));
  }

  @Test
  void gaugeWritten() {
    StringBuilder out = new StringBuilder();

    MetricsRegistry.writeGauge(
        out, "things", "Things.", new String[] {"type"}, Map.of(List.of("a"), 2.5));

    assertEquals(
        "# HELP things Things.\n# TYPE things gauge\nthings{type=\"a\"} 2.5\n", out.toString());
  }

  @Test
  void wrongLabelCountRejected() {
    MetricsRegistry.Counter counter = new MetricsRegistry().counter("x_total", "X.", "a", "b");

    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> counter.inc("only-one"));

    assertEquals("x_total takes labels [a, b], got [only-one]", error.getMessage());
  }
}
