package io.nereid.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DigestTest {

  @Test
  void sha256OfKnownInput() {
    // sha256("foo"), as printed by sha256sum
    assertEquals(
        "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
        Digest.sha256("foo".getBytes(StandardCharsets.US_ASCII)).toString());
  }

  @Test
  void parseRoundTrips() {
    Digest digest = Digest.parse("sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae");

    assertEquals("sha256", digest.algorithm());
    assertEquals(digest, Digest.parse(digest.toString()));
  }

  @Test
  void rejectsUppercaseAndShortHex() {
    assertThrows(IllegalArgumentException.class,
        () -> Digest.parse("sha256:2C26B46B68FFC68FF99B453C1D30413413422D706483BFA0F98A5E886266E7AE"));
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> Digest.parse("sha256:abc"));
    assertTrue(error.getMessage().contains("full length"), error.getMessage());
  }

  @Test
  void rejectsMissingAlgorithm() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> Digest.parse("abc"));
    assertTrue(error.getMessage().contains("expected algorithm:hex"), error.getMessage());
  }
}
