package io.nereid.scheduler.placement.score;

import static io.nereid.scheduler.placement.PlacementFixtures.GIB;
import static io.nereid.scheduler.placement.PlacementFixtures.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nereid.scheduler.placement.Dimension;
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

class BinPackScorerTest {

  private static final PoolSettings DEFAULTS = PoolSettings.defaults();

  static Stream<Arguments> cases() {
    return Stream.of(
        // raw memory = (8 + 4)/8 = 1.5 and nothing else is demanded, so w(memory) = 1;
        // score = 12/16
        Arguments.of(
            "memory only",
            DEFAULTS,
            List.of(node("n1").reserved(0, 8, 0).build()),
            request(0, 4),
            List.of(0.75)),
        // raw cpu = 3000/2000 = raw memory = 12/8 = 1.5, so w = 0.5 each;
        // score = 0.5 * 3000/4000 + 0.5 * 12/16
        Arguments.of(
            "cpu and memory equally scarce",
            DEFAULTS,
            List.of(node("n1").reserved(2000, 8, 0).build()),
            request(1000, 4),
            List.of(0.75)),
        // effective memory is 32 GiB, w(memory) = 1; score = 12/32
        Arguments.of(
            "memory overcommit 2 halves the fill",
            DEFAULTS.withOvercommit(Dimension.MEMORY, 2.0),
            List.of(node("n1").reserved(0, 8, 0).build()),
            request(0, 4),
            List.of(0.375)),
        // the worked example in BinPackScorer: weights 0.298, 0.607, 0.095
        Arguments.of(
            "class example prefers the node fuller on cpu",
            DEFAULTS,
            ScorerFixtures.exampleNodes(),
            request(500, 4),
            List.of(0.7351, 0.5674)),
        // w(memory) = 1; 12/16 against 4/32
        Arguments.of(
            "smaller fuller node beats larger emptier one",
            DEFAULTS,
            List.of(node("a").reserved(0, 8, 0).build(), node("b").capacity(4000, 32, 100).build()),
            request(0, 4),
            List.of(0.75, 0.125)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void scoresWeightedFill(
      String name,
      PoolSettings settings,
      List<NodeView> nodes,
      PlacementRequest request,
      List<Double> expected) {
    List<Double> scores = ScorerFixtures.scores(new BinPackScorer(), settings, nodes, request);

    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i), scores.get(i), 0.0001, nodes.get(i).id());
    }
  }

  @Test
  void searchesFullestFirst() {
    assertEquals(SearchOrder.FULLEST_FIRST, new BinPackScorer().order());
    assertEquals(64, new BinPackScorer().candidateLimit(DEFAULTS));
  }

  @Test
  void upperBoundWeighsUtilizationBounds() {
    // Class example weights 0.298, 0.607, 0.095 and bounds 0.9, 0.5, 1.0:
    // 0.298 * 0.9 + 0.607 * 0.5 + 0.095 * 1.0 = 0.268 + 0.304 + 0.095 = 0.667
    PoolView pool = new PoolView(DEFAULTS);
    ScorerFixtures.exampleNodes().forEach(pool::putNode);
    PlacementContext context = PlacementContext.of(request(500, 4), pool);

    double bound =
        new BinPackScorer().scoreUpperBound(new UtilizationBounds(0.9, 0.5, 1.0), context);

    assertEquals(0.667, bound, 0.001);
  }

  @Test
  void upperBoundCoversEveryNodeWithinBounds() {
    // Bounds equal to a node's own utilizations give back at least that node's score.
    PoolView pool = new PoolView(DEFAULTS);
    ScorerFixtures.exampleNodes().forEach(pool::putNode);
    PlacementContext context = PlacementContext.of(request(500, 4), pool);
    NodeView n1 = pool.node("n1").orElseThrow();

    double bound =
        new BinPackScorer()
            .scoreUpperBound(new UtilizationBounds(3500.0 / 4000, 12.0 / 16, 20.0 / 100), context);

    assertTrue(bound >= new BinPackScorer().score(n1, context));
    assertEquals(new BinPackScorer().score(n1, context), bound, 1e-8);
  }

  private static PlacementRequest request(long cpuMillis, long memoryGib) {
    return PlacementRequest.builder("c1").cpuMillis(cpuMillis).memoryBytes(memoryGib * GIB).build();
  }
}
