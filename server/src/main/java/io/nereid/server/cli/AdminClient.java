package io.nereid.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/** Sends requests to the admin API and turns its error responses into {@link CliException}. */
final class AdminClient {

  static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final URI base;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** @param token the bearer token; empty sends none */
  AdminClient(URI base, String token) {
    this.base = base;
    this.token = token;
  }

  /** Returns the response body as text, for routes whose response is not JSON. */
  String text(String method, String path, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(TIMEOUT)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .header("Accept", "application/json");
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (!token.isEmpty()) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new CliException(
          CliException.UNREACHABLE,
          "cannot connect to the admin API at "
              + base
              + "; is Nereid running? Set the address with --admin or NEREID_ADMIN");
    } catch (HttpTimeoutException e) {
      throw new CliException(
          CliException.UNREACHABLE, "the admin API at " + base + " timed out after " + TIMEOUT);
    } catch (IOException e) {
      throw new CliException(
          CliException.UNREACHABLE, "request to " + base + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(CliException.UNREACHABLE, "interrupted");
    }
    if (response.statusCode() >= 400) {
      throw new CliException(
          CliException.REQUEST_FAILED,
          errorMessage(response.body()) + " (HTTP " + response.statusCode() + ")");
    }
    return response.body();
  }

  JsonNode json(String method, String path, String body) {
    String text = text(method, path, body);
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new CliException(
          CliException.REQUEST_FAILED, "the admin API returned invalid JSON: " + e.getMessage());
    }
  }

  JsonNode get(String path) {
    return json("GET", path, null);
  }

  /** Returns the {@code message} of an error body, or the body itself when it has none. */
  private static String errorMessage(String body) {
    try {
      JsonNode message = JSON.readTree(body).path("message");
      if (message.isTextual()) {
        return message.asText();
      }
    } catch (IOException e) {
      // Not JSON: show the body as it is.
    }
    return body.isBlank() ? "request failed" : body.strip();
  }
}
