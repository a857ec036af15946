package io.nereid.scheduler.placement;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * The reason one node cannot take the request.
 *
 * <p>The subject is what the reason is about: the expression text for constraints and affinities,
 * the status for {@link RejectionReason#NODE_NOT_READY}, empty for capacity reasons. Rejections are
 * counted per reason and subject. The detail is what the filter saw on this node, such as {@code
 * requested 2 GiB, 1 GiB free}. A filter may give the detail as a supplier, which runs on the first
 * call of {@link #detail()}. A search rejects many nodes whose detail no caller reads, and building
 * those strings would cost more than the search itself. The supplier must read only immutable
 * inputs, such as the {@link NodeView} it was made for, so the detail is the same whenever it runs.
 */
public final class Rejection {

  private final String nodeId;
  private final RejectionReason reason;
  private final String subject;
  private Supplier<String> detailSupplier;
  private String detail;

  public Rejection(String nodeId, RejectionReason reason, String subject, String detail) {
    this(nodeId, reason, subject);
    this.detail = Objects.requireNonNull(detail, "detail");
  }

  private Rejection(String nodeId, RejectionReason reason, String subject) {
    this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
    this.reason = Objects.requireNonNull(reason, "reason");
    this.subject = Objects.requireNonNull(subject, "subject");
  }

  /** Creates a rejection whose detail is built on the first call of {@link #detail()}. */
  public static Rejection withLazyDetail(
      String nodeId, RejectionReason reason, String subject, Supplier<String> detail) {
    Rejection rejection = new Rejection(nodeId, reason, subject);
    rejection.detailSupplier = Objects.requireNonNull(detail, "detail");
    return rejection;
  }

  public String nodeId() {
    return nodeId;
  }

  public RejectionReason reason() {
    return reason;
  }

  public String subject() {
    return subject;
  }

  public String detail() {
    if (detail == null) {
      detail = Objects.requireNonNull(detailSupplier.get(), "detail");
      detailSupplier = null;
    }
    return detail;
  }

  /** Returns a sentence such as {@code n3: constraint rack==r1 unmet (node label rack is r2)}. */
  public String describe() {
    String text = detail();
    return nodeId + ": " + reason.describe(subject) + (text.isEmpty() ? "" : " (" + text + ")");
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Rejection that
        && nodeId.equals(that.nodeId)
        && reason == that.reason
        && subject.equals(that.subject)
        && detail().equals(that.detail());
  }

  @Override
  public int hashCode() {
    return Objects.hash(nodeId, reason, subject, detail());
  }

  @Override
  public String toString() {
    return "Rejection[nodeId="
        + nodeId
        + ", reason="
        + reason
        + ", subject="
        + subject
        + ", detail="
        + detail()
        + "]";
  }
}
