package io.nereid.scheduler.bench;

import io.nereid.scheduler.placement.PlacementDecision;
import io.nereid.scheduler.placement.PlacementEngine;
import io.nereid.scheduler.placement.PlacementRequest;
import io.nereid.scheduler.placement.PoolView;
import io.nereid.scheduler.placement.ScoringStrategy;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;

/**
 * Placements per second of the engine alone, on one thread, in a pool of mixed hardware filled to
 * 20 % to 90 % per node. Each step releases a random container and places a new one of the
 * workload, then reserves it on the chosen node with {@link PoolView#reserve}, so the pool stays in
 * a steady state of churn.
 *
 * <p>Rates are over the thread's CPU time, read around each call, so time the thread spends
 * waiting for a core that other processes hold does not count. The two clock reads per step are
 * counted in, so the rates are slightly low. "Engine" is {@link PlacementEngine#place} alone;
 * "with reserve" adds the view update, which a scheduler does per container before it asks the
 * node. Latency percentiles are wall-clock times of single {@code place} calls.
 */
final class EngineThroughput {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /**
   * The outcome of one strategy on one pool.
   *
   * @param sameAsFullScan the share of sampled placements that chose the node a full scan chooses
   */
  record Result(
      ScoringStrategy strategy,
      int nodes,
      int placements,
      double perCpuSecond,
      double withReservePerCpuSecond,
      double medianMicros,
      double p99Micros,
      int medianExamined,
      double sameAsFullScan) {}

  private final ScoringStrategy strategy;
  private final int nodes;
  private final Workload workload = new Workload(1);
  private final PoolView pool;
  private final List<String[]> placed;
  private final PlacementEngine engine = new PlacementEngine();

  private EngineThroughput(ScoringStrategy strategy, int nodes) {
    this.strategy = strategy;
    this.nodes = nodes;
    this.pool = Workload.emptyPool(nodes, strategy, Workload.MIXED_HARDWARE);
    this.placed = workload.fill(pool);
  }

  /**
   * Measures one strategy: a warm-up of a third of the budget, then batches until the budget of
   * CPU time is spent or {@code maxPlacements} are done, then {@code fullScanSamples} placements
   * compared with a full scan.
   */
  static Result measure(
      ScoringStrategy strategy,
      int nodes,
      long budgetNanos,
      int maxPlacements,
      int fullScanSamples) {
    EngineThroughput bench = new EngineThroughput(strategy, nodes);
    bench.run(new Timing(maxPlacements), budgetNanos / 3);
    Timing timing = new Timing(maxPlacements);
    bench.run(timing, budgetNanos);
    double same = bench.agreementWithFullScan(fullScanSamples);
    return timing.result(strategy, nodes, same);
  }

  private void run(Timing timing, long budgetNanos) {
    while (timing.engineCpuNanos < budgetNanos && timing.placements < timing.capacity()) {
      releaseRandom();
      PlacementRequest request = workload.next();

      long cpuStart = THREADS.getCurrentThreadCpuTime();
      long wallStart = System.nanoTime();
      PlacementDecision decision = engine.place(request, pool);
      long wallEnd = System.nanoTime();
      long cpuPlaced = THREADS.getCurrentThreadCpuTime();
      if (decision.placed()) {
        String nodeId = decision.chosenNodeId().orElseThrow();
        pool.reserve(nodeId, request);
        placed.add(new String[] {nodeId, request.containerId()});
      }
      long cpuReserved = THREADS.getCurrentThreadCpuTime();

      timing.record(wallEnd - wallStart, decision.nodesExamined());
      timing.engineCpuNanos += cpuPlaced - cpuStart;
      timing.withReserveCpuNanos += cpuReserved - cpuStart;
    }
  }

  private double agreementWithFullScan(int samples) {
    int same = 0;
    for (int i = 0; i < samples; i++) {
      releaseRandom();
      PlacementRequest request = workload.next();
      PlacementDecision indexed = engine.place(request, pool);
      PlacementDecision fullScan = engine.placeByFullScan(request, pool);
      if (indexed.chosenNodeId().equals(fullScan.chosenNodeId())) {
        same++;
      }
      indexed.chosenNodeId().ifPresent(nodeId -> pool.reserve(nodeId, request));
    }
    return samples == 0 ? Double.NaN : (double) same / samples;
  }

  /** Releases a random container, swapping the last one into its slot so removal is O(1). */
  private void releaseRandom() {
    int index = workload.random().nextInt(placed.size());
    String[] container = placed.get(index);
    placed.set(index, placed.get(placed.size() - 1));
    placed.remove(placed.size() - 1);
    pool.release(container[0], container[1]);
  }

  /** Timings of the measured placements. */
  private static final class Timing {
    private final long[] placeNanos;
    private final int[] examined;
    private int placements;
    private long engineCpuNanos;
    private long withReserveCpuNanos;

    Timing(int capacity) {
      placeNanos = new long[capacity];
      examined = new int[capacity];
    }

    int capacity() {
      return placeNanos.length;
    }

    void record(long nanos, int nodesExamined) {
      placeNanos[placements] = nanos;
      examined[placements] = nodesExamined;
      placements++;
    }

    Result result(ScoringStrategy strategy, int nodes, double sameAsFullScan) {
      long[] sortedNanos = Arrays.copyOf(placeNanos, placements);
      int[] sortedExamined = Arrays.copyOf(examined, placements);
      Arrays.sort(sortedNanos);
      Arrays.sort(sortedExamined);
      return new Result(
          strategy,
          nodes,
          placements,
          placements * 1e9 / engineCpuNanos,
          placements * 1e9 / withReserveCpuNanos,
          sortedNanos[placements / 2] / 1e3,
          sortedNanos[placements * 99 / 100] / 1e3,
          sortedExamined[placements / 2],
          sameAsFullScan);
    }
  }
}
