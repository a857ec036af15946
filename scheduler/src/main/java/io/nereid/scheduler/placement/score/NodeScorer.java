package io.nereid.scheduler.placement.score;

import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementContext;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.SearchOrder;
import io.nereid.scheduler.placement.UtilizationBounds;

/**
 * Ranks the nodes that passed every hard filter. It also sets the order in which the search visits
 * nodes and the bound that lets the search stop early.
 */
public interface NodeScorer {

  /** Returns the strategy name recorded in decisions, such as {@code bin-pack}. */
  String name();

  SearchOrder order();

  /**
   * Returns the number of candidates that meet every soft expression after which the search stops.
   * {@link Integer#MAX_VALUE} means the search never stops early.
   */
  int candidateLimit(PoolSettings settings);

  /** Scores a node that passed every hard filter, where higher is better. */
  double score(NodeView node, PlacementContext context);

  /**
   * Returns a score that no unvisited node can exceed, given bounds on the utilization after
   * placement of the unvisited nodes. The search stops early once its best candidate scores above
   * it.
   */
  double scoreUpperBound(UtilizationBounds bounds, PlacementContext context);
}
