package io.nereid.scheduler.placement.score;

import io.nereid.scheduler.placement.Dimension;
import io.nereid.scheduler.placement.PoolView;
import io.nereid.scheduler.placement.ResourceVector;

/**
 * How much each dimension counts in a node's score: the scarcer a dimension is in the pool, the
 * more it counts. Weights are in [0, 1] and sum to 1.
 *
 * <p>For each dimension d over the ready nodes of the pool, with R the sum of reservations, F the
 * sum of effective free amounts and q the request's demand:
 *
 * <pre>
 *   raw(d) = (R(d) + q(d)) / max(F(d), 1)        demand over free
 *   w(d)   = raw(d) / (raw(cpu) + raw(memory) + raw(disk))
 * </pre>
 *
 * <p>Example: two nodes n1 (4000 millicores, 16 GiB memory, 100 GiB disk; 3000 millicores, 8 GiB,
 * 20 GiB reserved) and n2 (8000 millicores, 32 GiB, 100 GiB; 2000 millicores, 20 GiB, 20 GiB
 * reserved), and a request for 500 millicores and 4 GiB:
 *
 * <pre>
 *   cpu     raw = (5000 + 500) / 7000 = 0.786    w = 0.786 / 2.636 = 0.298
 *   memory  raw = (28 + 4) / 20       = 1.600    w = 1.600 / 2.636 = 0.607
 *   disk    raw = (40 + 0) / 160      = 0.250    w = 0.250 / 2.636 = 0.095
 * </pre>
 *
 * Memory is the scarce dimension here, so it decides most of the score. In an empty pool with a
 * request for nothing, every raw value is 0 and each dimension weighs 1/3.
 */
public record ScarcityWeights(double cpu, double memory, double disk) {

  public static final ScarcityWeights EQUAL = new ScarcityWeights(1.0 / 3, 1.0 / 3, 1.0 / 3);

  /** Computes the weights from the pool's ready-node totals in constant time. */
  public static ScarcityWeights of(PoolView pool, ResourceVector demand) {
    double cpuRaw = raw(pool, demand, Dimension.CPU);
    double memoryRaw = raw(pool, demand, Dimension.MEMORY);
    double diskRaw = raw(pool, demand, Dimension.DISK);
    double sum = cpuRaw + memoryRaw + diskRaw;
    if (sum == 0) {
      return EQUAL;
    }
    return new ScarcityWeights(cpuRaw / sum, memoryRaw / sum, diskRaw / sum);
  }

  public double get(Dimension dimension) {
    return switch (dimension) {
      case CPU -> cpu;
      case MEMORY -> memory;
      case DISK -> disk;
    };
  }

  private static double raw(PoolView pool, ResourceVector demand, Dimension dimension) {
    double wanted = (double) pool.readyReserved(dimension) + demand.get(dimension);
    return wanted / Math.max(pool.readyFree(dimension), 1L);
  }
}
