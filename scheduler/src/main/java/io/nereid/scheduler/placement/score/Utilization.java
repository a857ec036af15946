package io.nereid.scheduler.placement.score;

import io.nereid.scheduler.placement.Dimension;
import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementContext;

/**
 * Utilization after placement: the share of a node's effective capacity that is reserved once it
 * takes the request. Both load scorers rank by it.
 */
final class Utilization {

  private Utilization() {}

  /**
   * Returns the fraction of the node's effective capacity in the dimension that would be reserved
   * after placement, clamped to [0, 1]. A dimension with no capacity counts as full.
   */
  static double afterPlacement(NodeView node, Dimension dimension, PlacementContext context) {
    long capacity = context.settings().effectiveCapacity(node, dimension);
    if (capacity <= 0) {
      return 1.0;
    }
    double used = (double) node.reserved().get(dimension) + context.demand().get(dimension);
    return Math.min(1.0, Math.max(0.0, used / capacity));
  }

  /** Returns the sum over dimensions of scarcity weight times utilization after placement. */
  static double weightedAfterPlacement(NodeView node, PlacementContext context) {
    ScarcityWeights weights = context.weights();
    double sum = 0;
    for (Dimension dimension : Dimension.values()) {
      sum += weights.get(dimension) * afterPlacement(node, dimension, context);
    }
    return sum;
  }
}
