package io.nereid.scheduler.placement;

/** The number of nodes rejected for one reason and subject. */
public record RejectionCount(RejectionReason reason, String subject, int nodes) {

  /** Returns a phrase such as {@code constraint rack==r1 unmet on 30 nodes}. */
  public String describe() {
    return reason.describe(subject) + " on " + nodes + (nodes == 1 ? " node" : " nodes");
  }
}
