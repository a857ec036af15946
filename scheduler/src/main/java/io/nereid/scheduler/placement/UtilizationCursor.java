package io.nereid.scheduler.placement;

import java.util.Collection;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Visits the ready nodes with room for a demand in one dimension, roughly in order of utilization
 * after placement, and bounds the utilization of the nodes it has not returned yet.
 *
 * <p>It keeps the next node of each capacity class and returns the one whose class bound is best.
 * In a {@link SearchOrder#FULLEST_FIRST} cursor each class walks towards more free, and the nodes
 * still ahead in a class, which have free at least f and capacity at most cmax, have utilization at
 * most {@code 1 - (f - q) / cmax}. For example with q = 4 GiB, f = 12 GiB and capacities of 16 GiB
 * that bound is {@code 1 - 8/16 = 0.5}. In an {@link SearchOrder#EMPTIEST_FIRST} cursor each class
 * walks towards less free and the nodes ahead have utilization at least {@code 1 - (f - q) / cmin}.
 * {@link #bound()} is the best of the class bounds, so it covers every node not returned yet.
 * Within a class of a single capacity the order is exact. Across capacities that share a class it
 * may be off by the class width.
 *
 * <p>Must not be used after the pool changes.
 */
public final class UtilizationCursor {

  private final Dimension dimension;
  private final long demand;
  private final boolean fullestFirst;
  /**
   * A binary heap of the class cursors that have a next node, best bound at index 0. Written out
   * instead of a {@code PriorityQueue} because the comparison runs on every step of a search, and a
   * comparator chain there costs more than the rest of the step.
   */
  private final ClassCursor[] heads;

  private int headCount;

  UtilizationCursor(
      Dimension dimension,
      long demand,
      SearchOrder order,
      Collection<CapacityIndex.CapacityClass> classes) {
    if (order == SearchOrder.NODE_ID) {
      throw new IllegalArgumentException(
          "a utilization cursor cannot visit nodes in node id order. Use PoolView.readyNodes"
              + " instead");
    }
    this.dimension = dimension;
    this.demand = demand;
    this.fullestFirst = order == SearchOrder.FULLEST_FIRST;
    this.heads = new ClassCursor[classes.size()];
    for (CapacityIndex.CapacityClass capacityClass : classes) {
      ClassCursor cursor = new ClassCursor(capacityClass);
      if (cursor.advance()) {
        heads[headCount] = cursor;
        siftUp(headCount++);
      }
    }
  }

  public Dimension dimension() {
    return dimension;
  }

  public boolean hasNext() {
    return headCount > 0;
  }

  /**
   * Returns the node whose class bound is best and moves past it.
   *
   * @throws NoSuchElementException if {@link #hasNext()} is false
   */
  public NodeView next() {
    if (headCount == 0) {
      throw new NoSuchElementException("the cursor has returned every node");
    }
    ClassCursor cursor = heads[0];
    NodeView node = cursor.head.node();
    if (!cursor.advance()) {
      heads[0] = heads[--headCount];
      heads[headCount] = null;
    }
    siftDown(0);
    return node;
  }

  /**
   * Returns the bound on utilization after placement of every node not returned yet: an upper bound
   * when fullest first, a lower bound when emptiest first. With no nodes left it returns 0 or 1
   * respectively, which bounds nothing.
   */
  public double bound() {
    if (headCount == 0) {
      return fullestFirst ? 0.0 : 1.0;
    }
    return heads[0].bound;
  }

  /** Returns whether class cursor a comes before b: the better bound, then the lower node id. */
  private boolean before(ClassCursor a, ClassCursor b) {
    if (a.bound != b.bound) {
      return fullestFirst ? a.bound > b.bound : a.bound < b.bound;
    }
    return a.head.nodeId().compareTo(b.head.nodeId()) < 0;
  }

  private void siftUp(int index) {
    ClassCursor cursor = heads[index];
    while (index > 0) {
      int parent = (index - 1) >>> 1;
      if (!before(cursor, heads[parent])) {
        break;
      }
      heads[index] = heads[parent];
      index = parent;
    }
    heads[index] = cursor;
  }

  private void siftDown(int index) {
    if (headCount == 0) {
      return;
    }
    ClassCursor cursor = heads[index];
    while (true) {
      int child = 2 * index + 1;
      if (child >= headCount) {
        break;
      }
      if (child + 1 < headCount && before(heads[child + 1], heads[child])) {
        child++;
      }
      if (!before(heads[child], cursor)) {
        break;
      }
      heads[index] = heads[child];
      index = child;
    }
    heads[index] = cursor;
  }

  /** The next node of one capacity class, with the bound for it and every node after it. */
  private final class ClassCursor {
    private final Iterator<CapacityIndex.Entry> entries;
    private final long minCapacity;
    private final long maxCapacity;
    private CapacityIndex.Entry head;
    private double bound;

    ClassCursor(CapacityIndex.CapacityClass capacityClass) {
      this.entries =
          fullestFirst
              ? capacityClass.withRoomFor(demand).iterator()
              : capacityClass.withRoomFor(demand).descendingIterator();
      this.minCapacity = capacityClass.minCapacity();
      this.maxCapacity = capacityClass.maxCapacity();
    }

    boolean advance() {
      if (!entries.hasNext()) {
        return false;
      }
      head = entries.next();
      bound = fullestFirst ? upperBound(head.free()) : lowerBound(head.free());
      return true;
    }

    private double upperBound(long free) {
      if (maxCapacity <= 0) {
        return 1.0;
      }
      double spare = Math.max(0, free - demand);
      return clamp(1.0 - spare / maxCapacity);
    }

    private double lowerBound(long free) {
      if (minCapacity <= 0) {
        return 1.0;
      }
      return clamp(1.0 - (double) (free - demand) / minCapacity);
    }
  }

  private static double clamp(double utilization) {
    return Math.min(1.0, Math.max(0.0, utilization));
  }
}
