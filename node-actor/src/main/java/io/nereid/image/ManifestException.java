package io.nereid.image;

import java.io.IOException;

/** A manifest, index or image config that is malformed or of a kind Nereid does not support. */
public class ManifestException extends IOException {

  public ManifestException(String message) {
    super(message);
  }

  public ManifestException(String message, Throwable cause) {
    super(message, cause);
  }
}
