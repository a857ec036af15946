package io.nereid.scheduler.placement;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The value side of a placement expression: an exact string, a glob or a regular expression.
 *
 * <p>As in Docker Swarm classic, {@code /.../} is a regular expression that matches anywhere in the
 * candidate, unless it anchors itself with {@code ^} or {@code $}. A value with {@code *} is a glob
 * in which {@code *} matches any run of characters and every other character is literal. Any other
 * value must equal the candidate. All matching is case-sensitive.
 *
 * <p>NOTE: regular expressions use {@link java.util.regex.Pattern} syntax. Swarm used Go's RE2 and
 * Triton JavaScript's, so a few constructs, such as possessive quantifiers or back-references,
 * behave differently from those implementations.
 */
public final class ValuePattern {

  /** Kind of value, which decides how it matches a candidate string. */
  public enum Type {
    EXACT,
    GLOB,
    REGEX
  }

  private final String text;
  private final Type type;
  private final Pattern pattern;

  private ValuePattern(String text, Type type, Pattern pattern) {
    this.text = text;
    this.type = type;
    this.pattern = pattern;
  }

  /**
   * Classifies and compiles a value.
   *
   * @throws java.util.regex.PatternSyntaxException if a {@code /.../} value does not compile
   */
  static ValuePattern of(String text) {
    if (text.length() >= 2 && text.startsWith("/") && text.endsWith("/")) {
      Pattern regex = Pattern.compile(text.substring(1, text.length() - 1));
      return new ValuePattern(text, Type.REGEX, regex);
    }
    if (text.indexOf('*') >= 0) {
      return new ValuePattern(text, Type.GLOB, globToPattern(text));
    }
    return new ValuePattern(text, Type.EXACT, null);
  }

  /** Returns the value as written, including the slashes of a regular expression. */
  public String text() {
    return text;
  }

  public Type type() {
    return type;
  }

  public boolean matches(String candidate) {
    return switch (type) {
      case EXACT -> text.equals(candidate);
      case GLOB -> pattern.matcher(candidate).matches();
      case REGEX -> pattern.matcher(candidate).find();
    };
  }

  private static Pattern globToPattern(String glob) {
    StringBuilder regex = new StringBuilder();
    int start = 0;
    int star = glob.indexOf('*');
    while (star >= 0) {
      if (star > start) {
        regex.append(Pattern.quote(glob.substring(start, star)));
      }
      regex.append(".*");
      start = star + 1;
      star = glob.indexOf('*', start);
    }
    if (start < glob.length()) {
      regex.append(Pattern.quote(glob.substring(start)));
    }
    return Pattern.compile(regex.toString(), Pattern.DOTALL);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ValuePattern that && text.equals(that.text);
  }

  @Override
  public int hashCode() {
    return Objects.hash(text);
  }

  @Override
  public String toString() {
    return text;
  }
}
