package io.nereid.scheduler.placement.score;

import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementContext;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.SearchOrder;
import io.nereid.scheduler.placement.UtilizationBounds;
import java.util.SplittableRandom;

/**
 * Takes a fitting node uniformly at random, a baseline for benchmarks. Each candidate scores a
 * pseudo-random number in [0, 1) drawn from the placement seed and the node id, so the choice does
 * not depend on the visiting order, and the same seed, request and pool repeat the same choice. The
 * search examines every ready node, because any of them may draw the highest number.
 */
public final class RandomScorer implements NodeScorer {

  @Override
  public String name() {
    return "random";
  }

  @Override
  public SearchOrder order() {
    return SearchOrder.NODE_ID;
  }

  @Override
  public int candidateLimit(PoolSettings settings) {
    return Integer.MAX_VALUE;
  }

  @Override
  public double score(NodeView node, PlacementContext context) {
    return new SplittableRandom(context.seed() ^ spread(node.id().hashCode())).nextDouble();
  }

  @Override
  public double scoreUpperBound(UtilizationBounds bounds, PlacementContext context) {
    return 1.0;
  }

  /**
   * Returns the seed of one placement: the pool seed mixed with the container id, so that two
   * containers placed into the same pool state draw different numbers.
   */
  public static long placementSeed(long poolSeed, String containerId) {
    return poolSeed ^ spread(containerId.hashCode());
  }

  /** Spreads the bits of a 32-bit hash over 64 bits, by the golden-ratio multiplier. */
  private static long spread(int hash) {
    return hash * 0x9E3779B97F4A7C15L;
  }
}
