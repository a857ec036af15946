package io.nereid.scheduler.bench;

import io.nereid.scheduler.placement.PoolView;
import io.nereid.scheduler.placement.ScoringStrategy;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Arrays;

/**
 * The heap a capacity view takes, measured: used heap after {@link System#gc()} before and after
 * building a view of mixed hardware filled to 20 % to 90 % per node with workload containers, with
 * the view still referenced. The view contains what the engine needs: every node with its labels,
 * its containers (64-hex id, name, labels, reservation) and the per-dimension index.
 */
final class ViewHeap {

  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  /** The median of several runs, with the containers the view held. */
  record Result(int nodes, int containers, long medianBytes, long minBytes, long maxBytes) {}

  private ViewHeap() {}

  static Result measure(int nodes, int runs) {
    long[] bytes = new long[runs];
    int containers = 0;
    for (int run = 0; run < runs; run++) {
      Workload workload = new Workload(run + 1);
      long before = usedAfterGc();
      PoolView pool = Workload.emptyPool(nodes, ScoringStrategy.BIN_PACK, Workload.MIXED_HARDWARE);
      containers = workload.fill(pool).size();
      long after = usedAfterGc();
      bytes[run] = after - before;
      // Keeps the view reachable until the second reading.
      if (pool.size() != nodes) {
        throw new IllegalStateException("the view has " + pool.size() + " nodes, not " + nodes);
      }
    }
    Arrays.sort(bytes);
    return new Result(nodes, containers, bytes[runs / 2], bytes[0], bytes[runs - 1]);
  }

  /**
   * Returns the used heap once it is stable after collections: {@link System#gc()} is a request,
   * so it is repeated until two readings agree within 64 KiB, at most five times.
   */
  private static long usedAfterGc() {
    long previous = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      long used = MEMORY.getHeapMemoryUsage().getUsed();
      if (Math.abs(previous - used) < 64 * 1024) {
        return used;
      }
      previous = used;
    }
    return previous;
  }
}
