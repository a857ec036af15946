package io.nereid.scheduler.placement;

import java.util.Comparator;
import java.util.EnumMap;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Ready nodes sorted, per dimension, by effective free amount within capacity classes. A {@link
 * UtilizationCursor} merges the classes of one dimension to visit nodes in order of utilization
 * after placement without scanning the pool.
 *
 * <p>Utilization after placement is {@code (reserved + q) / c = 1 - (free - q) / c} for a node of
 * effective capacity c and free amount free, and a demand q. Among nodes of one capacity it falls
 * as free rises, so a set sorted by free is sorted by utilization. Nodes of different capacities
 * interleave, so each dimension keeps one sorted set per capacity class and the cursor merges them.
 * A class contains the capacities that agree in their 6 leading bits, so it spans less than 1/32 of
 * its capacity (16 GiB and 16.4 GiB share one, 16 GiB and 17 GiB do not), and a pool has a few
 * classes per dimension even when every machine differs slightly.
 *
 * <p>Each update costs O(log n) per dimension.
 */
final class CapacityIndex {

  private static final int CLASS_BITS = 6;

  private final PoolSettings settings;
  private final EnumMap<Dimension, TreeMap<Long, CapacityClass>> classes =
      new EnumMap<>(Dimension.class);

  CapacityIndex(PoolSettings settings) {
    this.settings = settings;
    for (Dimension dimension : Dimension.values()) {
      classes.put(dimension, new TreeMap<>());
    }
  }

  void add(NodeView node) {
    for (Dimension dimension : Dimension.values()) {
      long capacity = settings.effectiveCapacity(node, dimension);
      CapacityClass capacityClass =
          classes
              .get(dimension)
              .computeIfAbsent(classFloor(capacity), floor -> new CapacityClass());
      capacityClass.byFree.add(new Entry(settings.effectiveFree(node, dimension), node.id(), node));
      capacityClass.capacities.merge(capacity, 1, Integer::sum);
    }
  }

  /**
   * Replaces a node's view with a newer one of the same effective capacity in every dimension, as
   * after a reservation or a release. A dimension whose free amount did not change keeps the node's
   * position and only points it at the new view, so a reservation of memory and CPU alone does not
   * move the node in the disk order.
   */
  void replace(NodeView previous, NodeView next) {
    for (Dimension dimension : Dimension.values()) {
      long capacity = settings.effectiveCapacity(previous, dimension);
      CapacityClass capacityClass = classes.get(dimension).get(classFloor(capacity));
      long previousFree = settings.effectiveFree(previous, dimension);
      long nextFree = settings.effectiveFree(next, dimension);
      if (previousFree == nextFree) {
        capacityClass.byFree.floor(new Entry(previousFree, previous.id(), null)).node = next;
      } else {
        capacityClass.byFree.remove(new Entry(previousFree, previous.id(), null));
        capacityClass.byFree.add(new Entry(nextFree, next.id(), next));
      }
    }
  }

  void remove(NodeView node) {
    for (Dimension dimension : Dimension.values()) {
      long capacity = settings.effectiveCapacity(node, dimension);
      long floor = classFloor(capacity);
      CapacityClass capacityClass = classes.get(dimension).get(floor);
      capacityClass.byFree.remove(
          new Entry(settings.effectiveFree(node, dimension), node.id(), null));
      capacityClass.capacities.computeIfPresent(
          capacity, (value, count) -> count == 1 ? null : count - 1);
      if (capacityClass.byFree.isEmpty()) {
        classes.get(dimension).remove(floor);
      }
    }
  }

  UtilizationCursor cursor(Dimension dimension, long demand, SearchOrder order) {
    return new UtilizationCursor(dimension, demand, order, classes.get(dimension).values());
  }

  /** Returns the capacity with every bit below its 6 leading bits cleared. */
  static long classFloor(long capacity) {
    int significantBits = 64 - Long.numberOfLeadingZeros(capacity);
    int shift = Math.max(0, significantBits - CLASS_BITS);
    return (capacity >> shift) << shift;
  }

  /** The nodes of one capacity class in one dimension. */
  static final class CapacityClass {
    final NavigableSet<Entry> byFree = new TreeSet<>(Entry.ORDER);
    final TreeMap<Long, Integer> capacities = new TreeMap<>();

    long minCapacity() {
      return capacities.firstKey();
    }

    long maxCapacity() {
      return capacities.lastKey();
    }

    /** Returns the nodes with at least {@code demand} free, or all of them for a demand of 0. */
    NavigableSet<Entry> withRoomFor(long demand) {
      if (demand <= 0) {
        return byFree;
      }
      return byFree.tailSet(new Entry(demand, "", null), true);
    }
  }

  /**
   * A node's position in one class: its effective free amount, then its id. Probes for searches and
   * removals have a null node. The node is the only mutable field, and changing it never moves the
   * entry.
   */
  static final class Entry {
    /** Orders by free amount, then node id; written out because it runs on every index step. */
    static final Comparator<Entry> ORDER =
        (a, b) -> a.free != b.free ? Long.compare(a.free, b.free) : a.nodeId.compareTo(b.nodeId);

    final long free;
    final String nodeId;
    NodeView node;

    Entry(long free, String nodeId, NodeView node) {
      this.free = free;
      this.nodeId = nodeId;
      this.node = node;
    }

    long free() {
      return free;
    }

    String nodeId() {
      return nodeId;
    }

    NodeView node() {
      return node;
    }
  }
}
