package io.nereid.scheduler.placement;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a JSON array of strings, such as {@code ["rack==r1","node!=n2"]}, which is the only JSON
 * the Swarm placement labels contain. The placement engine depends on nothing but the JDK, so it
 * does not use a JSON library for this.
 */
final class JsonStringArray {

  private final String json;
  private int position;

  private JsonStringArray(String json) {
    this.json = json;
  }

  /**
   * Parses the text into its strings, in order.
   *
   * @throws IllegalArgumentException naming the offset and what was expected there
   */
  static List<String> parse(String json) {
    return new JsonStringArray(json).readDocument();
  }

  private List<String> readDocument() {
    skipWhitespace();
    expect('[');
    List<String> strings = new ArrayList<>();
    skipWhitespace();
    if (peek() == ']') {
      position++;
    } else {
      strings.add(readString());
      skipWhitespace();
      while (peek() == ',') {
        position++;
        skipWhitespace();
        strings.add(readString());
        skipWhitespace();
      }
      expect(']');
    }
    skipWhitespace();
    if (position < json.length()) {
      throw error("expected the end of the text after ']'");
    }
    return strings;
  }

  private String readString() {
    if (peek() != '"') {
      throw error("expected a string in double quotes");
    }
    position++;
    StringBuilder text = new StringBuilder();
    while (true) {
      if (position >= json.length()) {
        throw error("expected '\"' to close the string");
      }
      char c = json.charAt(position++);
      if (c == '"') {
        return text.toString();
      }
      if (c < 0x20) {
        position--;
        throw error("expected no control character inside a string");
      }
      if (c == '\\') {
        text.append(readEscape());
      } else {
        text.append(c);
      }
    }
  }

  private char readEscape() {
    if (position >= json.length()) {
      throw error("expected an escape character after '\\'");
    }
    char c = json.charAt(position++);
    switch (c) {
      case '"':
      case '\\':
      case '/':
        return c;
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u':
        return readUnicodeEscape();
      default:
        position--;
        throw error("expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
    }
  }

  private char readUnicodeEscape() {
    if (position + 4 > json.length()) {
      throw error("expected four hex digits after \\u");
    }
    String hex = json.substring(position, position + 4);
    for (int i = 0; i < 4; i++) {
      if (Character.digit(hex.charAt(i), 16) < 0) {
        throw error("expected four hex digits after \\u");
      }
    }
    position += 4;
    return (char) Integer.parseInt(hex, 16);
  }

  private void expect(char expected) {
    if (peek() != expected) {
      throw error("expected '" + expected + "'");
    }
    position++;
  }

  private char peek() {
    return position < json.length() ? json.charAt(position) : '\0';
  }

  private void skipWhitespace() {
    while (position < json.length()) {
      char c = json.charAt(position);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      position++;
    }
  }

  private IllegalArgumentException error(String expectation) {
    return new IllegalArgumentException(expectation + " at offset " + position);
  }
}
