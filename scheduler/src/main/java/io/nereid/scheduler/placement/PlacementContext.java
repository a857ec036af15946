package io.nereid.scheduler.placement;

import io.nereid.scheduler.placement.score.RandomScorer;
import io.nereid.scheduler.placement.score.ScarcityWeights;
import java.util.ArrayList;
import java.util.List;

/**
 * Inputs that every filter and scorer needs for one placement, computed once per placement from the
 * request and the pool.
 *
 * @param demand what the request reserves, with the pool's default memory request applied
 * @param hardExpressions the expressions that reject nodes
 * @param softExpressions the expressions that only rank nodes
 * @param seed the seed of the random strategy for this placement, kept so it can be replayed
 */
public record PlacementContext(
    PlacementRequest request,
    ResourceVector demand,
    PoolSettings settings,
    List<Expression> hardExpressions,
    List<Expression> softExpressions,
    ScarcityWeights weights,
    long seed) {

  public PlacementContext {
    hardExpressions = List.copyOf(hardExpressions);
    softExpressions = List.copyOf(softExpressions);
  }

  /** Creates the context of placing the request into the pool as it is now. */
  public static PlacementContext of(PlacementRequest request, PoolView pool) {
    PoolSettings settings = pool.settings();
    ResourceVector demand = settings.demandOf(request);
    List<Expression> hard = new ArrayList<>();
    List<Expression> soft = new ArrayList<>();
    for (Expression expression : request.expressions()) {
      (expression.soft() ? soft : hard).add(expression);
    }
    return new PlacementContext(
        request,
        demand,
        settings,
        hard,
        soft,
        ScarcityWeights.of(pool, demand),
        RandomScorer.placementSeed(settings.randomSeed(), request.containerId()));
  }
}
