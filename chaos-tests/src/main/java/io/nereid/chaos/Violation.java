package io.nereid.chaos;

/**
 * A broken invariant.
 *
 * @param invariant the name of the invariant, one of the constants of {@link Invariants}
 * @param subject the container, node, entity or member it concerns
 */
record Violation(String invariant, String subject, String detail) {

  @Override
  public String toString() {
    return invariant + " " + subject + ": " + detail;
  }
}
