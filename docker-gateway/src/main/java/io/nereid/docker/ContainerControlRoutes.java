package io.nereid.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nereid.container.Container;
import io.nereid.runtime.ResourceUsage;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.Done;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The container endpoints that change or read a created container beyond its life cycle:
 * pause, unpause, rename, update, top and stats.
 */
final class ContainerControlRoutes extends DockerDirectives {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration SAMPLE_INTERVAL = Duration.ofSeconds(1);

  private final ContainerService containers;
  private final String account;

  ContainerControlRoutes(ContainerService containers, String account) {
    this.containers = containers;
    this.account = account;
  }

  Route route() {
    return pathPrefix(
        "containers",
        () ->
            concat(
                path(
                    PathMatchers.segment().slash("pause"),
                    reference -> post(() -> answer(noContent(containers.pause(account, reference))))),
                path(
                    PathMatchers.segment().slash("unpause"),
                    reference -> post(() -> answer(noContent(containers.unpause(account, reference))))),
                path(PathMatchers.segment().slash("top"), reference -> get(() -> top(reference))),
                path(PathMatchers.segment().slash("update"), reference -> post(() -> update(reference))),
                path(PathMatchers.segment().slash("stats"), reference -> get(() -> stats(reference))),
                path(
                    PathMatchers.segment().slash("rename"),
                    reference ->
                        post(
                            () ->
                                parameterOptional(
                                    "name",
                                    name ->
                                        answer(
                                            noContent(
                                                containers.rename(account, reference, name.orElse("")))))))));
  }

  private Route update(String reference) {
    return entity(
        Unmarshaller.entityToString(),
        body -> {
          CompletionStage<HttpResponse> updated;
          try {
            UpdateRequest request = UpdateRequest.parse(JSON.readTree(body.isBlank() ? "{}" : body));
            updated =
                containers
                    .update(account, reference, request)
                    .thenApply(done -> DockerRoutes.json(StatusCodes.OK, Map.of("Warnings", List.of())));
          } catch (JsonProcessingException e) {
            updated = CompletableFuture.failedFuture(DockerApiException.badRequest("invalid JSON: " + e.getOriginalMessage()));
          } catch (DockerApiException e) {
            updated = CompletableFuture.failedFuture(e);
          }
          return answer(updated);
        });
  }

  /** Lists the container's processes; {@code ps_args} defaults to {@code -ef} as with Docker. */
  private Route top(String reference) {
    return parameterOptional(
        "ps_args",
        psArgs -> {
          String args = psArgs.filter(value -> !value.isBlank()).orElse("-ef");
          List<String> split = Arrays.asList(args.trim().split("\\s+"));
          return answer(
              containers
                  .top(account, reference, split)
                  .thenApply(
                      table ->
                          DockerRoutes.json(
                              StatusCodes.OK,
                              Map.of("Titles", table.titles(), "Processes", table.processes()))));
        });
  }

  /**
   * Sends samples of the container's resource use: one per second while {@code stream} (the
   * default) is true, else one, which carries the sample of a second before unless {@code
   * one-shot} is set, so that the CLI can compute a CPU percentage. A container that does not run
   * gets samples of zeros, as from Docker, so that {@code docker stats --no-stream} shows a row of
   * zeros for it. A stream goes on across stops and starts until the container is removed or the
   * client goes away.
   */
  private Route stats(String reference) {
    return parameterOptional(
        "stream",
        streamParameter ->
            parameterOptional(
                "one-shot",
                oneShotParameter -> {
                  boolean stream = streamParameter.map(DockerRoutes::isTrue).orElse(true);
                  boolean oneShot = oneShotParameter.map(DockerRoutes::isTrue).orElse(false);
                  if (stream && oneShot) {
                    return complete(
                        DockerRoutes.error(StatusCodes.BAD_REQUEST, "cannot have stream=true and one-shot=true"));
                  }
                  return answer(
                      containers
                          .find(account, reference)
                          .thenApply(
                              state -> {
                                if (stream) {
                                  return chunked(
                                      StatsStream.samples(containers, state.containerId(), SAMPLE_INTERVAL)
                                          .map(ContainerControlRoutes::line));
                                }
                                return state.isRunning() ? statsResponse(state, oneShot) : zeroStatsResponse(state);
                              }));
                }));
  }

  /**
   * Sends one sample of a running container: with the sample of a second before, or alone when
   * {@code oneShot}.
   */
  private HttpResponse statsResponse(Container.State state, boolean oneShot) {
    Source<Optional<ResourceUsage>, ?> samples =
        Source.tick(Duration.ZERO, SAMPLE_INTERVAL, "tick")
            .mapAsync(
                1,
                tick ->
                    containers
                        .stats(state)
                        .thenApply(Optional::of)
                        .exceptionally(error -> Optional.empty()))
            // The stream ends when a sample fails, as when the container stops.
            .takeWhile(Optional::isPresent);
    Source<ByteString, ?> body;
    if (oneShot) {
      body = samples.take(1).map(sample -> line(StatsViews.sample(state, sample.get(), null)));
    } else {
      body =
          samples
              .sliding(2, 1)
              .filter(pair -> pair.size() == 2)
              .map(pair -> line(StatsViews.sample(state, pair.get(1).get(), pair.get(0).get())))
              .take(1);
    }
    return chunked(body);
  }

  /** Sends the empty sample of a container that does not run. */
  private HttpResponse zeroStatsResponse(Container.State state) {
    return chunked(Source.single(line(StatsViews.zeros(state))));
  }

  private static HttpResponse chunked(Source<ByteString, ?> body) {
    return HttpResponse.create()
        .withStatus(StatusCodes.OK)
        .withEntity(HttpEntities.createChunked(ContentTypes.APPLICATION_JSON, body));
  }

  private static ByteString line(Map<String, Object> sample) {
    try {
      return ByteString.fromArray(JSON.writeValueAsBytes(sample)).concat(ByteString.fromString("\n"));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write stats as JSON", e);
    }
  }

  private static CompletionStage<HttpResponse> noContent(CompletionStage<Done> outcome) {
    return outcome.thenApply(done -> HttpResponse.create().withStatus(StatusCodes.NO_CONTENT));
  }
}
