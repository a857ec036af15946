package io.nereid.server.admin;

import org.apache.pekko.http.javadsl.model.StatusCode;

/** A failed admin request, with the status code and message the client gets. */
final class AdminApiException extends RuntimeException {

  private final StatusCode status;

  AdminApiException(StatusCode status, String message) {
    super(message);
    this.status = status;
  }

  StatusCode status() {
    return status;
  }
}
