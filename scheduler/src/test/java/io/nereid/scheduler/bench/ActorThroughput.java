package io.nereid.scheduler.bench;

import io.nereid.container.PlacementRecord;
import io.nereid.node.ComputeNode;
import io.nereid.node.Resources;
import io.nereid.scheduler.PlacementSpec;
import io.nereid.scheduler.PoolScheduler;
import io.nereid.scheduler.SchedulerTestCluster;
import io.nereid.scheduler.placement.PlacementRequest;
import io.nereid.scheduler.placement.ResourceVector;
import io.nereid.scheduler.placement.ScoringStrategy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Placements per second of the sharded {@link PoolScheduler} with persistence: one cluster member
 * on loopback with the node entities and the pool's scheduler, journaling to the embedded Cassandra
 * of the tests, in keyspaces of its own. Every placement runs the engine in the scheduler, persists
 * the reservation in the chosen {@code ComputeNode} entity and returns the node's new state to the
 * scheduler, as in a running cluster. Requests come from the same JVM, a fixed number in flight.
 *
 * <p>The nodes start empty, in the mixed hardware classes; registering them is timed apart.
 */
final class ActorThroughput {

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(60);
  private static final String POOL = "bench";

  record Result(
      ScoringStrategy strategy,
      int nodes,
      int placed,
      int failed,
      double registrationSeconds,
      double perSecond) {}

  private ActorThroughput() {}

  static Result measure(ScoringStrategy strategy, int nodes, int placements, int inFlight)
      throws Exception {
    String label = "bench_" + strategy.name() + "_" + nodes;
    ActorTestKit kit =
        SchedulerTestCluster.startMember(
            label,
            com.typesafe.config.ConfigFactory.parseString(
                    "nereid.scheduler.strategy = " + strategy.displayName())
                .withFallback(SchedulerTestCluster.config(label)),
            null);
    try {
      SchedulerTestCluster.awaitUp(kit.system(), 1);
      ClusterSharding sharding = ClusterSharding.get(kit.system());

      long start = System.nanoTime();
      runConcurrently(nodes, inFlight, i -> register(sharding, i));
      awaitPoolSize(sharding, nodes);
      double registrationSeconds = (System.nanoTime() - start) / 1e9;

      Workload workload = new Workload(3);
      int warmUp = Math.min(500, placements / 4);
      runConcurrently(warmUp, inFlight, i -> place(sharding, workload.next()));

      AtomicInteger failed = new AtomicInteger();
      start = System.nanoTime();
      runConcurrently(
          placements,
          inFlight,
          i ->
              place(sharding, workload.next())
                  .exceptionally(
                      error -> {
                        failed.incrementAndGet();
                        return null;
                      }));
      double seconds = (System.nanoTime() - start) / 1e9;
      int placed = placements - failed.get();
      return new Result(strategy, nodes, placed, failed.get(), registrationSeconds, placed / seconds);
    } finally {
      kit.shutdownTestKit();
    }
  }

  /** Waits until the scheduler's view has every node, which at 10,000 nodes takes a while. */
  private static void awaitPoolSize(ClusterSharding sharding, int nodes) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (SchedulerTestCluster.pool(sharding, POOL).nodes().size() < nodes) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the scheduler never saw all " + nodes + " nodes");
      }
      Thread.sleep(500);
    }
  }

  /** Starts {@code count} asks, at most {@code inFlight} at a time, and waits for all of them. */
  private static void runConcurrently(
      int count, int inFlight, IntFunction<CompletionStage<?>> ask) throws Exception {
    Semaphore window = new Semaphore(inFlight);
    CompletableFuture<?>[] all = new CompletableFuture<?>[count];
    for (int i = 0; i < count; i++) {
      window.acquire();
      all[i] = ask.apply(i).toCompletableFuture().whenComplete((reply, error) -> window.release());
    }
    CompletableFuture.allOf(all).get(30, TimeUnit.MINUTES);
  }

  private static CompletionStage<ComputeNode.State> register(ClusterSharding sharding, int index) {
    ResourceVector hardware = Workload.MIXED_HARDWARE[index % Workload.MIXED_HARDWARE.length];
    Resources capacity =
        new Resources(hardware.cpuMillis(), hardware.memoryBytes(), hardware.diskBytes());
    return sharding
        .entityRefFor(ComputeNode.TYPE_KEY, Workload.nodeId(index))
        .askWithStatus(
            replyTo ->
                new ComputeNode.Register(
                    POOL, capacity, Map.of("rack", "r" + (index % 40)), replyTo),
            ASK_TIMEOUT);
  }

  private static CompletionStage<PlacementRecord> place(
      ClusterSharding sharding, PlacementRequest request) {
    PlacementSpec spec =
        new PlacementSpec(
            request.containerId(),
            request.name(),
            request.image(),
            Map.of(),
            List.of(),
            request.memoryBytes(),
            request.cpuMillis(),
            request.diskBytes());
    return sharding
        .entityRefFor(PoolScheduler.TYPE_KEY, POOL)
        .askWithStatus(replyTo -> new PoolScheduler.Place(spec, replyTo), ASK_TIMEOUT);
  }
}
