package io.nereid.scheduler.placement;

import static io.nereid.scheduler.placement.Expression.Kind.AFFINITY;
import static io.nereid.scheduler.placement.Expression.Kind.CONSTRAINT;
import static io.nereid.scheduler.placement.Expression.Operator.EQUALS;
import static io.nereid.scheduler.placement.Expression.Operator.NOT_EQUALS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.nereid.scheduler.placement.ValuePattern.Type;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ExpressionParserTest {

  static Stream<Arguments> validExpressions() {
    return Stream.of(
        Arguments.of(
            "node label equality", CONSTRAINT, "rack==r1", "rack", EQUALS, false, Type.EXACT, "r1"),
        Arguments.of(
            "node id inequality",
            CONSTRAINT,
            "node!=n3",
            "node",
            NOT_EQUALS,
            false,
            Type.EXACT,
            "n3"),
        Arguments.of(
            "soft equality",
            AFFINITY,
            "container==~db",
            "container",
            EQUALS,
            true,
            Type.EXACT,
            "db"),
        Arguments.of(
            "soft inequality glob",
            AFFINITY,
            "container!=~web*",
            "container",
            NOT_EQUALS,
            true,
            Type.GLOB,
            "web*"),
        Arguments.of(
            "hard glob",
            AFFINITY,
            "container!=web*",
            "container",
            NOT_EQUALS,
            false,
            Type.GLOB,
            "web*"),
        Arguments.of(
            "regular expression",
            CONSTRAINT,
            "rack==/^r[12]$/",
            "rack",
            EQUALS,
            false,
            Type.REGEX,
            "/^r[12]$/"),
        Arguments.of(
            "operator inside regex",
            CONSTRAINT,
            "env==/a==b/",
            "env",
            EQUALS,
            false,
            Type.REGEX,
            "/a==b/"),
        Arguments.of(
            "dotted label key",
            AFFINITY,
            "com.example.role==db",
            "com.example.role",
            EQUALS,
            false,
            Type.EXACT,
            "db"),
        Arguments.of(
            "image with registry port",
            AFFINITY,
            "image==registry:5000/app:1.2",
            "image",
            EQUALS,
            false,
            Type.EXACT,
            "registry:5000/app:1.2"),
        Arguments.of(
            "image with digest",
            AFFINITY,
            "image==redis@sha256:ab12",
            "image",
            EQUALS,
            false,
            Type.EXACT,
            "redis@sha256:ab12"),
        Arguments.of(
            "whitespace around parts",
            CONSTRAINT,
            " rack == r1 ",
            "rack",
            EQUALS,
            false,
            Type.EXACT,
            "r1"),
        Arguments.of(
            "whitespace after soft marker",
            CONSTRAINT,
            "rack==~ r1",
            "rack",
            EQUALS,
            true,
            Type.EXACT,
            "r1"),
        Arguments.of("one letter key", CONSTRAINT, "z==1", "z", EQUALS, false, Type.EXACT, "1"),
        Arguments.of(
            "underscore key", CONSTRAINT, "_zone==z-1", "_zone", EQUALS, false, Type.EXACT, "z-1"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validExpressions")
  void parsesValidExpression(
      String name,
      Expression.Kind kind,
      String text,
      String key,
      Expression.Operator operator,
      boolean soft,
      Type type,
      String value) {
    Expression expression = ExpressionParser.parse(kind, text);

    assertEquals(kind, expression.kind());
    assertEquals(key, expression.key());
    assertEquals(operator, expression.operator());
    assertEquals(soft, expression.soft());
    assertEquals(type, expression.value().type());
    assertEquals(value, expression.value().text());
  }

  static Stream<Arguments> malformedExpressions() {
    String operators = "Use one of ==, !=, ==~ or !=~, as in rack==r1";
    return Stream.of(
        Arguments.of(
            "empty",
            "",
            "the expression is empty. Write a key, an operator and a value, as in rack==r1"),
        Arguments.of(
            "blank",
            "  ",
            "the expression is empty. Write a key, an operator and a value, as in rack==r1"),
        Arguments.of(
            "single equals sign", "rack=r1", "the expression has no operator. " + operators),
        Arguments.of(
            "missing key",
            "==r1",
            "the key before the operator is empty, as in ==r1 instead of rack==r1"),
        Arguments.of(
            "space inside key",
            "my rack==r1",
            "the key 'my rack' is invalid. A key starts with a letter or '_' and contains only"
                + " letters, digits, '.', '-' and '_'"),
        Arguments.of(
            "key starting with a digit",
            "1rack==r1",
            "the key '1rack' is invalid. A key starts with a letter or '_' and contains only"
                + " letters, digits, '.', '-' and '_'"),
        Arguments.of(
            "missing value",
            "rack==",
            "the value after the operator is empty, as in rack== instead of rack==r1"),
        Arguments.of(
            "soft marker without value",
            "rack!=~",
            "the value after the operator is empty, as in rack== instead of rack==r1"),
        Arguments.of(
            "three equals signs", "rack===r1", "the value '=r1' starts with '='. " + operators),
        Arguments.of(
            "not equals then equals", "rack!==r1", "the value '=r1' starts with '='. " + operators),
        Arguments.of(
            "two soft markers", "rack==~~r1", "the value '~r1' starts with '~'. " + operators),
        Arguments.of(
            "two expressions in one",
            "rack==r1==r2",
            "the value 'r1==r2' contains a second operator. Write one expression per entry"),
        Arguments.of(
            "unclosed character class",
            "rack==/[r/",
            "the regular expression /[r/ is invalid: Unclosed character class near index 1"
                + " between the slashes"),
        Arguments.of(
            "empty regular expression",
            "rack==//",
            "the regular expression between the slashes is empty"),
        Arguments.of(
            "control character in value",
            "rack==r\u00071",
            "the value contains a control character at index 1"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedExpressions")
  void rejectsMalformedExpression(String name, String text, String problem) {
    InvalidExpressionException error =
        assertThrows(
            InvalidExpressionException.class, () -> ExpressionParser.parse(CONSTRAINT, text));

    assertEquals(text, error.expression());
    assertEquals("constraint list", error.source());
    assertEquals(problem, error.problem());
    assertEquals(
        "invalid placement expression '" + text + "' in constraint list: " + problem,
        error.getMessage());
  }

  @Test
  void environmentEntriesParsedInOrder() {
    List<Expression> expressions =
        ExpressionParser.fromEnv(
            List.of(
                "PATH=/usr/bin",
                "constraint:rack==r1",
                "affinity:container!=web*",
                "constraintless=1",
                "affinity:image==~redis",
                "constraint:node!=n3"));

    assertEquals(
        List.of(
            "constraint:rack==r1",
            "affinity:container!=web*",
            "affinity:image==~redis",
            "constraint:node!=n3"),
        expressions.stream().map(Expression::toString).toList());
  }

  @Test
  void environmentErrorNamesWholeEntry() {
    InvalidExpressionException error =
        assertThrows(
            InvalidExpressionException.class,
            () -> ExpressionParser.fromEnv(List.of("HOME=/root", "constraint:rack=r1")));

    assertEquals("constraint:rack=r1", error.expression());
    assertEquals(
        "invalid placement expression 'constraint:rack=r1' in environment: the expression has no"
            + " operator. Use one of ==, !=, ==~ or !=~, as in rack==r1",
        error.getMessage());
  }

  @Test
  void environmentPrefixWithoutExpressionRejected() {
    InvalidExpressionException error =
        assertThrows(
            InvalidExpressionException.class, () -> ExpressionParser.fromEnv(List.of("affinity:")));

    assertEquals(
        "the expression is empty. Write a key, an operator and a value, as in rack==r1",
        error.problem());
  }

  @Test
  void swarmLabelsParsedConstraintsFirst() {
    List<Expression> expressions =
        ExpressionParser.fromLabels(
            Map.of(
                "com.docker.swarm.affinities", " [ \"container!=~web*\" , \"image==redis\" ] ",
                "com.docker.swarm.constraints", "[\"rack==r1\",\"node!=n2\"]",
                "com.example.role", "db"));

    assertEquals(
        List.of(
            "constraint:rack==r1",
            "constraint:node!=n2",
            "affinity:container!=~web*",
            "affinity:image==redis"),
        expressions.stream().map(Expression::toString).toList());
  }

  @Test
  void swarmLabelEscapesDecoded() {
    List<Expression> expressions =
        ExpressionParser.fromLabels(
            Map.of("com.docker.swarm.constraints", "[\"rack==r\\u0031\", \"path==\\/srv\\\\x\"]"));

    assertEquals("r1", expressions.get(0).value().text());
    assertEquals("/srv\\x", expressions.get(1).value().text());
  }

  @Test
  void emptySwarmLabelArrayGivesNothing() {
    assertEquals(
        List.of(), ExpressionParser.fromLabels(Map.of("com.docker.swarm.constraints", "[ ]")));
  }

  static Stream<Arguments> malformedLabels() {
    String prefix = "the value must be a JSON array of strings such as [\"rack==r1\"], but ";
    return Stream.of(
        Arguments.of("bare expression", "rack==r1", prefix + "expected '[' at offset 0"),
        Arguments.of("unclosed array", "[\"rack==r1\"", prefix + "expected ']' at offset 11"),
        Arguments.of(
            "number element", "[1]", prefix + "expected a string in double quotes at offset 1"),
        Arguments.of(
            "trailing comma",
            "[\"a==b\",]",
            prefix + "expected a string in double quotes at offset 8"),
        Arguments.of(
            "text after array",
            "[\"a==b\"] x",
            prefix + "expected the end of the text after ']' at offset 9"),
        Arguments.of(
            "unclosed string", "[\"a==b", prefix + "expected '\"' to close the string at offset 6"),
        Arguments.of(
            "unknown escape",
            "[\"a==\\q\"]",
            prefix + "expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX at offset 6"),
        Arguments.of(
            "short unicode escape",
            "[\"\\u12\"]",
            prefix + "expected four hex digits after \\u at offset 4"),
        Arguments.of("json null", "null", prefix + "expected '[' at offset 0"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedLabels")
  void rejectsMalformedSwarmLabel(String name, String json, String problem) {
    InvalidExpressionException error =
        assertThrows(
            InvalidExpressionException.class,
            () -> ExpressionParser.fromLabels(Map.of("com.docker.swarm.constraints", json)));

    assertEquals(json, error.expression());
    assertEquals("label com.docker.swarm.constraints", error.source());
    assertEquals(problem, error.problem());
  }

  @Test
  void malformedLabelElementNamed() {
    InvalidExpressionException error =
        assertThrows(
            InvalidExpressionException.class,
            () ->
                ExpressionParser.fromLabels(
                    Map.of("com.docker.swarm.affinities", "[\"image==redis\",\"container=db\"]")));

    assertEquals(
        "invalid placement expression 'container=db' in label com.docker.swarm.affinities: the"
            + " expression has no operator. Use one of ==, !=, ==~ or !=~, as in rack==r1",
        error.getMessage());
  }
}
