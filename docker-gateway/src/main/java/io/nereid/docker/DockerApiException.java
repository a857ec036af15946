package io.nereid.docker;

import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/** A failed Docker API request, with the status code the Docker daemon returns for it. */
public final class DockerApiException extends RuntimeException {

  private final StatusCode status;

  public DockerApiException(StatusCode status, String message) {
    super(message);
    this.status = status;
  }

  public StatusCode status() {
    return status;
  }

  public static DockerApiException badRequest(String message) {
    return new DockerApiException(StatusCodes.BAD_REQUEST, message);
  }

  public static DockerApiException notFound(String message) {
    return new DockerApiException(StatusCodes.NOT_FOUND, message);
  }

  public static DockerApiException serverError(String message) {
    return new DockerApiException(StatusCodes.INTERNAL_SERVER_ERROR, message);
  }

  public static DockerApiException conflict(String message) {
    return new DockerApiException(StatusCodes.CONFLICT, message);
  }
}
