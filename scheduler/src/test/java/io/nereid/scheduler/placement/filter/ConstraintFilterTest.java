package io.nereid.scheduler.placement.filter;

import static io.nereid.scheduler.placement.PlacementFixtures.node;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementContext;
import io.nereid.scheduler.placement.PlacementFixtures;
import io.nereid.scheduler.placement.PlacementRequest;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.Rejection;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each row checks node n3, labelled rack=r1 and storage=ssd, against constraints. */
class ConstraintFilterTest {

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("label equal", "rack==r1", null),
        Arguments.of(
            "label different", "rack==r2", "n3: constraint rack==r2 unmet (node label rack is r1)"),
        Arguments.of("label not equal passes", "rack!=r2", null),
        Arguments.of(
            "label not equal fails",
            "rack!=r1",
            "n3: constraint rack!=r1 unmet (node label rack is r1)"),
        Arguments.of(
            "missing label fails equality",
            "zone==z1",
            "n3: constraint zone==z1 unmet (node has no label zone)"),
        Arguments.of(
            "missing label fails even a match-all glob",
            "zone==*",
            "n3: constraint zone==* unmet (node has no label zone)"),
        Arguments.of("missing label passes inequality", "zone!=z1", null),
        Arguments.of("label glob", "storage==ss*", null),
        Arguments.of("label regex", "rack==/^r[0-9]$/", null),
        Arguments.of(
            "label regex fails",
            "rack==/^r[2-9]$/",
            "n3: constraint rack==/^r[2-9]$/ unmet (node label rack is r1)"),
        Arguments.of("node id equal", "node==n3", null),
        Arguments.of(
            "node id different", "node==n4", "n3: constraint node==n4 unmet (node id is n3)"),
        Arguments.of(
            "node id excluded", "node!=n3", "n3: constraint node!=n3 unmet (node id is n3)"),
        Arguments.of("node id glob", "node==n*", null),
        Arguments.of(
            "label values are case-sensitive",
            "storage==SSD",
            "n3: constraint storage==SSD unmet (node label storage is ssd)"),
        Arguments.of("soft constraint never rejects", "rack==~r2", null),
        Arguments.of(
            "first unmet of two is named",
            "rack==r1,storage==hdd",
            "n3: constraint storage==hdd unmet (node label storage is ssd)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesNodeLabelsAndId(String name, String constraints, String expectedRejection) {
    PlacementRequest.Builder request = PlacementFixtures.request("c1");
    for (String constraint : constraints.split(",")) {
      request.constraint(constraint);
    }
    NodeView node = node("n3").label("rack", "r1").label("storage", "ssd").build();
    PlacementContext context =
        PlacementFixtures.context(request.build(), PoolSettings.defaults(), node);

    Optional<Rejection> rejection = new ConstraintFilter().check(node, context);

    assertEquals(Optional.ofNullable(expectedRejection), rejection.map(Rejection::describe));
  }
}
