package io.nereid.image;

import java.io.IOException;

/** A registry request that failed: an error status, a failed login or an unreadable reply. */
public class RegistryException extends IOException {

  private final int statusCode;

  /** @param statusCode the HTTP status, or 0 when the failure came before a response */
  public RegistryException(String message, int statusCode) {
    super(message);
    this.statusCode = statusCode;
  }

  public RegistryException(String message, Throwable cause) {
    super(message, cause);
    this.statusCode = 0;
  }

  public int statusCode() {
    return statusCode;
  }
}
