package io.nereid.scheduler.placement;

/** A constraint or affinity that cannot be parsed. The request it came with must not be placed. */
public final class InvalidExpressionException extends IllegalArgumentException {

  private final String expression;
  private final String source;
  private final String problem;

  /**
   * @param expression the text as the user wrote it
   * @param source where it came from, such as {@code environment entry} or {@code label
   *     com.docker.swarm.constraints}
   * @param problem what is wrong and how to write it instead
   */
  public InvalidExpressionException(String expression, String source, String problem) {
    super("invalid placement expression '" + expression + "' in " + source + ": " + problem);
    this.expression = expression;
    this.source = source;
    this.problem = problem;
  }

  public String expression() {
    return expression;
  }

  public String source() {
    return source;
  }

  public String problem() {
    return problem;
  }
}
