package io.nereid.node;

/**
 * Receives every new state of a compute node right after its events are persisted. The
 * scheduler uses it to keep its capacity view current. Implementations must not block, because
 * they run inside the node's entity actor.
 */
@FunctionalInterface
public interface NodeObserver {

  NodeObserver NONE = state -> {};

  void nodeChanged(ComputeNode.State state);
}
