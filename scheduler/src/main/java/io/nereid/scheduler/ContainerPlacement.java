package io.nereid.scheduler;

import io.nereid.container.Container;
import io.nereid.container.ContainerSpec;
import io.nereid.container.PlacementRecord;
import io.nereid.metrics.NereidMetrics;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Places a created container: its pool's scheduler chooses a node and reserves there, then the
 * container records the decision. Every step is idempotent, so a caller that timed out may call
 * again and gets the same node.
 */
public final class ContainerPlacement {

  /** The container label that names the pool to place in; without it the default pool is used. */
  public static final String POOL_LABEL = "nereid.pool";

  private final ClusterSharding sharding;
  private final String defaultPool;
  private final Duration askTimeout;
  private final NereidMetrics metrics;

  public ContainerPlacement(ClusterSharding sharding, String defaultPool, Duration askTimeout) {
    this(sharding, defaultPool, askTimeout, new NereidMetrics());
  }

  /** @param metrics where placements, their latency and the filters' rejections are counted */
  public ContainerPlacement(
      ClusterSharding sharding, String defaultPool, Duration askTimeout, NereidMetrics metrics) {
    this.sharding = sharding;
    this.defaultPool = defaultPool;
    this.askTimeout = askTimeout;
    this.metrics = metrics;
  }

  /** Places the container and returns its new state; fails with the scheduler's reason. */
  public CompletionStage<Container.State> place(String containerId) {
    return sharding
        .entityRefFor(Container.TYPE_KEY, containerId)
        .ask(Container.Get::new, askTimeout)
        .thenCompose(this::place);
  }

  /**
   * Places the container whose state the caller has just read, such as the reply to its create.
   * Returns the container's new state, or fails with the scheduler's reason.
   */
  public CompletionStage<Container.State> place(Container.State created) {
    long started = System.nanoTime();
    return placeCreated(created.containerId(), created)
        .whenComplete((placed, error) -> count(placed, error, started));
  }

  private void count(Container.State placed, Throwable error, long started) {
    String result = error == null ? "placed" : "failed";
    metrics.placements.inc(result);
    metrics.placementLatency.observe(NereidMetrics.secondsSince(started), result);
    if (placed != null && placed.placement() != null) {
      for (PlacementRecord.Rejected rejected : placed.placement().rejections()) {
        metrics.placementRejections.add(rejected.nodes(), rejected.reason());
      }
    }
  }

  private CompletionStage<Container.State> placeCreated(String containerId, Container.State state) {
    if (state.spec() == null) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("no such container: " + containerId));
    }
    String pool = state.spec().labels().getOrDefault(POOL_LABEL, defaultPool);
    PlacementSpec placementSpec = PlacementSpec.of(state);
    CompletionStage<PlacementRecord> decided =
        sharding
            .entityRefFor(PoolScheduler.TYPE_KEY, pool)
            .askWithStatus(replyTo -> new PoolScheduler.Place(placementSpec, replyTo), askTimeout);
    return decided.thenCompose(
        record ->
            sharding
                .entityRefFor(Container.TYPE_KEY, containerId)
                .askWithStatus(replyTo -> new Container.Place(record, replyTo), askTimeout));
  }

  /**
   * Returns the CPU a container reserves: its CPU limit ({@code --cpus}), rounded up to whole
   * millicores. Shares alone ({@code --cpu-shares}) are a relative weight and reserve nothing.
   */
  public static long cpuMillis(ContainerSpec spec) {
    return (spec.nanoCpus() + 999_999) / 1_000_000;
  }
}
