package io.nereid.scheduler.placement;

import java.util.Objects;

/**
 * The reason one node cannot take the request.
 *
 * @param subject what the reason is about: the expression text for constraints and affinities, the
 *     status for {@link RejectionReason#NODE_NOT_READY}, empty for capacity reasons. Rejections are
 *     counted per reason and subject.
 * @param detail what the filter saw on this node, such as {@code requested 2 GiB, 1 GiB free}
 */
public record Rejection(String nodeId, RejectionReason reason, String subject, String detail) {

  public Rejection {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(detail, "detail");
  }

  /** Returns a sentence such as {@code n3: constraint rack==r1 unmet (node label rack is r2)}. */
  public String describe() {
    return nodeId + ": " + reason.describe(subject) + (detail.isEmpty() ? "" : " (" + detail + ")");
  }
}
