package io.nereid.scheduler.placement;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Parses the placement expressions that Docker users write for Swarm classic and Triton.
 *
 * <p>They arrive in two places. Environment entries such as {@code constraint:rack==r1} and {@code
 * affinity:container!=web*} are read by prefix, and other entries are ignored. The labels {@code
 * com.docker.swarm.constraints} and {@code com.docker.swarm.affinities} hold a JSON array of
 * expressions such as {@code ["rack==r1","node!=n2"]}.
 *
 * <p>An expression is {@code key}, an operator ({@code ==}, {@code !=}, or the soft {@code ==~} and
 * {@code !=~}) and a value (see {@link ValuePattern}). The key starts with a letter or {@code _}
 * and contains letters, digits, {@code .}, {@code -} and {@code _}, as in Swarm. Whitespace around
 * the key and the value is ignored.
 *
 * <p>Two differences from Swarm classic (v1.2.9) are deliberate. Swarm silently ignored a label
 * that is not valid JSON, while this parser rejects it as Triton's sdc-docker does. And Swarm
 * allowed only a fixed set of characters in values, while this parser accepts any printable
 * character, because image references contain {@code @} and registry hosts.
 */
public final class ExpressionParser {

  /** Label whose value is a JSON array of constraint expressions. */
  public static final String CONSTRAINTS_LABEL = "com.docker.swarm.constraints";

  /** Label whose value is a JSON array of affinity expressions. */
  public static final String AFFINITIES_LABEL = "com.docker.swarm.affinities";

  private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9._-]*");

  private static final String OPERATOR_HINT = "Use one of ==, !=, ==~ or !=~, as in rack==r1";

  private ExpressionParser() {}

  /**
   * Parses one expression written without its {@code constraint:} or {@code affinity:} prefix.
   *
   * @throws InvalidExpressionException naming the expression and what is wrong with it
   */
  public static Expression parse(Expression.Kind kind, String text) {
    return parse(kind, text, text, kind.prefix() + " list");
  }

  /**
   * Parses every {@code constraint:} and {@code affinity:} entry of a container's environment, in
   * order, and ignores the other entries.
   *
   * @throws InvalidExpressionException for the first entry that does not parse
   */
  public static List<Expression> fromEnv(List<String> env) {
    List<Expression> expressions = new ArrayList<>();
    for (String entry : env) {
      for (Expression.Kind kind : Expression.Kind.values()) {
        String prefix = kind.prefix() + ":";
        if (entry.startsWith(prefix)) {
          String text = entry.substring(prefix.length());
          expressions.add(parse(kind, text, entry, "environment"));
        }
      }
    }
    return expressions;
  }

  /**
   * Parses the Swarm constraint and affinity labels of a container, constraints first.
   *
   * @throws InvalidExpressionException if a label is not a JSON array of strings or an element does
   *     not parse
   */
  public static List<Expression> fromLabels(Map<String, String> labels) {
    List<Expression> expressions = new ArrayList<>();
    readLabel(labels, CONSTRAINTS_LABEL, Expression.Kind.CONSTRAINT, expressions);
    readLabel(labels, AFFINITIES_LABEL, Expression.Kind.AFFINITY, expressions);
    return expressions;
  }

  private static void readLabel(
      Map<String, String> labels, String label, Expression.Kind kind, List<Expression> into) {
    String json = labels.get(label);
    if (json == null) {
      return;
    }
    List<String> texts;
    try {
      texts = JsonStringArray.parse(json);
    } catch (IllegalArgumentException e) {
      throw new InvalidExpressionException(
          json,
          "label " + label,
          "the value must be a JSON array of strings such as [\"rack==r1\"], but "
              + e.getMessage());
    }
    for (String text : texts) {
      into.add(parse(kind, text, text, "label " + label));
    }
  }

  private static Expression parse(
      Expression.Kind kind, String text, String written, String source) {
    if (text.isBlank()) {
      throw new InvalidExpressionException(
          written,
          source,
          "the expression is empty. Write a key, an operator and a value, as in rack==r1");
    }

    int operatorAt = firstOperatorIndex(text);
    if (operatorAt < 0) {
      throw new InvalidExpressionException(
          written, source, "the expression has no operator. " + OPERATOR_HINT);
    }
    Expression.Operator operator =
        text.startsWith("==", operatorAt)
            ? Expression.Operator.EQUALS
            : Expression.Operator.NOT_EQUALS;
    String key = text.substring(0, operatorAt).strip();
    String value = text.substring(operatorAt + 2).strip();
    boolean soft = value.startsWith("~");
    if (soft) {
      value = value.substring(1).strip();
    }

    checkKey(key, written, source);
    checkValue(value, written, source);
    return new Expression(kind, key, operator, soft, compile(value, written, source));
  }

  private static int firstOperatorIndex(String text) {
    int equals = text.indexOf("==");
    int notEquals = text.indexOf("!=");
    if (equals < 0) {
      return notEquals;
    }
    if (notEquals < 0) {
      return equals;
    }
    return Math.min(equals, notEquals);
  }

  private static void checkKey(String key, String written, String source) {
    if (key.isEmpty()) {
      throw new InvalidExpressionException(
          written, source, "the key before the operator is empty, as in ==r1 instead of rack==r1");
    }
    if (!KEY.matcher(key).matches()) {
      throw new InvalidExpressionException(
          written,
          source,
          "the key '"
              + key
              + "' is invalid. A key starts with a letter or '_' and contains only letters,"
              + " digits, '.', '-' and '_'");
    }
  }

  private static void checkValue(String value, String written, String source) {
    if (value.isEmpty()) {
      throw new InvalidExpressionException(
          written,
          source,
          "the value after the operator is empty, as in rack== instead of rack==r1");
    }
    char first = value.charAt(0);
    if (first == '=' || first == '!' || first == '~') {
      throw new InvalidExpressionException(
          written,
          source,
          "the value '" + value + "' starts with '" + first + "'. " + OPERATOR_HINT);
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw new InvalidExpressionException(
            written, source, "the value contains a control character at index " + i);
      }
    }
    boolean regex = value.length() >= 2 && value.startsWith("/") && value.endsWith("/");
    if (!regex && firstOperatorIndex(value) >= 0) {
      throw new InvalidExpressionException(
          written,
          source,
          "the value '" + value + "' contains a second operator. Write one expression per entry");
    }
  }

  private static ValuePattern compile(String value, String written, String source) {
    if (value.equals("//")) {
      throw new InvalidExpressionException(
          written, source, "the regular expression between the slashes is empty");
    }
    try {
      return ValuePattern.of(value);
    } catch (PatternSyntaxException e) {
      throw new InvalidExpressionException(
          written,
          source,
          "the regular expression "
              + value
              + " is invalid: "
              + e.getDescription()
              + (e.getIndex() >= 0 ? " near index " + e.getIndex() + " between the slashes" : ""));
    }
  }
}
