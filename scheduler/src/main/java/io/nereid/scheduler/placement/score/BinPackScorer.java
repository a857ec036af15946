package io.nereid.scheduler.placement.score;

import io.nereid.scheduler.placement.Dimension;
import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementContext;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.SearchOrder;
import io.nereid.scheduler.placement.UtilizationBounds;

/**
 * Favours the fullest node that still fits, for density. The score is the node's utilization after
 * placement, each dimension weighted by its {@link ScarcityWeights scarcity}, in [0, 1].
 *
 * <p>With the nodes and weights of the {@link ScarcityWeights} example (cpu 0.298, memory 0.607,
 * disk 0.095) and a request for 500 millicores and 4 GiB:
 *
 * <pre>
 *   n1: 0.298 * 3500/4000 + 0.607 * 12/16 + 0.095 * 20/100 = 0.261 + 0.455 + 0.019 = 0.735
 *   n2: 0.298 * 2500/8000 + 0.607 * 24/32 + 0.095 * 20/100 = 0.093 + 0.455 + 0.019 = 0.567
 * </pre>
 *
 * so n1 wins: both end at 75 % memory, but n1 ends fuller on CPU.
 */
public final class BinPackScorer implements NodeScorer {

  @Override
  public String name() {
    return "bin-pack";
  }

  @Override
  public SearchOrder order() {
    return SearchOrder.FULLEST_FIRST;
  }

  @Override
  public int candidateLimit(PoolSettings settings) {
    return settings.candidateLimit();
  }

  @Override
  public double score(NodeView node, PlacementContext context) {
    return Utilization.weightedAfterPlacement(node, context);
  }

  /**
   * Returns {@code w(cpu) * U(cpu) + w(memory) * U(memory) + w(disk) * U(disk)} with each U the
   * upper bound on the utilization of unvisited nodes. For example with weights 0.3, 0.6 and 0.1
   * and bounds 0.9, 0.5 and 1.0, no unvisited node scores above {@code 0.27 + 0.3 + 0.1 = 0.67}.
   */
  @Override
  public double scoreUpperBound(UtilizationBounds bounds, PlacementContext context) {
    double sum = 0;
    for (Dimension dimension : Dimension.values()) {
      sum += context.weights().get(dimension) * bounds.get(dimension);
    }
    return sum + ROUNDING_MARGIN;
  }

  /** Keeps the bound above scores that equal it but were rounded differently. */
  static final double ROUNDING_MARGIN = 1e-9;
}
