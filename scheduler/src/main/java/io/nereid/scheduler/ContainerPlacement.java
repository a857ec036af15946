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
    if (created.spec() == null) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("no such container: " + created.containerId()));
    }
    String containerId = created.containerId();
    return reserve(PlacementSpec.of(created), created.spec())
        .thenCompose(
            record ->
                sharding
                    .entityRefFor(Container.TYPE_KEY, containerId)
                    .askWithStatus(replyTo -> new Container.Place(record, replyTo), askTimeout));
  }

  /**
   * Chooses a node for a container that does not exist yet and reserves its resources there.
   * Returns the record that the caller creates the container with ({@link Container.Create}), or
   * fails with the scheduler's reason. The caller releases the reservation if that create fails.
   */
  public CompletionStage<PlacementRecord> reserve(String containerId, String name, ContainerSpec spec) {
    return reserve(PlacementSpec.of(containerId, name, spec), spec);
  }

  private CompletionStage<PlacementRecord> reserve(PlacementSpec placementSpec, ContainerSpec spec) {
    long started = System.nanoTime();
    String pool = spec.labels().getOrDefault(POOL_LABEL, defaultPool);
    return sharding
        .entityRefFor(PoolScheduler.TYPE_KEY, pool)
        .<PlacementRecord>askWithStatus(replyTo -> new PoolScheduler.Place(placementSpec, replyTo), askTimeout)
        .whenComplete((record, error) -> count(record, error, started));
  }

  private void count(PlacementRecord record, Throwable error, long started) {
    String result = error == null ? "placed" : "failed";
    metrics.placements.inc(result);
    metrics.placementLatency.observe(NereidMetrics.secondsSince(started), result);
    if (record != null) {
      for (PlacementRecord.Rejected rejected : record.rejections()) {
        metrics.placementRejections.add(rejected.nodes(), rejected.reason());
      }
    }
  }

  /**
   * Returns the CPU a container reserves: its CPU limit ({@code --cpus}), rounded up to whole
   * millicores. Shares alone ({@code --cpu-shares}) are a relative weight and reserve nothing.
   */
  public static long cpuMillis(ContainerSpec spec) {
    return (spec.nanoCpus() + 999_999) / 1_000_000;
  }
}
