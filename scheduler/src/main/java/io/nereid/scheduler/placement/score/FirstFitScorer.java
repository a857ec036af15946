package io.nereid.scheduler.placement.score;

import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementContext;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.SearchOrder;
import io.nereid.scheduler.placement.UtilizationBounds;

/**
 * Takes the first node in node id order that passes every hard filter, a baseline for benchmarks.
 * Every candidate scores 0, so the node id tie-break decides, and the search stops at the first
 * candidate that satisfies every soft expression.
 */
public final class FirstFitScorer implements NodeScorer {

  @Override
  public String name() {
    return "first-fit";
  }

  @Override
  public SearchOrder order() {
    return SearchOrder.NODE_ID;
  }

  @Override
  public int candidateLimit(PoolSettings settings) {
    return 1;
  }

  @Override
  public double score(NodeView node, PlacementContext context) {
    return 0.0;
  }

  @Override
  public double scoreUpperBound(UtilizationBounds bounds, PlacementContext context) {
    return 0.0;
  }
}
