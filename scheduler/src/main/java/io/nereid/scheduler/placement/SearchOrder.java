package io.nereid.scheduler.placement;

/** The order in which a search visits the ready nodes of a pool. */
public enum SearchOrder {
  /**
   * Highest utilization after placement first, per dimension, among nodes with room for the demand
   * in that dimension. Bin-pack searches this way.
   */
  FULLEST_FIRST,
  /** Lowest utilization after placement first, per dimension. Spread searches this way. */
  EMPTIEST_FIRST,
  /**
   * Every ready node by node id, including those without room. First-fit and random search this
   * way.
   */
  NODE_ID
}
