package io.nereid.scheduler.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ValuePatternTest {

  static Stream<Arguments> matches() {
    return Stream.of(
        Arguments.of("exact equal", "r1", "r1", true),
        Arguments.of("exact is case-sensitive", "r1", "R1", false),
        Arguments.of("exact is not a prefix match", "web", "web-1", false),
        Arguments.of("glob trailing star", "web*", "web-1", true),
        Arguments.of("glob matches empty rest", "web*", "web", true),
        Arguments.of("glob anchored at start", "web*", "my-web", false),
        Arguments.of("glob inner star", "db-*-eu", "db-7-eu", true),
        Arguments.of("glob dot is literal", "a.b*", "axb-1", false),
        Arguments.of("glob star alone", "*", "", true),
        Arguments.of("regex unanchored", "/ab/", "xaby", true),
        Arguments.of("regex anchored", "/^db[0-9]+$/", "db12", true),
        Arguments.of("regex anchored rejects", "/^db[0-9]+$/", "db12x", false),
        Arguments.of("regex alternation", "/r1|r2/", "r2", true),
        Arguments.of("single slash is exact", "/", "/", true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("matches")
  void matchesCandidate(String name, String value, String candidate, boolean expected) {
    assertEquals(expected, ValuePattern.of(value).matches(candidate));
  }
}
