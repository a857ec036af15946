package io.nereid.scheduler.placement.score;

import static io.nereid.scheduler.placement.PlacementFixtures.GIB;
import static io.nereid.scheduler.placement.PlacementFixtures.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementContext;
import io.nereid.scheduler.placement.PlacementRequest;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.PoolView;
import io.nereid.scheduler.placement.SearchOrder;
import io.nereid.scheduler.placement.UtilizationBounds;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SpreadScorerTest {

  private static final PoolSettings DEFAULTS = PoolSettings.defaults();

  static Stream<Arguments> cases() {
    return Stream.of(
        // w(memory) = 1; score = 1 - 12/16
        Arguments.of(
            "memory only",
            List.of(node("n1").reserved(0, 8, 0).build()),
            request(0, 4),
            List.of(0.25)),
        // 1 - 0.735 and 1 - 0.567 from the bin-pack example
        Arguments.of(
            "class example prefers the emptier node",
            ScorerFixtures.exampleNodes(),
            request(500, 4),
            List.of(0.2649, 0.4326)),
        // w(memory) = 1; 1 - 12/16 against 1 - 4/32
        Arguments.of(
            "larger emptier node beats smaller fuller one",
            List.of(node("a").reserved(0, 8, 0).build(), node("b").capacity(4000, 32, 100).build()),
            request(0, 4),
            List.of(0.25, 0.875)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void scoresWeightedFreeShare(
      String name, List<NodeView> nodes, PlacementRequest request, List<Double> expected) {
    List<Double> scores = ScorerFixtures.scores(new SpreadScorer(), DEFAULTS, nodes, request);

    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i), scores.get(i), 0.0001, nodes.get(i).id());
    }
  }

  @Test
  void searchesEmptiestFirst() {
    assertEquals(SearchOrder.EMPTIEST_FIRST, new SpreadScorer().order());
  }

  @Test
  void upperBoundWeighsFreeShareBounds() {
    // Class example weights 0.298, 0.607, 0.095 and lower bounds 0.2, 0.5, 0.0:
    // 0.298 * 0.8 + 0.607 * 0.5 + 0.095 * 1.0 = 0.238 + 0.304 + 0.095 = 0.637
    PoolView pool = new PoolView(DEFAULTS);
    ScorerFixtures.exampleNodes().forEach(pool::putNode);
    PlacementContext context = PlacementContext.of(request(500, 4), pool);

    double bound =
        new SpreadScorer().scoreUpperBound(new UtilizationBounds(0.2, 0.5, 0.0), context);

    assertEquals(0.637, bound, 0.001);
  }

  @Test
  void upperBoundCoversEveryNodeWithinBounds() {
    // Bounds equal to a node's own utilizations give back at least that node's score.
    PoolView pool = new PoolView(DEFAULTS);
    ScorerFixtures.exampleNodes().forEach(pool::putNode);
    PlacementContext context = PlacementContext.of(request(500, 4), pool);
    NodeView n2 = pool.node("n2").orElseThrow();

    double bound =
        new SpreadScorer()
            .scoreUpperBound(new UtilizationBounds(2500.0 / 8000, 24.0 / 32, 20.0 / 100), context);

    assertTrue(bound >= new SpreadScorer().score(n2, context));
    assertEquals(new SpreadScorer().score(n2, context), bound, 1e-8);
  }

  private static PlacementRequest request(long cpuMillis, long memoryGib) {
    return PlacementRequest.builder("c1").cpuMillis(cpuMillis).memoryBytes(memoryGib * GIB).build();
  }
}
