package io.nereid.docker;

import io.nereid.container.Container;
import io.nereid.container.ContainerStatus;
import io.nereid.runtime.ResourceUsage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The samples of {@code docker stats} without {@code --no-stream}: one each interval, of the
 * container's resource use while it runs and of zeros while it does not, as the Docker daemon
 * sends them. The stream ends when the container is removed, or when the client goes away, which
 * cancels it, so no sampling outlives its connection.
 */
final class StatsStream {

  private static final Logger log = LoggerFactory.getLogger(StatsStream.class);

  /**
   * One look at the container: its state, and its resource use when it runs and its node
   * replied. The usage is null otherwise.
   */
  private record Reading(Container.State state, ResourceUsage usage) {}

  private StatsStream() {}

  /** Returns the stream of samples, each one JSON document in Docker's field names. */
  static Source<Map<String, Object>, NotUsed> samples(
      ContainerService containers, String containerId, Duration interval) {
    AtomicBoolean removed = new AtomicBoolean();
    return Source.tick(Duration.ZERO, interval, "tick")
        .mapAsync(1, tick -> read(containers, containerId))
        .filter(Optional::isPresent)
        .map(Optional::get)
        .takeWhile(
            reading -> {
              removed.set(isRemoved(reading.state()));
              return !removed.get();
            })
        .statefulMapConcat(StatsStream::sampler)
        .watchTermination(
            (cancellable, ended) -> {
              ended.whenComplete(
                  (done, error) -> {
                    String reason = removed.get() ? "container removed" : "client left";
                    if (error != null) {
                      reason = "failed: " + error;
                    }
                    log.info("stats stream ended container_id={} reason={}", containerId, reason);
                  });
              return NotUsed.notUsed();
            });
  }

  /**
   * Reads the container's state and, when it runs, a sample from its node. Completes empty when
   * the container's entity did not reply, so that the stream waits for the next interval.
   */
  private static CompletionStage<Optional<Reading>> read(ContainerService containers, String containerId) {
    return containers
        .sharding()
        .entityRefFor(Container.TYPE_KEY, containerId)
        .ask(Container.Get::new, containers.askTimeout())
        .thenCompose(
            state -> {
              if (!state.isRunning()) {
                return CompletableFuture.completedFuture(Optional.of(new Reading(state, null)));
              }
              return containers
                  .stats(state)
                  .handle((usage, error) -> Optional.of(new Reading(state, error == null ? usage : null)));
            })
        .exceptionally(error -> Optional.empty());
  }

  /** Returns true for a removed container, and for an ID that no container ever had. */
  private static boolean isRemoved(Container.State state) {
    return state.status() == ContainerStatus.REMOVED || state.status() == ContainerStatus.NEW;
  }

  /**
   * Returns the function that turns readings into samples. A sample of a running container
   * carries the one before it, from which the client computes a CPU percentage, so the first
   * reading after a start only becomes the previous one. A reading without usage becomes a sample
   * of zeros, as the Docker daemon publishes an empty sample when it cannot read a container's
   * statistics (daemon/stats/collector.go in moby).
   */
  private static Function<Reading, Iterable<Map<String, Object>>> sampler() {
    ResourceUsage[] previous = {null};
    return reading -> {
      Container.State state = reading.state();
      if (reading.usage() == null) {
        previous[0] = null;
        return List.of(StatsViews.zeros(state));
      }
      ResourceUsage before = previous[0];
      previous[0] = reading.usage();
      return before == null ? List.of() : List.of(StatsViews.sample(state, reading.usage(), before));
    };
  }
}
