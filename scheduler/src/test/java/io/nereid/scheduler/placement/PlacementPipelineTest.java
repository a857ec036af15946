package io.nereid.scheduler.placement;

import static io.nereid.scheduler.placement.PlacementFixtures.GIB;
import static io.nereid.scheduler.placement.PlacementFixtures.node;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nereid.scheduler.placement.filter.CapacityFilter;
import io.nereid.scheduler.placement.filter.ConstraintFilter;
import io.nereid.scheduler.placement.filter.ContainerAffinityFilter;
import io.nereid.scheduler.placement.filter.ImageAffinityFilter;
import io.nereid.scheduler.placement.filter.StatusFilter;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PlacementPipelineTest {

  private final PlacementPipeline pipeline = new PlacementPipeline();

  @Test
  void filtersRunInDocumentedOrder() {
    assertEquals(
        List.of(
            StatusFilter.class,
            CapacityFilter.class,
            ConstraintFilter.class,
            ImageAffinityFilter.class,
            ContainerAffinityFilter.class),
        pipeline.filters().stream().map(Object::getClass).toList());
  }

  /**
   * The request is for 4 GiB, rack==r1, image==redis and container!=web*. Each row breaks one more
   * of those on the node, and the earliest filter names the reason.
   */
  static Stream<Arguments> nodesFailingSeveralFilters() {
    return Stream.of(
        Arguments.of(
            "cordoned and everything else wrong",
            node("n")
                .status(NodeView.Status.CORDONED)
                .reserved(0, 15, 0)
                .label("rack", "r2")
                .container("id1", "web-1"),
            RejectionReason.NODE_NOT_READY),
        Arguments.of(
            "short of memory and every expression unmet",
            node("n").reserved(0, 15, 0).label("rack", "r2").container("id1", "web-1"),
            RejectionReason.MEMORY_EXHAUSTED),
        Arguments.of(
            "constraint, image and container unmet",
            node("n").label("rack", "r2").container("id1", "web-1"),
            RejectionReason.CONSTRAINT_UNMET),
        Arguments.of(
            "image and container unmet",
            node("n").label("rack", "r1").container("id1", "web-1"),
            RejectionReason.IMAGE_AFFINITY_UNMET),
        Arguments.of(
            "container anti-affinity violated",
            node("n").label("rack", "r1").image("redis:7").container("id1", "web-1"),
            RejectionReason.CONTAINER_ANTI_AFFINITY_VIOLATED),
        Arguments.of(
            "all met",
            node("n").label("rack", "r1").image("redis:7").container("id1", "db-1"),
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nodesFailingSeveralFilters")
  void firstFailingFilterNamesReason(
      String name, PlacementFixtures.NodeBuilder nodeBuilder, RejectionReason expected) {
    NodeView node = nodeBuilder.build();
    PlacementRequest request =
        PlacementRequest.builder("c1")
            .memoryBytes(4 * GIB)
            .env(
                List.of("constraint:rack==r1", "affinity:image==redis", "affinity:container!=web*"))
            .build();
    PlacementContext context = PlacementFixtures.context(request, PoolSettings.defaults(), node);

    Optional<Rejection> rejection = pipeline.firstRejection(node, context);

    assertEquals(Optional.ofNullable(expected), rejection.map(Rejection::reason));
  }

  @Test
  void rankListsUnmetSoftExpressionsOfEveryKind() {
    NodeView node = node("n").label("rack", "r2").container("id1", "web-1").build();
    PlacementRequest request =
        PlacementRequest.builder("c1")
            .memoryBytes(GIB)
            .env(
                List.of(
                    "constraint:rack==~r1",
                    "constraint:node==~n",
                    "affinity:image==~redis",
                    "affinity:container!=~web*",
                    "affinity:role==~db"))
            .build();
    PlacementContext context = PlacementFixtures.context(request, PoolSettings.defaults(), node);

    Candidate candidate = pipeline.rank(node, context, pipeline.scorer(ScoringStrategy.BIN_PACK));

    assertEquals(
        List.of("rack==~r1", "image==~redis", "container!=~web*", "role==~db"),
        candidate.softExpressionsUnmet());
  }

  @Test
  void scorerPerStrategy() {
    assertEquals("bin-pack", pipeline.scorer(ScoringStrategy.BIN_PACK).name());
    assertEquals("spread", pipeline.scorer(ScoringStrategy.SPREAD).name());
    assertEquals("first-fit", pipeline.scorer(ScoringStrategy.FIRST_FIT).name());
    assertEquals("random", pipeline.scorer(ScoringStrategy.RANDOM).name());
  }
}
