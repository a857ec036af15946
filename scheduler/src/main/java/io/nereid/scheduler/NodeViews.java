package io.nereid.scheduler;

import io.nereid.node.ComputeNode;
import io.nereid.node.NodeStatus;
import io.nereid.node.Reservation;
import io.nereid.node.Resources;
import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacedContainer;
import io.nereid.scheduler.placement.ResourceVector;
import java.util.ArrayList;
import java.util.HashMap;
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
    return of(state, pendingOnNode, new Reserved());
  }

  /**
   * Builds the view like {@link #of(ComputeNode.State, Map)}, converting only the reservations
   * that changed since {@code reserved} last saw this node.
   */
  static NodeView of(ComputeNode.State state, Map<String, PlacedContainer> pendingOnNode, Reserved reserved) {
    reserved.update(state.reservations());
    List<PlacedContainer> containers = new ArrayList<>(reserved.containers.size() + pendingOnNode.size());
    containers.addAll(reserved.containers);
    ResourceVector total = reserved.total;
    for (PlacedContainer pending : pendingOnNode.values()) {
      if (!state.reservations().containsKey(pending.id())) {
        containers.add(pending);
        total = total.plus(pending.reserved());
      }
    }
    return new NodeView(
        state.nodeId(),
        vector(state.capacity()),
        total,
        status(state.status()),
        state.labels(),
        containers,
        reserved.images);
  }

  /**
   * One node's reservations converted for the engine, kept by the scheduler between views of the
   * node. Every placement refreshes the node's view twice (when it is requested and when the node
   * confirms it), and converting every reservation each time made a placement cost time in
   * proportion to the containers on the node. Now an unchanged reservation map is not read again,
   * and a changed one converts only the reservations that are new or differ.
   */
  static final class Reserved {
    private Map<String, Reservation> source = Map.of();
    private final Map<String, Converted> byContainerId = new HashMap<>();
    private List<PlacedContainer> containers = List.of();
    private ResourceVector total = ResourceVector.ZERO;
    private Set<String> images = Set.of();

    private record Converted(Reservation reservation, PlacedContainer placed) {}

    private void update(Map<String, Reservation> reservations) {
      // The node entity's state is immutable, so the same map contains the same reservations.
      if (reservations == source) {
        return;
      }
      List<PlacedContainer> nextContainers = new ArrayList<>(reservations.size());
      Set<String> nextImages = new HashSet<>();
      long cpuMillis = 0;
      long memoryBytes = 0;
      long diskBytes = 0;
      for (Map.Entry<String, Reservation> entry : reservations.entrySet()) {
        Reservation reservation = entry.getValue();
        Converted known = byContainerId.get(entry.getKey());
        if (known == null || (known.reservation() != reservation && !known.reservation().equals(reservation))) {
          PlacedContainer placed =
              new PlacedContainer(
                  entry.getKey(), reservation.containerName(), reservation.labels(), vector(reservation.resources()));
          known = new Converted(reservation, placed);
          byContainerId.put(entry.getKey(), known);
        }
        nextContainers.add(known.placed());
        cpuMillis = Math.addExact(cpuMillis, reservation.resources().cpuMillis());
        memoryBytes = Math.addExact(memoryBytes, reservation.resources().memoryBytes());
        diskBytes = Math.addExact(diskBytes, reservation.resources().diskBytes());
        if (!reservation.image().isEmpty()) {
          nextImages.add(reservation.image());
        }
      }
      // Every current reservation is kept now, so only a larger map has released ones to drop.
      if (byContainerId.size() > reservations.size()) {
        byContainerId.keySet().retainAll(reservations.keySet());
      }

      source = reservations;
      containers = nextContainers;
      total = new ResourceVector(cpuMillis, memoryBytes, diskBytes);
      images = nextImages;
    }
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
