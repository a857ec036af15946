package io.nereid.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import com.fasterxml.jackson.databind.JsonNode;
import io.nereid.container.ContainerSpec;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The Docker Engine API as far as Nereid serves it: {@code /_ping} and {@code /version}, with or
 * without a {@code /v1.NN} prefix. Every other endpoint returns 501 with a message naming it,
 * never a made-up success.
 */
public final class DockerRoutes extends AllDirectives {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String nereidVersion;
  private final ContainerService containers;
  private final String account;

  /** Routes that serve only {@code /_ping} and {@code /version}. */
  public DockerRoutes(String nereidVersion) {
    this(nereidVersion, null, "");
  }

  /**
   * Routes that also serve container create, list, inspect and remove, every request running as
   * {@code account}.
   */
  public DockerRoutes(String nereidVersion, ContainerService containers, String account) {
    this.nereidVersion = nereidVersion;
    this.containers = containers;
    this.account = account;
  }

  public Route routes() {
    return concat(
        pathPrefix(
            PathMatchers.segment(ApiVersion.SEGMENT),
            segment ->
                ApiVersion.check(segment)
                    .map(problem -> complete(error(StatusCodes.BAD_REQUEST, problem)))
                    .orElseGet(this::endpoints)),
        endpoints());
  }

  private Route endpoints() {
    return concat(
        path("_ping", () -> concat(get(this::ping), head(this::ping))),
        path("version", () -> get(() -> complete(json(StatusCodes.OK, version())))),
        containers == null ? reject() : containerRoutes(),
        extractRequest(
            request ->
                complete(
                    error(
                        StatusCodes.NOT_IMPLEMENTED,
                        request.method().name()
                            + " "
                            + request.getUri().path()
                            + " is not implemented by Nereid yet"))));
  }

  private Route containerRoutes() {
    return pathPrefix(
        "containers",
        () ->
            concat(
                path("create", () -> post(this::createContainer)),
                path("json", () -> get(this::listContainers)),
                path(
                    PathMatchers.segment().slash("json"),
                    reference -> get(() -> inspectContainer(reference))),
                path(
                    PathMatchers.segment(),
                    reference -> delete(() -> removeContainer(reference)))));
  }

  private Route createContainer() {
    return parameterOptional(
        "name",
        name ->
            entity(
                Unmarshaller.entityToString(),
                body -> {
                  CompletionStage<HttpResponse> created;
                  try {
                    ContainerSpec spec = CreateRequest.parse(parseJson(body));
                    created =
                        containers
                            .create(account, name.orElse(""), spec)
                            .thenApply(
                                id -> json(StatusCodes.CREATED, Map.of("Id", id, "Warnings", List.of())));
                  } catch (DockerApiException e) {
                    created = CompletableFuture.failedFuture(e);
                  }
                  return answer(created);
                }));
  }

  private Route listContainers() {
    return parameterOptional(
        "all",
        all ->
            answer(
                containers
                    .list(account, isTrue(all))
                    .thenApply(
                        list ->
                            json(
                                StatusCodes.OK,
                                list.stream().map(ContainerViews::listEntry).toList()))));
  }

  private Route inspectContainer(String reference) {
    return answer(
        containers
            .find(account, reference)
            .thenApply(state -> json(StatusCodes.OK, ContainerViews.inspect(state))));
  }

  private Route removeContainer(String reference) {
    return parameterOptional(
        "force",
        force ->
            answer(
                containers
                    .remove(account, reference, isTrue(force))
                    .thenApply(done -> HttpResponse.create().withStatus(StatusCodes.NO_CONTENT))));
  }

  /** Completes with the response, or with Docker's status code and message for a failure. */
  private Route answer(CompletionStage<HttpResponse> response) {
    return onComplete(
        response,
        result -> {
          if (result.isSuccess()) {
            return complete(result.get());
          }
          Throwable cause = ContainerService.unwrap(result.failed().get());
          if (cause instanceof DockerApiException api) {
            return complete(error(api.status(), api.getMessage()));
          }
          return complete(error(StatusCodes.INTERNAL_SERVER_ERROR, String.valueOf(cause.getMessage())));
        });
  }

  private static JsonNode parseJson(String body) {
    try {
      return JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw DockerApiException.badRequest("invalid JSON: " + e.getOriginalMessage());
    }
  }

  /** Reads a boolean query parameter the way the Docker daemon does. */
  private static boolean isTrue(Optional<String> value) {
    return value.map(v -> v.equals("1") || v.equalsIgnoreCase("true")).orElse(false);
  }

  private Route ping() {
    return extractMethod(
        method -> {
          HttpResponse response =
              HttpResponse.create()
                  .withStatus(StatusCodes.OK)
                  .withHeaders(pingHeaders());
          if (!method.equals(HttpMethods.HEAD)) {
            response = response.withEntity(ContentTypes.TEXT_PLAIN_UTF8, "OK");
          }
          return complete(response);
        });
  }

  private static List<HttpHeader> pingHeaders() {
    return List.of(
        RawHeader.create("Api-Version", ApiVersion.ADVERTISED),
        RawHeader.create("Docker-Experimental", "false"),
        RawHeader.create("Ostype", "linux"),
        RawHeader.create("Cache-Control", "no-cache, no-store, must-revalidate"),
        RawHeader.create("Pragma", "no-cache"));
  }

  private Map<String, Object> version() {
    Map<String, Object> component = new LinkedHashMap<>();
    component.put("Name", "Nereid");
    component.put("Version", nereidVersion);
    component.put("Details", Map.of("ApiVersion", ApiVersion.ADVERTISED, "MinAPIVersion", ApiVersion.MINIMUM));

    Map<String, Object> body = new LinkedHashMap<>();
    body.put("Platform", Map.of("Name", "Nereid " + nereidVersion));
    body.put("Components", List.of(component));
    body.put("Version", nereidVersion);
    body.put("ApiVersion", ApiVersion.ADVERTISED);
    body.put("MinAPIVersion", ApiVersion.MINIMUM);
    body.put("GitCommit", "");
    body.put("GoVersion", "");
    body.put("Os", "linux");
    body.put("Arch", architecture());
    body.put("KernelVersion", kernelVersion().orElse(""));
    return body;
  }

  private static String architecture() {
    String arch = System.getProperty("os.arch");
    return switch (arch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64" -> "arm64";
      default -> arch;
    };
  }

  private static Optional<String> kernelVersion() {
    try {
      return Optional.of(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Builds an error in the Docker API's shape, {@code {"message": ...}}. */
  static HttpResponse error(StatusCode status, String message) {
    return json(status, Map.of("message", message));
  }

  static HttpResponse json(StatusCode status, Object body) {
    try {
      return HttpResponse.create()
          .withStatus(status)
          .withEntity(ContentTypes.APPLICATION_JSON, JSON.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a response as JSON", e);
    }
  }
}
