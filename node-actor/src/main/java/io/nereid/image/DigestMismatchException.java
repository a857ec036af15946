package io.nereid.image;

import java.io.IOException;

/** Content whose digest or size differs from what its descriptor promised. */
public class DigestMismatchException extends IOException {

  private final Digest expected;

  public DigestMismatchException(String subject, Digest expected, String actual) {
    super(
        subject + " failed verification: expected " + expected + " but got " + actual
            + "; the content is corrupt or was tampered with, so it was discarded");
    this.expected = expected;
  }

  public Digest expected() {
    return expected;
  }
}
