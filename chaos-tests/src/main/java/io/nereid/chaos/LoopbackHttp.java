package io.nereid.chaos;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/** Plain HTTP/1.1 requests to a listener on 127.0.0.1, the only address the harness talks to. */
final class LoopbackHttp {

  /** A response, or the reason there was none: {@code status} is 0 then. */
  record Reply(int status, String body, Failure failure) {
    boolean ok() {
      return status >= 200 && status < 400;
    }
  }

  /**
   * Reason a request got no response. {@code REFUSED} means nothing was sent, so the request had no
   * effect; after {@code TIMEOUT} or {@code BROKEN} it may have taken effect.
   */
  enum Failure {
    NONE,
    REFUSED,
    TIMEOUT,
    BROKEN
  }

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  Reply send(String method, int port, String path, byte[] body, Duration timeout) {
    HttpRequest.BodyPublisher publisher =
        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(timeout)
            .header("Content-Type", path.startsWith("/images/load") ? "application/x-tar" : "application/json")
            .method(method, publisher)
            .build();
    try {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      return new Reply(response.statusCode(), response.body(), Failure.NONE);
    } catch (HttpConnectTimeoutException | ConnectException e) {
      return new Reply(0, e.toString(), Failure.REFUSED);
    } catch (HttpTimeoutException e) {
      return new Reply(0, e.toString(), Failure.TIMEOUT);
    } catch (IOException e) {
      return new Reply(0, e.toString(), Failure.BROKEN);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Reply(0, e.toString(), Failure.BROKEN);
    }
  }

  Reply get(int port, String path) {
    return send("GET", port, path, null, Duration.ofSeconds(10));
  }
}
