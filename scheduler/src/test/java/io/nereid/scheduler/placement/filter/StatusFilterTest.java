package io.nereid.scheduler.placement.filter;

import static io.nereid.scheduler.placement.PlacementFixtures.node;
import static io.nereid.scheduler.placement.PlacementFixtures.request;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.NodeView.Status;
import io.nereid.scheduler.placement.PlacementContext;
import io.nereid.scheduler.placement.PlacementFixtures;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.Rejection;
import io.nereid.scheduler.placement.RejectionReason;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StatusFilterTest {

  static Stream<Arguments> statuses() {
    return Stream.of(
        Arguments.of(Status.READY, null),
        Arguments.of(Status.REGISTERING, "n1: not ready (registering) (status is registering)"),
        Arguments.of(Status.CORDONED, "n1: not ready (cordoned) (status is cordoned)"),
        Arguments.of(Status.DRAINING, "n1: not ready (draining) (status is draining)"),
        Arguments.of(Status.LOST, "n1: not ready (lost) (status is lost)"),
        Arguments.of(
            Status.DECOMMISSIONED, "n1: not ready (decommissioned) (status is decommissioned)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("statuses")
  void onlyReadyNodesPass(Status status, String expectedRejection) {
    NodeView node = node("n1").status(status).build();
    PlacementContext context =
        PlacementFixtures.context(request("c1").build(), PoolSettings.defaults(), node);

    Optional<Rejection> rejection = new StatusFilter().check(node, context);

    if (expectedRejection == null) {
      assertEquals(Optional.empty(), rejection);
    } else {
      assertEquals(RejectionReason.NODE_NOT_READY, rejection.orElseThrow().reason());
      assertEquals(status.lowerCase(), rejection.orElseThrow().subject());
      assertEquals(expectedRejection, rejection.orElseThrow().describe());
    }
  }
}
