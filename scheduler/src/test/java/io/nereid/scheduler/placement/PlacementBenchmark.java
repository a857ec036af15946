package io.nereid.scheduler.placement;

import static io.nereid.scheduler.placement.PlacementFixtures.GIB;
import static io.nereid.scheduler.placement.PlacementFixtures.MIB;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Measures placement time, nodes examined and agreement with a full scan on a pool of three
 * hardware classes, and packing density per strategy. Not a test: run it by hand with
 *
 * <pre>
 *   mvn -pl scheduler test-compile
 *   java -cp scheduler/target/classes:scheduler/target/test-classes \
 *       io.nereid.scheduler.placement.PlacementBenchmark [nodes] [candidateLimit]
 * </pre>
 *
 * Timings come from {@link System#nanoTime} around single placements after a warm-up, so they
 * include JIT and GC noise. They do not predict timings on other machines.
 */
public final class PlacementBenchmark {

  /** cpu millicores, memory bytes, disk bytes, share in percent. */
  private static final long[][] WORKLOAD = {
    {250, 512 * MIB, GIB, 40},
    {500, GIB, 2 * GIB, 30},
    {2000, 2 * GIB, 5 * GIB, 15},
    {500, 8 * GIB, GIB, 10},
    {4000, 16 * GIB, 100 * GIB, 5},
  };

  private static final ResourceVector[] HARDWARE = {
    new ResourceVector(16_000, 64 * GIB, 500 * GIB),
    new ResourceVector(32_000, 128 * GIB, 1000 * GIB),
    new ResourceVector(64_000, 256 * GIB, 2000 * GIB),
  };

  private PlacementBenchmark() {}

  public static void main(String[] args) {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int limit = args.length > 1 ? Integer.parseInt(args[1]) : PoolSettings.DEFAULT_CANDIDATE_LIMIT;

    measure(nodes, 2_000, ScoringStrategy.BIN_PACK, limit, false); // warm-up for the JIT
    System.out.printf(Locale.ROOT, "pool of %d nodes, candidate limit %d%n", nodes, limit);
    for (ScoringStrategy strategy : ScoringStrategy.values()) {
      int placements = strategy == ScoringStrategy.RANDOM ? 500 : 5_000;
      measure(nodes, placements, strategy, limit, true);
    }
    System.out.println();
    System.out.println("density: containers placed into 1000 empty nodes before the first failure");
    for (ScoringStrategy strategy : ScoringStrategy.values()) {
      density(1_000, strategy, limit);
    }
  }

  /**
   * Fills every node to a random share of 20 % to 90 % of its capacity, then replaces containers
   * one by one, timing each placement and comparing every 25th with a full scan.
   */
  private static void measure(
      int nodes, int placements, ScoringStrategy strategy, int limit, boolean report) {
    Random random = new Random(1);
    PoolView pool = hardwarePool(nodes, strategy, limit);
    PlacementEngine engine = new PlacementEngine();
    List<String[]> placed = fill(pool, random);

    long[] micros = new long[placements];
    int[] examined = new int[placements];
    int compared = 0;
    int same = 0;
    double lostScore = 0;
    double maxLostScore = 0;
    double shortfall = 0;
    long fullScanMicros = 0;
    for (int i = 0; i < placements; i++) {
      String[] old = placed.remove(random.nextInt(placed.size()));
      pool.release(old[0], old[1]);
      PlacementRequest request = request(random, "r" + i);

      long start = System.nanoTime();
      PlacementDecision decision = engine.place(request, pool);
      micros[i] = (System.nanoTime() - start) / 1000;
      examined[i] = decision.nodesExamined();
      shortfall += decision.maxScoreShortfall();

      if (i % 25 == 0) {
        long scanStart = System.nanoTime();
        PlacementDecision fullScan = engine.placeByFullScan(request, pool);
        fullScanMicros += (System.nanoTime() - scanStart) / 1000;
        compared++;
        if (fullScan.chosenNodeId().equals(decision.chosenNodeId())) {
          same++;
        }
        if (decision.placed()) {
          double lost =
              fullScan.chosen().orElseThrow().score() - decision.chosen().orElseThrow().score();
          lostScore += lost;
          maxLostScore = Math.max(maxLostScore, lost);
        }
      }
      decision
          .chosenNodeId()
          .ifPresent(
              id -> {
                pool.reserve(id, request);
                placed.add(new String[] {id, request.containerId()});
              });
    }
    if (!report) {
      return;
    }

    Arrays.sort(micros);
    Arrays.sort(examined);
    System.out.printf(
        Locale.ROOT,
        "%-9s time median %4d us, p99 %5d us | examined median %5d, p99 %5d"
            + " | same node as full scan %5.1f %% of %d, score lost mean %.4f max %.4f"
            + " | shortfall bound mean %.4f | full scan mean %5d us%n",
        strategy.displayName(),
        micros[placements / 2],
        micros[placements * 99 / 100],
        examined[placements / 2],
        examined[placements * 99 / 100],
        100.0 * same / compared,
        compared,
        lostScore / compared,
        maxLostScore,
        shortfall / placements,
        fullScanMicros / compared);
  }

  private static void density(int nodes, ScoringStrategy strategy, int limit) {
    Random random = new Random(2);
    PoolView pool = hardwarePool(nodes, strategy, limit);
    PlacementEngine engine = new PlacementEngine();
    int placed = 0;
    while (true) {
      PlacementRequest request = request(random, "d" + placed);
      PlacementDecision decision = engine.place(request, pool);
      if (!decision.placed()) {
        break;
      }
      pool.reserve(decision.chosenNodeId().orElseThrow(), request);
      placed++;
    }

    double[] used = new double[Dimension.values().length];
    for (Dimension dimension : Dimension.values()) {
      long capacity = 0;
      for (NodeView node : pool.nodes()) {
        capacity += node.capacity().get(dimension);
      }
      used[dimension.ordinal()] = 100.0 * pool.readyReserved(dimension) / capacity;
    }
    System.out.printf(
        Locale.ROOT,
        "%-9s %6d containers, memory %5.1f %%, cpu %5.1f %%, disk %5.1f %% reserved%n",
        strategy.displayName(),
        placed,
        used[Dimension.MEMORY.ordinal()],
        used[Dimension.CPU.ordinal()],
        used[Dimension.DISK.ordinal()]);
  }

  private static PoolView hardwarePool(int nodes, ScoringStrategy strategy, int limit) {
    PoolView pool =
        new PoolView(
            PoolSettings.defaults()
                .withStrategy(strategy)
                .withCandidateLimit(limit)
                .withOvercommit(Dimension.CPU, 2.0)
                .withRandomSeed(7));
    for (int i = 0; i < nodes; i++) {
      NodeView node = NodeView.ready(String.format("node-%05d", i), HARDWARE[i % HARDWARE.length]);
      pool.putNode(node.withLabels(Map.of("rack", "r" + (i % 40))));
    }
    return pool;
  }

  /** Reserves workload containers on every node up to a random share of its capacity. */
  private static List<String[]> fill(PoolView pool, Random random) {
    List<String[]> placed = new ArrayList<>();
    List<NodeView> nodes = new ArrayList<>(pool.nodes());
    int i = 0;
    for (NodeView node : nodes) {
      double share = 0.2 + 0.7 * random.nextDouble();
      while (true) {
        PlacementRequest request = request(random, "f" + i++);
        NodeView current = pool.node(node.id()).orElseThrow();
        if (!fitsWithin(current, pool.settings().demandOf(request), share, pool.settings())) {
          break;
        }
        pool.reserve(node.id(), request);
        placed.add(new String[] {node.id(), request.containerId()});
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

  private static PlacementRequest request(Random random, String containerId) {
    int pick = random.nextInt(100);
    for (long[] kind : WORKLOAD) {
      pick -= (int) kind[3];
      if (pick < 0) {
        return PlacementRequest.builder(containerId)
            .cpuMillis(kind[0])
            .memoryBytes(kind[1])
            .diskBytes(kind[2])
            .build();
      }
    }
    throw new IllegalStateException("workload shares must add up to 100");
  }
}
