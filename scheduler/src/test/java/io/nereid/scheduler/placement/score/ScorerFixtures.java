package io.nereid.scheduler.placement.score;

import static io.nereid.scheduler.placement.PlacementFixtures.node;

import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementContext;
import io.nereid.scheduler.placement.PlacementRequest;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.PoolView;
import java.util.ArrayList;
import java.util.List;

/** Pools shared by the scorer tests. */
final class ScorerFixtures {

  private ScorerFixtures() {}

  /** Returns the two nodes of the {@link ScarcityWeights} and {@link BinPackScorer} examples. */
  static List<NodeView> exampleNodes() {
    return List.of(
        node("n1").capacity(4000, 16, 100).reserved(3000, 8, 20).build(),
        node("n2").capacity(8000, 32, 100).reserved(2000, 20, 20).build());
  }

  /** Scores every node of a pool of these nodes for the request, in the order given. */
  static List<Double> scores(
      NodeScorer scorer, PoolSettings settings, List<NodeView> nodes, PlacementRequest request) {
    PoolView pool = new PoolView(settings);
    nodes.forEach(pool::putNode);
    PlacementContext context = PlacementContext.of(request, pool);
    List<Double> scores = new ArrayList<>();
    for (NodeView node : nodes) {
      scores.add(scorer.score(node, context));
    }
    return scores;
  }
}
