package io.nereid.scheduler;

import io.nereid.node.ComputeNode;
import io.nereid.node.NodeStatus;
import io.nereid.node.Reservation;
import io.nereid.node.Resources;
import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacedContainer;
import io.nereid.scheduler.placement.ResourceVector;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Converts between the node entity's state and the placement engine's view of a node. */
final class NodeViews {

  private NodeViews() {}

  /**
   * Builds the engine's view of a node from its authoritative state plus the reservations this
   * scheduler has requested and not yet seen confirmed.
   */
  static NodeView of(ComputeNode.State state, Map<String, PlacedContainer> pendingOnNode) {
    List<PlacedContainer> containers = new ArrayList<>();
    Set<String> images = new HashSet<>();
    ResourceVector reserved = ResourceVector.ZERO;
    for (Map.Entry<String, Reservation> entry : state.reservations().entrySet()) {
      Reservation reservation = entry.getValue();
      ResourceVector amount = vector(reservation.resources());
      containers.add(
          new PlacedContainer(entry.getKey(), reservation.containerName(), reservation.labels(), amount));
      reserved = reserved.plus(amount);
      if (!reservation.image().isEmpty()) {
        images.add(reservation.image());
      }
    }
    for (PlacedContainer pending : pendingOnNode.values()) {
      if (!state.reservations().containsKey(pending.id())) {
        containers.add(pending);
        reserved = reserved.plus(pending.reserved());
      }
    }
    return new NodeView(
        state.nodeId(),
        vector(state.capacity()),
        reserved,
        status(state.status()),
        state.labels(),
        containers,
        images);
  }

  static ResourceVector vector(Resources resources) {
    return new ResourceVector(resources.cpuMillis(), resources.memoryBytes(), resources.diskBytes());
  }

  static Resources resources(ResourceVector vector) {
    return new Resources(vector.cpuMillis(), vector.memoryBytes(), vector.diskBytes());
  }

  static NodeView.Status status(NodeStatus status) {
    return switch (status) {
      case UNREGISTERED -> NodeView.Status.REGISTERING;
      case READY -> NodeView.Status.READY;
      case CORDONED -> NodeView.Status.CORDONED;
      case DRAINING -> NodeView.Status.DRAINING;
      case LOST -> NodeView.Status.LOST;
      case DECOMMISSIONED -> NodeView.Status.DECOMMISSIONED;
    };
  }
}
