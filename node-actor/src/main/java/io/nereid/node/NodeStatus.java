package io.nereid.node;

import java.util.EnumSet;
import java.util.Set;

/** Where a compute node is in its life, as the control plane records it. */
public enum NodeStatus {
  /** No agent has registered this node yet. */
  UNREGISTERED,
  /** Accepts new containers. */
  READY,
  /** Keeps its containers but accepts no new ones. */
  CORDONED,
  /** Accepts no new containers while its containers are moved or stopped. */
  DRAINING,
  /** Missed its heartbeats; its containers are reported lost until it registers again. */
  LOST,
  /** Removed from service for good; it never accepts containers again. */
  DECOMMISSIONED;

  /**
   * The statuses an operator or the failure detector may move a node to from this one.
   * Registration is separate: it moves an unregistered or lost node to {@link #READY}.
   */
  public Set<NodeStatus> allowedTargets() {
    return switch (this) {
      case UNREGISTERED, DECOMMISSIONED -> EnumSet.noneOf(NodeStatus.class);
      case READY -> EnumSet.of(CORDONED, DRAINING, LOST, DECOMMISSIONED);
      case CORDONED -> EnumSet.of(READY, DRAINING, LOST, DECOMMISSIONED);
      case DRAINING -> EnumSet.of(READY, CORDONED, LOST, DECOMMISSIONED);
      case LOST -> EnumSet.of(CORDONED, DECOMMISSIONED);
    };
  }

  public String lowerCase() {
    return name().toLowerCase();
  }
}
