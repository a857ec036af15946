package io.nereid.image;

import java.io.IOException;

/** An archive that is not a valid tar stream, or uses a tar feature Nereid does not read. */
public class TarFormatException extends IOException {

  public TarFormatException(String message) {
    super(message);
  }

  public TarFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
