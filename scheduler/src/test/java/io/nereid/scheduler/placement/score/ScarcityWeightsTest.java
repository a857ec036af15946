package io.nereid.scheduler.placement.score;

import static io.nereid.scheduler.placement.PlacementFixtures.GIB;
import static io.nereid.scheduler.placement.PlacementFixtures.node;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementFixtures;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.ResourceVector;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ScarcityWeightsTest {

  static Stream<Arguments> cases() {
    return Stream.of(
        // raw cpu = 5500/7000 = 0.786, memory = 32/20 = 1.6, disk = 40/160 = 0.25; sum 2.636
        Arguments.of(
            "two nodes of the class example",
            List.of(
                node("n1").capacity(4000, 16, 100).reserved(3000, 8, 20).build(),
                node("n2").capacity(8000, 32, 100).reserved(2000, 20, 20).build()),
            new ResourceVector(500, 4 * GIB, 0),
            0.298,
            0.607,
            0.095),
        // every raw value is 0
        Arguments.of(
            "empty pool and empty request weigh equally",
            List.of(),
            ResourceVector.ZERO,
            0.333,
            0.333,
            0.333),
        // raw cpu = 1000/4000 = 0.25, memory = 4/16 = 0.25, disk = 0
        Arguments.of(
            "fresh node weighs by the request alone",
            List.of(node("n1").build()),
            new ResourceVector(1000, 4 * GIB, 0),
            0.5,
            0.5,
            0.0),
        // the cordoned node's reservations are not in the totals
        Arguments.of(
            "nodes that are not ready left out",
            List.of(
                node("n1").build(),
                node("n2").reserved(4000, 16, 100).status(NodeView.Status.CORDONED).build()),
            new ResourceVector(1000, 4 * GIB, 0),
            0.5,
            0.5,
            0.0),
        // raw cpu = 4000 / max(0, 1) = 4000, memory = 12/8 = 1.5
        Arguments.of(
            "exhausted dimension dominates",
            List.of(node("n1").reserved(4000, 8, 0).build()),
            new ResourceVector(0, 4 * GIB, 0),
            0.99963,
            0.00037,
            0.0));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void weighsByDemandOverFree(
      String name,
      List<NodeView> nodes,
      ResourceVector demand,
      double cpu,
      double memory,
      double disk) {
    ScarcityWeights weights =
        ScarcityWeights.of(
            PlacementFixtures.pool(PoolSettings.defaults(), nodes.toArray(NodeView[]::new)),
            demand);

    assertEquals(cpu, weights.cpu(), 0.0005);
    assertEquals(memory, weights.memory(), 0.0005);
    assertEquals(disk, weights.disk(), 0.0005);
    assertEquals(1.0, weights.cpu() + weights.memory() + weights.disk(), 1e-12);
  }
}
