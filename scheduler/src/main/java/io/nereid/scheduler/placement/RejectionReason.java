package io.nereid.scheduler.placement;

/**
 * Reason a hard filter rejected a node. Each reason has a readable text, and most take a subject:
 * the node status or the expression that failed.
 */
public enum RejectionReason {
  NODE_NOT_READY("not ready", "not ready (%s)"),
  MEMORY_EXHAUSTED("memory exhausted", "memory exhausted"),
  CPU_EXHAUSTED("cpu exhausted", "cpu exhausted"),
  DISK_EXHAUSTED("disk exhausted", "disk exhausted"),
  CONSTRAINT_UNMET("constraint unmet", "constraint %s unmet"),
  IMAGE_AFFINITY_UNMET("image affinity unmet", "affinity %s unmet"),
  IMAGE_ANTI_AFFINITY_VIOLATED("image anti-affinity violated", "anti-affinity %s violated"),
  CONTAINER_AFFINITY_UNMET("container affinity unmet", "affinity %s unmet"),
  CONTAINER_ANTI_AFFINITY_VIOLATED("container anti-affinity violated", "anti-affinity %s violated");

  private final String text;
  private final String template;

  RejectionReason(String text, String template) {
    this.text = text;
    this.template = template;
  }

  /** Returns the reason without its subject, such as {@code constraint unmet}. */
  public String text() {
    return text;
  }

  /** Returns the reason with its subject, such as {@code constraint rack==r1 unmet}. */
  public String describe(String subject) {
    return template.contains("%s") ? String.format(template, subject) : template;
  }

  /** Returns the reason for a node without enough of the dimension. */
  public static RejectionReason exhausted(Dimension dimension) {
    return switch (dimension) {
      case MEMORY -> MEMORY_EXHAUSTED;
      case CPU -> CPU_EXHAUSTED;
      case DISK -> DISK_EXHAUSTED;
    };
  }
}
