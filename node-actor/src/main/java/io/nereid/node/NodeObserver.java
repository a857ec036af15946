package io.nereid.node;

/**
 * Receives every new state of a compute node right after its events are persisted. The
 * scheduler uses it to keep its capacity view current. Implementations must not block, because
 * they run inside the node's entity actor.
 */
@FunctionalInterface
public interface NodeObserver {

  NodeObserver NONE = (state, changes) -> {};

  /**
   * Receives the state after one write.
   *
   * @param changes the reservations that write added, changed or released, counted from the
   *     revision before it
   */
  void nodeChanged(ComputeNode.State state, ReservationChanges changes);
}
