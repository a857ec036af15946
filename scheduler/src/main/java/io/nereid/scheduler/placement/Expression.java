package io.nereid.scheduler.placement;

import java.util.Objects;

/**
 * One parsed constraint or affinity, such as {@code rack==r1} or {@code container!=~web*}.
 *
 * <p>Constraints match the node itself: key {@code node} matches the node id and any other key
 * matches the node label of that name. Affinities match what is on the node: key {@code container}
 * matches the id or name of a container there, key {@code image} matches an image there, and any
 * other key matches the value of that label on a container there.
 *
 * @param soft whether the expression was written with {@code ~}. A soft expression never rejects a
 *     node. It only makes nodes that satisfy it rank first.
 */
public record Expression(
    Kind kind, String key, Operator operator, boolean soft, ValuePattern value) {

  /** Whether the expression constrains the node or its relation to containers and images. */
  public enum Kind {
    CONSTRAINT("constraint"),
    AFFINITY("affinity");

    private final String prefix;

    Kind(String prefix) {
      this.prefix = prefix;
    }

    /** Returns the word before the colon in a Swarm environment entry. */
    public String prefix() {
      return prefix;
    }
  }

  /** The comparison: {@code ==} requires a match, {@code !=} requires the absence of one. */
  public enum Operator {
    EQUALS("=="),
    NOT_EQUALS("!=");

    private final String symbol;

    Operator(String symbol) {
      this.symbol = symbol;
    }

    public String symbol() {
      return symbol;
    }
  }

  /** Key of a constraint that matches the node id instead of a node label. */
  public static final String NODE_KEY = "node";

  /** Key of an affinity that matches container ids and names. */
  public static final String CONTAINER_KEY = "container";

  /** Key of an affinity that matches the images present on a node. */
  public static final String IMAGE_KEY = "image";

  public Expression {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(operator, "operator");
    Objects.requireNonNull(value, "value");
  }

  /**
   * Applies the operator to the outcome of matching the value against a node's candidates: with
   * {@code ==} the node passes when some candidate matched, with {@code !=} when none did.
   */
  public boolean isSatisfied(boolean anyCandidateMatched) {
    return operator == Operator.EQUALS ? anyCandidateMatched : !anyCandidateMatched;
  }

  /** Returns the expression in its canonical form, such as {@code rack!=~r1}. */
  public String text() {
    return key + operator.symbol() + (soft ? "~" : "") + value.text();
  }

  @Override
  public String toString() {
    return kind.prefix() + ":" + text();
  }
}
