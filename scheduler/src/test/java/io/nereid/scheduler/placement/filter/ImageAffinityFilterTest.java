package io.nereid.scheduler.placement.filter;

import static io.nereid.scheduler.placement.PlacementFixtures.node;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementContext;
import io.nereid.scheduler.placement.PlacementFixtures;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.Rejection;
import io.nereid.scheduler.placement.RejectionReason;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each row checks node n1, which has redis:7 from Docker Hub and a private registry image. */
class ImageAffinityFilterTest {

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("repository without tag", "image==redis", null, null),
        Arguments.of("repository with tag", "image==redis:7", null, null),
        Arguments.of("library prefix", "image==library/redis", null, null),
        Arguments.of("full reference", "image==docker.io/library/redis:7", null, null),
        Arguments.of(
            "other tag",
            "image==redis:6",
            RejectionReason.IMAGE_AFFINITY_UNMET,
            "no image on the node matches"),
        Arguments.of(
            "absent image",
            "image==nginx",
            RejectionReason.IMAGE_AFFINITY_UNMET,
            "no image on the node matches"),
        Arguments.of("registry with port", "image==registry:5000/team/app", null, null),
        Arguments.of("repository glob", "image==registry:5000/*", null, null),
        Arguments.of("regex", "image==/^redis:[0-9]+$/", null, null),
        Arguments.of("image id in full", "image==sha256:4f1a", null, null),
        Arguments.of("anti-affinity passes", "image!=nginx", null, null),
        Arguments.of(
            "anti-affinity violated",
            "image!=redis",
            RejectionReason.IMAGE_ANTI_AFFINITY_VIOLATED,
            "image docker.io/library/redis:7 is on the node"),
        Arguments.of("soft affinity never rejects", "image==~nginx", null, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesImagesOnNode(
      String name, String affinity, RejectionReason expectedReason, String expectedDetail) {
    NodeView node =
        node("n1")
            .image("docker.io/library/redis:7")
            .image("registry:5000/team/app@sha256:9e0c")
            .image("sha256:4f1a")
            .build();
    PlacementContext context =
        PlacementFixtures.context(
            PlacementFixtures.request("c1").affinity(affinity).build(),
            PoolSettings.defaults(),
            node);

    Optional<Rejection> rejection = new ImageAffinityFilter().check(node, context);

    assertEquals(Optional.ofNullable(expectedReason), rejection.map(Rejection::reason));
    assertEquals(Optional.ofNullable(expectedDetail), rejection.map(Rejection::detail));
    rejection.ifPresent(r -> assertEquals(affinity, r.subject()));
  }

  @Test
  void containerAffinitiesIgnored() {
    NodeView node = node("n1").build();
    PlacementContext context =
        PlacementFixtures.context(
            PlacementFixtures.request("c1").affinity("container==db").build(),
            PoolSettings.defaults(),
            node);

    assertEquals(Optional.empty(), new ImageAffinityFilter().check(node, context));
  }

  @Test
  void namesOfReferenceListed() {
    assertEquals(
        List.of(
            "docker.io/library/redis:7",
            "library/redis:7",
            "redis:7",
            "docker.io/library/redis",
            "library/redis",
            "redis"),
        List.copyOf(ImageAffinityFilter.namesOf("docker.io/library/redis:7")));
  }
}
