package io.nereid.scheduler.placement;

import io.nereid.entity.SharedMap;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The placement engine's view of one compute node. Immutable: the pool replaces the whole view on
 * every change. The containers are kept in a {@link SharedMap}, so adding or removing one shares
 * the rest with the previous view in O(log n) instead of copying them all.
 *
 * @param capacity the node's physical inventory, before any pool overcommit ratio
 * @param reserved the sum of reservations on the node. It usually equals the sum of the
 *     containers' reservations but need not, for example when the caller knows the total and not
 *     the share of each container.
 * @param containersById the containers on the node, each under its {@link PlacedContainer#id()}
 * @param images image references and ids present on the node, such as {@code redis:7} or {@code
 *     sha256:4f1a...}
 */
public record NodeView(
    String id,
    ResourceVector capacity,
    ResourceVector reserved,
    Status status,
    Map<String, String> labels,
    Map<String, PlacedContainer> containersById,
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
    // Each copy returns its argument, without copying, when it is already of the immutable kind.
    labels = Map.copyOf(labels);
    containersById = SharedMap.copyOf(containersById);
    images = Set.copyOf(images);
  }

  /** Creates an empty {@link Status#READY} node with no labels, containers or images. */
  public static NodeView ready(String id, ResourceVector capacity) {
    return new NodeView(
        id, capacity, ResourceVector.ZERO, Status.READY, Map.of(), Map.of(), Set.of());
  }

  public NodeView withStatus(Status newStatus) {
    return new NodeView(id, capacity, reserved, newStatus, labels, containersById, images);
  }

  public NodeView withReserved(ResourceVector newReserved) {
    return new NodeView(id, capacity, newReserved, status, labels, containersById, images);
  }

  public NodeView withLabels(Map<String, String> newLabels) {
    return new NodeView(id, capacity, reserved, status, newLabels, containersById, images);
  }

  public NodeView withImages(Set<String> newImages) {
    return new NodeView(id, capacity, reserved, status, labels, containersById, newImages);
  }

  /** Returns the containers on the node, in no particular order. */
  public Collection<PlacedContainer> containers() {
    return containersById.values();
  }

  /**
   * Adds the container under {@link PlacedContainer#id()} and adds its reservation. The caller
   * checks that the id is not present yet.
   */
  public NodeView withContainer(PlacedContainer container) {
    return withContainer(container.id(), container);
  }

  /**
   * Adds the container under {@code containerId} and adds its reservation. Passing the id the
   * caller already has saves formatting a compact id again and keeping a second copy of it. The
   * caller checks that the id is not present yet.
   *
   * @throws IllegalArgumentException if {@code containerId} is not the container's id
   */
  public NodeView withContainer(String containerId, PlacedContainer container) {
    if (!container.hasId(containerId)) {
      throw new IllegalArgumentException(
          "invalid container id " + containerId + " for " + container + ". Pass its id()");
    }
    SharedMap<String, PlacedContainer> newContainers =
        SharedMap.with(containersById, containerId, container);
    return new NodeView(
        id, capacity, reserved.plus(container.reserved()), status, labels, newContainers, images);
  }

  /** Removes the container and subtracts its reservation, or returns this view if it is absent. */
  public NodeView withoutContainer(String containerId) {
    PlacedContainer removed = containersById.get(containerId);
    if (removed == null) {
      return this;
    }
    return new NodeView(
        id,
        capacity,
        reserved.minusClamped(removed.reserved()),
        status,
        labels,
        SharedMap.without(containersById, containerId),
        images);
  }

  public Optional<PlacedContainer> container(String containerId) {
    return Optional.ofNullable(containersById.get(containerId));
  }
}
