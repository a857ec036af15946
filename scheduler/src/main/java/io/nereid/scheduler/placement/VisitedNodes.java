package io.nereid.scheduler.placement;

/**
 * The nodes one search has examined, so that a node returned by several cursors runs through the
 * pipeline once. Nodes are compared by identity, which is exact because the pool does not change
 * during a search and every cursor returns the pool's own {@link NodeView} instance. The hash is the
 * node id's, which a {@code String} computes once and caches, so a lookup allocates nothing.
 *
 * <p>An open-addressing table with linear probing, kept at most half full. It starts with room for
 * 512 nodes, which a search without expressions rarely exceeds, so it seldom grows.
 */
final class VisitedNodes {

  private NodeView[] table = new NodeView[1024];
  private int size;

  /** Adds the node and returns true, or returns false if it was added before. */
  boolean add(NodeView node) {
    int mask = table.length - 1;
    int slot = mix(node.id().hashCode()) & mask;
    while (table[slot] != null) {
      if (table[slot] == node) {
        return false;
      }
      slot = (slot + 1) & mask;
    }
    table[slot] = node;
    if (++size * 2 > table.length) {
      grow();
    }
    return true;
  }

  int size() {
    return size;
  }

  private void grow() {
    NodeView[] old = table;
    table = new NodeView[old.length * 2];
    int mask = table.length - 1;
    for (NodeView node : old) {
      if (node != null) {
        int slot = mix(node.id().hashCode()) & mask;
        while (table[slot] != null) {
          slot = (slot + 1) & mask;
        }
        table[slot] = node;
      }
    }
  }

  /**
   * Spreads the hash by the golden-ratio multiplier and folds the high half into the low one, so
   * that ids differing only in their last characters fill distant slots.
   */
  private static int mix(int hash) {
    int spread = hash * 0x9E3779B9;
    return spread ^ (spread >>> 16);
  }
}
