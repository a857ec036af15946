package io.nereid.scheduler;

import io.nereid.entity.SharedMap;
import io.nereid.node.ComputeNode;
import io.nereid.node.NodeStatus;
import io.nereid.node.Reservation;
import io.nereid.node.ReservationChanges;
import io.nereid.node.Resources;
import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacedContainer;
import io.nereid.scheduler.placement.ResourceVector;
import java.util.HashMap;
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
   * Builds the view like {@link #of(ComputeNode.State, Map)} from the reservations that {@code
   * reserved} keeps, after bringing it to {@code state} without change information. The cost is
   * O(log n) per pending reservation when {@code reserved} is already at the state's revision.
   */
  static NodeView of(ComputeNode.State state, Map<String, PlacedContainer> pendingOnNode, Reserved reserved) {
    reserved.update(state, null);
    SharedMap<String, PlacedContainer> containers = reserved.containers;
    ResourceVector total = reserved.total;
    for (Map.Entry<String, PlacedContainer> pending : pendingOnNode.entrySet()) {
      if (!state.reservations().containsKey(pending.getKey())) {
        containers = containers.with(pending.getKey(), pending.getValue());
        total = total.plus(pending.getValue().reserved());
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
   * node, with their sum and the set of their images. Every placement refreshes the node's view
   * twice (when it is requested and when the node confirms it), so converting every reservation
   * each time made a placement cost time in proportion to the containers on the node.
   *
   * <p>{@link #update} brings it to a new state of the node. With the node's {@link
   * ReservationChanges} from the revision it is at, it reads only the containers named there, in
   * O(log n) each. Without them, as on the first state of a node, after a missed revision or from
   * a member that sends no changes, it compares every reservation with those it has. A state at
   * the revision it is at is taken as unchanged, because a revision counts the events applied to
   * the node, so two states with the same revision hold the same reservations.
   */
  static final class Reserved {
    /** A revision that no node state has, kept until the first update. */
    private static final long NO_REVISION = -1;

    /** The reservations that the fields below reflect, and the node revision they are from. */
    private Map<String, Reservation> source = Map.of();
    private long revision = NO_REVISION;

    private SharedMap<String, PlacedContainer> containers = SharedMap.of();
    private long cpuMillis;
    private long memoryBytes;
    private long diskBytes;
    private ResourceVector total = ResourceVector.ZERO;
    /** The number of reservations per image, so a release drops an image only with its last user. */
    private final Map<String, Integer> imageCounts = new HashMap<>();
    /** The keys of {@link #imageCounts} as an immutable set, rebuilt only when they change. */
    private Set<String> images = Set.of();
    private boolean imagesChanged;

    /**
     * Brings the converted reservations to those of {@code state}.
     *
     * @param changes the reservations that changed since {@code changes.fromRevision()}, or null
     *     when they are unknown and every reservation is compared
     */
    void update(ComputeNode.State state, ReservationChanges changes) {
      Map<String, Reservation> next = state.reservations();
      // The node entity's state is immutable, so the same map contains the same reservations.
      if (next == source || state.revision() == revision) {
        source = next;
        revision = state.revision();
        return;
      }
      if (changes != null && changes.fromRevision() == revision) {
        for (String containerId : changes.containerIds()) {
          replace(containerId, source.get(containerId), next.get(containerId));
        }
      } else {
        compareAll(next);
      }
      source = next;
      revision = state.revision();
      total = new ResourceVector(cpuMillis, memoryBytes, diskBytes);
      if (imagesChanged) {
        images = Set.copyOf(imageCounts.keySet());
        imagesChanged = false;
      }
    }

    /** Replaces every reservation that differs between {@link #source} and {@code next}. */
    private void compareAll(Map<String, Reservation> next) {
      int carriedOver = 0;
      for (Map.Entry<String, Reservation> entry : next.entrySet()) {
        Reservation before = source.get(entry.getKey());
        if (before != null) {
          carriedOver++;
        }
        replace(entry.getKey(), before, entry.getValue());
      }
      // Only when some of the reservations before are not in next were any released.
      if (carriedOver < source.size()) {
        for (Map.Entry<String, Reservation> entry : source.entrySet()) {
          if (!next.containsKey(entry.getKey())) {
            replace(entry.getKey(), entry.getValue(), null);
          }
        }
      }
    }

    /**
     * Replaces the container's reservation {@code before} with {@code after}. Either is null when
     * the container had or has none.
     */
    private void replace(String containerId, Reservation before, Reservation after) {
      if (before == after || (before != null && before.equals(after))) {
        return;
      }
      if (before != null) {
        addToTotal(before.resources(), -1);
        removeImage(before.image());
        if (after == null) {
          containers = containers.without(containerId);
        }
      }
      if (after != null) {
        addToTotal(after.resources(), 1);
        addImage(after.image());
        PlacedContainer placed =
            new PlacedContainer(containerId, after.containerName(), after.labels(), vector(after.resources()));
        containers = containers.with(containerId, placed);
      }
    }

    /** Adds the resources to the running total, or subtracts them for a {@code sign} of -1. */
    private void addToTotal(Resources resources, int sign) {
      cpuMillis = Math.addExact(cpuMillis, Math.multiplyExact(sign, resources.cpuMillis()));
      memoryBytes = Math.addExact(memoryBytes, Math.multiplyExact(sign, resources.memoryBytes()));
      diskBytes = Math.addExact(diskBytes, Math.multiplyExact(sign, resources.diskBytes()));
    }

    private void addImage(String image) {
      if (!image.isEmpty() && imageCounts.merge(image, 1, Integer::sum) == 1) {
        imagesChanged = true;
      }
    }

    private void removeImage(String image) {
      if (!image.isEmpty() && imageCounts.merge(image, -1, Integer::sum) == 0) {
        imageCounts.remove(image);
        imagesChanged = true;
      }
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
