package io.nereid.scheduler.placement.score;

import io.nereid.scheduler.placement.Dimension;
import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementContext;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.SearchOrder;
import io.nereid.scheduler.placement.UtilizationBounds;

/**
 * Favours the least loaded node. The score is 1 minus the bin-pack score: the weighted share of the
 * node left free after placement, in [0, 1].
 *
 * <p>With the nodes of the {@link BinPackScorer} example, n1 scores {@code 1 - 0.735 = 0.265} and
 * n2 scores {@code 1 - 0.567 = 0.433}, so n2 wins.
 */
public final class SpreadScorer implements NodeScorer {

  @Override
  public String name() {
    return "spread";
  }

  @Override
  public SearchOrder order() {
    return SearchOrder.EMPTIEST_FIRST;
  }

  @Override
  public int candidateLimit(PoolSettings settings) {
    return settings.candidateLimit();
  }

  @Override
  public double score(NodeView node, PlacementContext context) {
    return 1.0 - Utilization.weightedAfterPlacement(node, context);
  }

  /**
   * Returns {@code w(cpu) * (1 - U(cpu)) + w(memory) * (1 - U(memory)) + w(disk) * (1 - U(disk))}
   * with each U the lower bound on the utilization of unvisited nodes. For example with weights
   * 0.3, 0.6 and 0.1 and bounds 0.2, 0.5 and 0.0, no unvisited node scores above {@code 0.24 + 0.3
   * + 0.1 = 0.64}.
   */
  @Override
  public double scoreUpperBound(UtilizationBounds bounds, PlacementContext context) {
    double sum = 0;
    for (Dimension dimension : Dimension.values()) {
      sum += context.weights().get(dimension) * (1.0 - bounds.get(dimension));
    }
    return sum + BinPackScorer.ROUNDING_MARGIN;
  }
}
