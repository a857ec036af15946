package io.nereid.docker;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/** The streaming container endpoints: attach, wait, exec and logs. */
final class StreamRoutes extends DockerDirectives {

  private final ContainerStreams streams;
  private final String account;

  StreamRoutes(ContainerStreams streams, String account) {
    this.streams = streams;
    this.account = account;
  }

  Route routes() {
    return concat(
        pathPrefix(
            "containers",
            () ->
                concat(
                    path(PathMatchers.segment().slash("attach"), reference -> post(() -> attach(reference))),
                    path(PathMatchers.segment().slash("wait"), reference -> post(() -> waitFor(reference))),
                    path(
                        PathMatchers.segment().slash("logs"),
                        reference -> get(() -> handleExceptions(dockerErrors(), () -> logs(reference)))))),
        handleExceptions(dockerErrors(), this::execRoutes));
  }

  /** Turns a bad request found while reading it, such as an unknown exec id, into Docker's error. */
  private ExceptionHandler dockerErrors() {
    return ExceptionHandler.newBuilder()
        .match(DockerApiException.class, error -> complete(failure(error)))
        .build();
  }

  private Route execRoutes() {
    return concat(
        pathPrefix(
            "containers",
            () -> path(PathMatchers.segment().slash("exec"), reference -> post(() -> createExec(reference)))),
        pathPrefix(
            "exec",
            () ->
                concat(
                    path(PathMatchers.segment().slash("start"), execId -> post(() -> startExec(execId))),
                    path(
                        PathMatchers.segment().slash("json"),
                        execId -> get(() -> complete(DockerRoutes.json(StatusCodes.OK, streams.exec(execId).inspect())))),
                    path(PathMatchers.segment().slash("resize"), execId -> post(() -> resizeExec(execId))))));
  }

  private Route createExec(String reference) {
    return entity(
        Unmarshaller.entityToString(),
        body -> {
          ExecInstances.Config config = ExecInstances.Config.parse(DockerRoutes.parseJson(body));
          return answer(
              streams
                  .createExec(account, reference, config)
                  .thenApply(id -> DockerRoutes.json(StatusCodes.CREATED, Map.of("Id", id))));
        });
  }

  /**
   * Starts an exec instance: detached, it replies 200 at once; attached, it upgrades the
   * connection as attach does.
   */
  private Route startExec(String execId) {
    return extractRequest(
        request ->
            entity(
                Unmarshaller.entityToString(),
                body -> {
                  JsonNode start = DockerRoutes.parseJson(body.isBlank() ? "{}" : body);
                  if (CreateRequest.bool(start, "Tty")) {
                    throw DockerApiException.badRequest("Nereid does not support a TTY for exec: run docker exec without -t");
                  }
                  boolean detach = CreateRequest.bool(start, "Detach");
                  if (!detach && !HttpUpgrade.requested(request)) {
                    throw DockerApiException.badRequest(
                        "an attached exec start needs the connection upgrade: send Connection: Upgrade and Upgrade: tcp");
                  }
                  CompletionStage<HttpResponse> started =
                      streams
                          .startExec(execId, detach)
                          .thenApply(
                              flow -> detach ? HttpResponse.create().withStatus(StatusCodes.OK) : HttpUpgrade.switchTo(flow));
                  return answer(started);
                }));
  }

  /** Accepts a resize of a known exec instance; without a TTY there is nothing to resize. */
  private Route resizeExec(String execId) {
    streams.exec(execId);
    return complete(HttpResponse.create().withStatus(StatusCodes.OK));
  }

  private Route logs(String reference) {
    return parameterMap(
        query -> {
          LogQuery logQuery = LogQuery.parse(query);
          return answer(
              streams
                  .logs(account, reference, logQuery)
                  .thenApply(
                      frames ->
                          HttpResponse.create()
                              .withStatus(StatusCodes.OK)
                              .withEntity(HttpEntities.createChunked(ContentTypes.APPLICATION_OCTET_STREAM, frames))));
        });
  }

  private Route attach(String reference) {
    return parameterMap(
        query ->
            extractRequest(
                request -> {
                  if (!isTrue(query, "stream")) {
                    return complete(
                        DockerRoutes.error(
                            StatusCodes.NOT_IMPLEMENTED,
                            "attach without stream=1 is not implemented by Nereid; use GET /containers/{id}/logs"));
                  }
                  if (isTrue(query, "logs")) {
                    return complete(
                        DockerRoutes.error(
                            StatusCodes.NOT_IMPLEMENTED,
                            "attach with logs=1 is not implemented by Nereid; use GET /containers/{id}/logs"));
                  }
                  if (!HttpUpgrade.requested(request)) {
                    return complete(
                        DockerRoutes.error(
                            StatusCodes.BAD_REQUEST,
                            "attach needs the connection upgrade: send Connection: Upgrade and Upgrade: tcp"));
                  }
                  CompletionStage<HttpResponse> upgraded =
                      streams
                          .attach(
                              account,
                              reference,
                              isTrue(query, "stdin"),
                              isTrue(query, "stdout"),
                              isTrue(query, "stderr"))
                          .thenApply(HttpUpgrade::switchTo);
                  return answer(upgraded);
                }));
  }

  /**
   * Sends the headers once the wait is registered and the body when the condition is met, as
   * the Docker daemon does: the docker CLI starts a container only after the headers arrive.
   */
  private Route waitFor(String reference) {
    return parameterOptional(
        "condition",
        condition -> {
          CompletionStage<HttpResponse> registered =
              streams
                  .waitFor(account, reference, condition.filter(value -> !value.isEmpty()).orElse("not-running"))
                  .thenApply(StreamRoutes::exitResponse);
          return answer(registered);
        });
  }

  /** Returns the wait's response; a client that goes away cancels the wait. */
  private static HttpResponse exitResponse(CompletableFuture<Integer> exit) {
    Source<ByteString, ?> body =
        Source.completionStage(exit)
            .map(code -> ByteString.fromArray(DockerRoutes.JSON.writeValueAsBytes(Map.of("StatusCode", code))))
            .watchTermination(
                (notUsed, ended) -> {
                  ended.whenComplete((done, error) -> exit.cancel(false));
                  return notUsed;
                });
    return HttpResponse.create()
        .withStatus(StatusCodes.OK)
        .withEntity(HttpEntities.createChunked(ContentTypes.APPLICATION_JSON, body));
  }

  private static boolean isTrue(Map<String, String> query, String name) {
    return DockerRoutes.isTrue(Optional.ofNullable(query.get(name)));
  }
}
