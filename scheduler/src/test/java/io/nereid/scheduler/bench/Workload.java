package io.nereid.scheduler.bench;

import com.typesafe.config.ConfigFactory;
import io.nereid.scheduler.SchedulerSettings;
import io.nereid.scheduler.placement.Dimension;
import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementRequest;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.PoolView;
import io.nereid.scheduler.placement.ResourceVector;
import io.nereid.scheduler.placement.ScoringStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The synthetic pools and the mixed workload of the scheduler benchmark, reproducible by seed.
 *
 * <p>Container sizes, by share of requests (mean 0.8 cores, 2.4 GiB memory, 6.9 GiB disk):
 *
 * <pre>
 *   40 %  0.25 core   512 MiB    1 GiB disk
 *   30 %  0.5  core     1 GiB    2 GiB
 *   15 %  2    cores    2 GiB    5 GiB
 *   10 %  0.5  core     8 GiB    1 GiB
 *    5 %  4    cores   16 GiB  100 GiB
 * </pre>
 *
 * Requests carry no constraints or affinities, the common case. Container ids are 64 hex digits
 * and names are set, as the Docker API gives them, so the heap measured for a view is the heap of
 * real-sized entries.
 */
final class Workload {

  static final long MIB = 1L << 20;
  static final long GIB = 1L << 30;

  /** cpu millicores, memory bytes, disk bytes, share in percent. */
  private static final long[][] SIZES = {
    {250, 512 * MIB, GIB, 40},
    {500, GIB, 2 * GIB, 30},
    {2000, 2 * GIB, 5 * GIB, 15},
    {500, 8 * GIB, GIB, 10},
    {4000, 16 * GIB, 100 * GIB, 5},
  };

  /** The hardware classes of a mixed pool, which takes them in turn. */
  static final ResourceVector[] MIXED_HARDWARE = {
    new ResourceVector(16_000, 64 * GIB, 500 * GIB),
    new ResourceVector(32_000, 128 * GIB, 1000 * GIB),
    new ResourceVector(64_000, 256 * GIB, 2000 * GIB),
  };

  /** The one hardware class of the density pools, so the lower bound is a plain division. */
  static final ResourceVector UNIFORM_HARDWARE = new ResourceVector(32_000, 128 * GIB, 2000 * GIB);

  private final Random random;
  private int sequence;

  Workload(long seed) {
    this.random = new Random(seed);
  }

  Random random() {
    return random;
  }

  /** Draws the next container of the mix. */
  PlacementRequest next() {
    int pick = random.nextInt(100);
    for (long[] size : SIZES) {
      pick -= (int) size[3];
      if (pick < 0) {
        return PlacementRequest.builder(hexId())
            .name("c-" + sequence++)
            .image("registry.local/app:1")
            .cpuMillis(size[0])
            .memoryBytes(size[1])
            .diskBytes(size[2])
            .build();
      }
    }
    throw new IllegalStateException("workload shares must add up to 100");
  }

  /**
   * Returns the pool settings a cluster member runs with by default ({@code nereid.scheduler} in
   * the reference configuration, candidate limit included), with the given strategy.
   */
  static PoolSettings memberDefaults(ScoringStrategy strategy) {
    return SchedulerSettings.fromConfig(ConfigFactory.load())
        .poolSettings()
        .withStrategy(strategy)
        .withRandomSeed(7);
  }

  /** Returns an empty pool of ready nodes with rack labels, taking the hardware classes in turn. */
  static PoolView emptyPool(int nodes, ScoringStrategy strategy, ResourceVector... hardware) {
    PoolView pool = new PoolView(memberDefaults(strategy));
    for (int i = 0; i < nodes; i++) {
      NodeView node = NodeView.ready(nodeId(i), hardware[i % hardware.length]);
      pool.putNode(node.withLabels(Map.of("rack", "r" + (i % 40))));
    }
    return pool;
  }

  static String nodeId(int index) {
    return String.format("node-%05d", index);
  }

  /**
   * Reserves containers of the mix on every node up to a random share of 20 % to 90 % of its
   * capacity, and returns them as {node id, container id} pairs.
   */
  List<String[]> fill(PoolView pool) {
    List<String[]> placed = new ArrayList<>();
    List<String> nodeIds = new ArrayList<>();
    pool.nodes().forEach(node -> nodeIds.add(node.id()));
    for (String nodeId : nodeIds) {
      double share = 0.2 + 0.7 * random.nextDouble();
      while (true) {
        PlacementRequest request = next();
        NodeView node = pool.node(nodeId).orElseThrow();
        if (!fitsWithin(node, pool.settings().demandOf(request), share, pool.settings())) {
          break;
        }
        pool.reserve(nodeId, request);
        placed.add(new String[] {nodeId, request.containerId()});
      }
    }
    return placed;
  }

  private static boolean fitsWithin(
      NodeView node, ResourceVector demand, double share, PoolSettings settings) {
    for (Dimension dimension : Dimension.values()) {
      double limit = share * settings.effectiveCapacity(node, dimension);
      if (node.reserved().get(dimension) + demand.get(dimension) > limit) {
        return false;
      }
    }
    return true;
  }

  private String hexId() {
    return String.format("%016x%016x%016x%016x", random.nextLong(), random.nextLong(),
        random.nextLong(), random.nextLong());
  }
}
