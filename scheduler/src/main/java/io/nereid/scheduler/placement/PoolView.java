package io.nereid.scheduler.placement;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The scheduler's in-memory capacity view of one pool, with the index that lets a placement examine
 * a few nodes instead of all of them.
 *
 * <p>The index ({@link CapacityIndex}) contains only {@link NodeView.Status#READY} nodes, sorted
 * per dimension so that a search can visit them in order of utilization after placement and skip
 * the nodes without room. Besides the index, the view keeps per-status node counts and
 * per-dimension totals over ready nodes, so each placement reads them in constant time. Every
 * update costs O(log n) per dimension, and {@link #reserve} and {@link #release} add O(log m) for
 * the m containers of the node, which the new {@link NodeView} shares with the previous one.
 *
 * <p>The view may lag the {@code ComputeNode} entities, which have the last word on capacity, so
 * {@link #reserve} records what an entity accepted without checking capacity again.
 *
 * <p>Not thread-safe: one scheduler shard owns a pool view and updates it from one thread.
 */
public final class PoolView {

  private final PoolSettings settings;
  private final TreeMap<String, NodeView> nodesById = new TreeMap<>();
  private final CapacityIndex index;
  private final EnumMap<NodeView.Status, Integer> statusCounts =
      new EnumMap<>(NodeView.Status.class);
  private final long[] readyReserved = new long[Dimension.values().length];
  private final long[] readyFree = new long[Dimension.values().length];

  private static final int MAX_SHARED_DEMANDS = 4096;
  private final HashMap<ResourceVector, ResourceVector> sharedDemands = new HashMap<>();

  public PoolView(PoolSettings settings) {
    this.settings = settings;
    this.index = new CapacityIndex(settings);
  }

  public PoolSettings settings() {
    return settings;
  }

  /** Adds the node, or replaces the view of a node with the same id. */
  public void putNode(NodeView node) {
    NodeView previous = nodesById.put(node.id(), node);
    if (previous != null && isResize(previous, node)) {
      // A reservation or release: the node keeps its status and capacity classes.
      index.replace(previous, node);
      addTotals(previous, -1);
      addTotals(node, 1);
      return;
    }
    if (previous != null) {
      forget(previous);
    }
    remember(node);
  }

  /** Returns whether both views are ready with the same capacity, so only reservations differ. */
  private static boolean isResize(NodeView previous, NodeView next) {
    return previous.status() == NodeView.Status.READY
        && next.status() == NodeView.Status.READY
        && previous.capacity().equals(next.capacity());
  }

  /** Removes the node and returns whether it was in the pool. */
  public boolean removeNode(String nodeId) {
    NodeView previous = nodesById.remove(nodeId);
    if (previous == null) {
      return false;
    }
    forget(previous);
    return true;
  }

  /**
   * Changes the status of a node, which moves it into or out of the index.
   *
   * @throws IllegalArgumentException if the node is not in the pool
   */
  public void updateStatus(String nodeId, NodeView.Status status) {
    putNode(require(nodeId).withStatus(status));
  }

  /**
   * Records that the container's effective demand (see {@link PoolSettings#demandOf}) is reserved
   * on the node. Capacity is not checked, because this records what the node's entity accepted.
   *
   * @return false, changing nothing, if the node already has a container with this id
   * @throws IllegalArgumentException if the node is not in the pool
   */
  public boolean reserve(String nodeId, PlacementRequest request) {
    NodeView node = require(nodeId);
    if (node.container(request.containerId()).isPresent()) {
      return false;
    }
    PlacedContainer container =
        new PlacedContainer(
            request.containerId(), request.name(), request.labels(), shared(settings.demandOf(request)));
    putNode(node.withContainer(request.containerId(), container));
    return true;
  }

  /**
   * Removes the container from the node and frees its reservation.
   *
   * @return false if the node does not hold the container
   * @throws IllegalArgumentException if the node is not in the pool
   */
  public boolean release(String nodeId, String containerId) {
    NodeView node = require(nodeId);
    NodeView released = node.withoutContainer(containerId);
    if (released == node) {
      return false;
    }
    putNode(released);
    return true;
  }

  public Optional<NodeView> node(String nodeId) {
    return Optional.ofNullable(nodesById.get(nodeId));
  }

  /** Returns every node in node id order, as an unmodifiable live view. */
  public Collection<NodeView> nodes() {
    return Collections.unmodifiableCollection(nodesById.values());
  }

  /**
   * Returns the ready nodes in node id order. The result must not be used after the pool changes.
   */
  public Iterable<NodeView> readyNodes() {
    return () ->
        nodesById.values().stream()
            .filter(node -> node.status() == NodeView.Status.READY)
            .iterator();
  }

  public int size() {
    return nodesById.size();
  }

  public int readyCount() {
    return count(NodeView.Status.READY);
  }

  public int count(NodeView.Status status) {
    return statusCounts.getOrDefault(status, 0);
  }

  /** Returns the sum of reservations in the dimension over ready nodes. */
  public long readyReserved(Dimension dimension) {
    return readyReserved[dimension.ordinal()];
  }

  /**
   * Returns the sum of effective free amounts in the dimension over ready nodes, each at least 0.
   */
  public long readyFree(Dimension dimension) {
    return readyFree[dimension.ordinal()];
  }

  /**
   * Returns a cursor over the ready nodes with at least {@code demand} effective free in the
   * dimension, or every ready node for a demand of 0, in the given utilization order.
   *
   * @throws IllegalArgumentException for {@link SearchOrder#NODE_ID}, which {@link #readyNodes}
   *     serves
   */
  public UtilizationCursor cursor(Dimension dimension, long demand, SearchOrder order) {
    return index.cursor(dimension, demand, order);
  }

  /**
   * Returns an equal demand vector that containers already hold, so that the many containers of a
   * few common sizes share one instance, 40 bytes less per container. Past {@link
   * #MAX_SHARED_DEMANDS} distinct sizes, new ones are kept unshared.
   */
  private ResourceVector shared(ResourceVector demand) {
    ResourceVector known = sharedDemands.get(demand);
    if (known != null) {
      return known;
    }
    if (sharedDemands.size() < MAX_SHARED_DEMANDS) {
      sharedDemands.put(demand, demand);
    }
    return demand;
  }

  private NodeView require(String nodeId) {
    NodeView node = nodesById.get(nodeId);
    if (node == null) {
      throw new IllegalArgumentException(
          "node " + nodeId + " is not in the pool. Add it with putNode first");
    }
    return node;
  }

  private void remember(NodeView node) {
    statusCounts.merge(node.status(), 1, Integer::sum);
    if (node.status() == NodeView.Status.READY) {
      index.add(node);
      addTotals(node, 1);
    }
  }

  private void forget(NodeView node) {
    statusCounts.merge(node.status(), -1, Integer::sum);
    if (node.status() == NodeView.Status.READY) {
      index.remove(node);
      addTotals(node, -1);
    }
  }

  private void addTotals(NodeView node, int sign) {
    for (Dimension dimension : Dimension.values()) {
      int i = dimension.ordinal();
      readyReserved[i] += sign * node.reserved().get(dimension);
      readyFree[i] += sign * Math.max(0, settings.effectiveFree(node, dimension));
    }
  }
}
