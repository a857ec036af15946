package io.nereid.docker;

import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/** Pekko HTTP's directives plus the error mapping every Docker API route class shares. */
abstract class DockerDirectives extends AllDirectives {

  /** Completes with the response, or with Docker's status code and message for a failure. */
  final Route answer(CompletionStage<HttpResponse> response) {
    return onComplete(
        response,
        result ->
            complete(result.isSuccess() ? result.get() : failure(result.failed().get())));
  }

  /** Returns Docker's status code and message for a failed request. */
  static HttpResponse failure(Throwable error) {
    Throwable cause = ContainerService.unwrap(error);
    if (cause instanceof DockerApiException api) {
      return DockerRoutes.error(api.status(), api.getMessage());
    }
    return DockerRoutes.error(StatusCodes.INTERNAL_SERVER_ERROR, String.valueOf(cause.getMessage()));
  }

}
