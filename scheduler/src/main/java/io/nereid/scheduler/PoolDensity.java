package io.nereid.scheduler;

import io.nereid.node.ComputeNode;
import io.nereid.node.NodeStatus;
import io.nereid.node.Overcommit;
import io.nereid.node.Resources;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The packing density of a pool: the nodes holding at least one reservation against the fewest
 * nodes that could hold all the reservations.
 *
 * @param nodesUsed nodes with at least one reservation
 * @param lowerBound the largest, over the dimensions, of the fewest nodes whose capacity (times
 *     the overcommit ratio) adds up to the total reserved in that dimension, taking the largest
 *     nodes first. On nodes of one size this is the total divided by a node's capacity, rounded
 *     up. It ignores how containers split, so no placement can use fewer nodes.
 */
public record PoolDensity(int nodesUsed, int lowerBound) {

  /** Returns {@code nodesUsed / lowerBound}, or 0 when nothing is reserved. */
  public double ratio() {
    return lowerBound == 0 ? 0 : (double) nodesUsed / lowerBound;
  }

  /** Measures the density of {@code nodes}, leaving out decommissioned and unregistered ones. */
  public static PoolDensity of(List<ComputeNode.State> nodes, Overcommit overcommit) {
    List<Resources> capacities = new ArrayList<>();
    Resources demand = Resources.NONE;
    int used = 0;
    for (ComputeNode.State node : nodes) {
      if (node.status() == NodeStatus.DECOMMISSIONED || node.status() == NodeStatus.UNREGISTERED) {
        continue;
      }
      capacities.add(overcommit.limit(node.capacity()));
      demand = demand.plus(node.reserved());
      if (!node.reservations().isEmpty()) {
        used++;
      }
    }
    int bound =
        Math.max(
            nodesToHold(demand.cpuMillis(), capacities, Resources::cpuMillis),
            Math.max(
                nodesToHold(demand.memoryBytes(), capacities, Resources::memoryBytes),
                nodesToHold(demand.diskBytes(), capacities, Resources::diskBytes)));
    return new PoolDensity(used, bound);
  }

  /** Returns the fewest nodes, largest first, whose capacity in a dimension reaches the demand. */
  private static int nodesToHold(
      long demand, List<Resources> capacities, ToLongFunction<Resources> dimension) {
    long[] sizes = capacities.stream().mapToLong(dimension).sorted().toArray();
    long covered = 0;
    int count = 0;
    for (int i = sizes.length - 1; i >= 0 && covered < demand; i--) {
      covered += sizes[i];
      count++;
    }
    return count;
  }
}
