package io.nereid.scheduler.placement.filter;

import static io.nereid.scheduler.placement.PlacementFixtures.node;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementContext;
import io.nereid.scheduler.placement.PlacementFixtures;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.Rejection;
import io.nereid.scheduler.placement.RejectionReason;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each row checks node n1, which runs web-1 (role=frontend) and db-main (role=db, tier=backend),
 * against one affinity.
 */
class ContainerAffinityFilterTest {

  private static final String WEB_ID = "a1b2c3d4e5f6" + "0".repeat(52);
  private static final String DB_ID = "0123456789ab" + "f".repeat(52);

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("name", "container==db-main", null, null),
        Arguments.of("name with leading slash stored", "container==web-1", null, null),
        Arguments.of(
            "absent name",
            "container==cache",
            RejectionReason.CONTAINER_AFFINITY_UNMET,
            "no container on the node matches"),
        Arguments.of("full id", "container==" + DB_ID, null, null),
        Arguments.of("short id prefix", "container==0123456789ab", null, null),
        Arguments.of(
            "id prefix under 12 digits is exact only",
            "container==0123456789a",
            RejectionReason.CONTAINER_AFFINITY_UNMET,
            "no container on the node matches"),
        Arguments.of("name glob", "container==db*", null, null),
        Arguments.of("name regex", "container==/^web-[0-9]$/", null, null),
        Arguments.of("anti-affinity passes", "container!=cache*", null, null),
        Arguments.of(
            "anti-affinity glob violated",
            "container!=web*",
            RejectionReason.CONTAINER_ANTI_AFFINITY_VIOLATED,
            "container web-1 matches"),
        Arguments.of(
            "anti-affinity by short id violated",
            "container!=a1b2c3d4e5f6",
            RejectionReason.CONTAINER_ANTI_AFFINITY_VIOLATED,
            "container web-1 matches"),
        Arguments.of("label affinity", "role==db", null, null),
        Arguments.of("dotted label affinity", "com.example.tier==backend", null, null),
        Arguments.of(
            "label value absent",
            "role==cache",
            RejectionReason.CONTAINER_AFFINITY_UNMET,
            "no container on the node has a matching label role"),
        Arguments.of(
            "label key absent fails even a match-all glob",
            "zone==*",
            RejectionReason.CONTAINER_AFFINITY_UNMET,
            "no container on the node has a matching label zone"),
        Arguments.of("label anti-affinity passes", "role!=cache", null, null),
        Arguments.of(
            "label anti-affinity violated",
            "role!=db",
            RejectionReason.CONTAINER_ANTI_AFFINITY_VIOLATED,
            "container db-main has role=db"),
        Arguments.of("label glob", "role==front*", null, null),
        Arguments.of("soft affinity never rejects", "container==~cache", null, null),
        Arguments.of("soft anti-affinity never rejects", "container!=~web*", null, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesContainersOnNode(
      String name, String affinity, RejectionReason expectedReason, String expectedDetail) {
    NodeView node =
        node("n1")
            .container(WEB_ID, "/web-1", "role", "frontend")
            .container(DB_ID, "db-main", "role", "db", "com.example.tier", "backend")
            .build();
    PlacementContext context =
        PlacementFixtures.context(
            PlacementFixtures.request("c1").affinity(affinity).build(),
            PoolSettings.defaults(),
            node);

    Optional<Rejection> rejection = new ContainerAffinityFilter().check(node, context);

    assertEquals(Optional.ofNullable(expectedReason), rejection.map(Rejection::reason));
    assertEquals(Optional.ofNullable(expectedDetail), rejection.map(Rejection::detail));
    rejection.ifPresent(r -> assertEquals(affinity, r.subject()));
  }

  @Test
  void emptyNodeFailsAffinityPassesAntiAffinity() {
    NodeView node = node("n1").build();
    PlacementContext context =
        PlacementFixtures.context(
            PlacementFixtures.request("c1")
                .affinity("container!=web*")
                .affinity("role!=db")
                .build(),
            PoolSettings.defaults(),
            node);
    ContainerAffinityFilter filter = new ContainerAffinityFilter();

    assertEquals(Optional.empty(), filter.check(node, context));

    PlacementContext affinity =
        PlacementFixtures.context(
            PlacementFixtures.request("c1").affinity("container==db").build(),
            PoolSettings.defaults(),
            node);
    assertEquals(
        Optional.of(RejectionReason.CONTAINER_AFFINITY_UNMET),
        filter.check(node, affinity).map(Rejection::reason));
  }

  @Test
  void imageAffinitiesIgnored() {
    NodeView node = node("n1").build();
    PlacementContext context =
        PlacementFixtures.context(
            PlacementFixtures.request("c1").affinity("image==redis").build(),
            PoolSettings.defaults(),
            node);

    assertEquals(Optional.empty(), new ContainerAffinityFilter().check(node, context));
  }
}
