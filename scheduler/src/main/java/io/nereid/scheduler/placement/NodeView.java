package io.nereid.scheduler.placement;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The placement engine's view of one compute node. Immutable: the pool replaces the whole view on
 * every change.
 *
 * @param capacity the node's physical inventory, before any pool overcommit ratio
 * @param reserved the sum of reservations on the node. It usually equals the sum of {@code
 *     containers} reservations but need not, for example when the caller knows the total and not
 *     the share of each container.
 * @param images image references and ids present on the node, such as {@code redis:7} or {@code
 *     sha256:4f1a...}
 */
public record NodeView(
    String id,
    ResourceVector capacity,
    ResourceVector reserved,
    Status status,
    Map<String, String> labels,
    List<PlacedContainer> containers,
    Set<String> images) {

  /** Life-cycle status of a node. Only {@link #READY} nodes take new containers. */
  public enum Status {
    REGISTERING,
    READY,
    CORDONED,
    DRAINING,
    LOST,
    DECOMMISSIONED;

    public String lowerCase() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public NodeView {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(capacity, "capacity");
    Objects.requireNonNull(reserved, "reserved");
    Objects.requireNonNull(status, "status");
    if (id.isBlank()) {
      throw new IllegalArgumentException("node id must not be blank");
    }
    labels = Map.copyOf(labels);
    containers = List.copyOf(containers);
    images = Set.copyOf(images);
  }

  /** Creates an empty {@link Status#READY} node with no labels, containers or images. */
  public static NodeView ready(String id, ResourceVector capacity) {
    return new NodeView(
        id, capacity, ResourceVector.ZERO, Status.READY, Map.of(), List.of(), Set.of());
  }

  public NodeView withStatus(Status newStatus) {
    return new NodeView(id, capacity, reserved, newStatus, labels, containers, images);
  }

  public NodeView withReserved(ResourceVector newReserved) {
    return new NodeView(id, capacity, newReserved, status, labels, containers, images);
  }

  public NodeView withLabels(Map<String, String> newLabels) {
    return new NodeView(id, capacity, reserved, status, newLabels, containers, images);
  }

  public NodeView withImages(Set<String> newImages) {
    return new NodeView(id, capacity, reserved, status, labels, containers, newImages);
  }

  /** Adds the container and its reservation. The caller checks that the id is not present yet. */
  public NodeView withContainer(PlacedContainer container) {
    List<PlacedContainer> newContainers = new ArrayList<>(containers);
    newContainers.add(container);
    return new NodeView(
        id, capacity, reserved.plus(container.reserved()), status, labels, newContainers, images);
  }

  /** Removes the container and subtracts its reservation, or returns this view if it is absent. */
  public NodeView withoutContainer(String containerId) {
    Optional<PlacedContainer> removed = container(containerId);
    if (removed.isEmpty()) {
      return this;
    }
    List<PlacedContainer> newContainers = new ArrayList<>(containers);
    newContainers.remove(removed.get());
    return new NodeView(
        id,
        capacity,
        reserved.minusClamped(removed.get().reserved()),
        status,
        labels,
        newContainers,
        images);
  }

  public Optional<PlacedContainer> container(String containerId) {
    return Optional.ofNullable(PlacedContainer.find(containers, containerId));
  }
}
