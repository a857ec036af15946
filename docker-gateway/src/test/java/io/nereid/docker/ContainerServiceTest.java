package io.nereid.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nereid.scheduler.placement.PlacementDecision;
import io.nereid.scheduler.placement.PlacementEngine;
import io.nereid.scheduler.placement.PlacementRequest;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.PoolView;
import org.junit.jupiter.api.Test;

class ContainerServiceTest {

  private static final String ID = "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b";

  @Test
  void noFitMessageDropsContainerId() {
    PlacementDecision decision =
        new PlacementEngine()
            .place(PlacementRequest.builder(ID).build(), new PoolView(PoolSettings.defaults()));

    assertEquals(
        "no node has room for the container: the pool has no nodes",
        ContainerService.withoutContainerId(ID, decision.summary()));
  }

  @Test
  void noFitMessageKeepsReasons() {
    String message =
        "no node fits container " + ID + ": memory exhausted on 2 nodes (last rejection: node n1 is full)";

    assertEquals(
        "no node has room for the container: memory exhausted on 2 nodes (last rejection: node n1 is full)",
        ContainerService.withoutContainerId(ID, message));
  }

  @Test
  void otherSchedulerMessageUnchanged() {
    String message = "invalid constraint expression: rack=";

    assertEquals(message, ContainerService.withoutContainerId(ID, message));
  }

  @Test
  void otherContainerIdUnchanged() {
    String message = "no node fits container c1: memory exhausted on 2 nodes";

    assertEquals(message, ContainerService.withoutContainerId(ID, message));
  }
}
