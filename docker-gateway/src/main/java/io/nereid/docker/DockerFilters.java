package io.nereid.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code filters} query parameter of the Docker API: a JSON object from filter name to
 * values. Clients send the values either as an object of {@code "value": true} entries (API 1.22
 * and later) or as an array of strings (older clients); both read the same.
 */
final class DockerFilters {

  private static final ObjectMapper JSON = new ObjectMapper();
  static final DockerFilters NONE = new DockerFilters(Map.of());

  private final Map<String, Set<String>> values;

  private DockerFilters(Map<String, Set<String>> values) {
    this.values = values;
  }

  /**
   * Parses the parameter and checks every filter name against {@code accepted}; a missing or
   * empty parameter means no filter. Throws a 400 for malformed JSON or an unknown name.
   */
  static DockerFilters parse(Optional<String> parameter, Set<String> accepted) {
    if (parameter.isEmpty() || parameter.get().isBlank()) {
      return NONE;
    }
    JsonNode root;
    try {
      root = JSON.readTree(parameter.get());
    } catch (JsonProcessingException e) {
      throw DockerApiException.badRequest("invalid filters: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw DockerApiException.badRequest("invalid filters: expected a JSON object");
    }
    Map<String, Set<String>> values = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> fields = root.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (!accepted.contains(field.getKey())) {
        throw DockerApiException.badRequest("invalid filter '" + field.getKey() + "'");
      }
      Set<String> terms = new LinkedHashSet<>();
      JsonNode node = field.getValue();
      if (node.isArray()) {
        node.forEach(term -> terms.add(term.asText()));
      } else if (node.isObject()) {
        node.fieldNames().forEachRemaining(terms::add);
      } else {
        throw DockerApiException.badRequest(
            "invalid filters: the values of '" + field.getKey() + "' must be an object or an array");
      }
      values.put(field.getKey(), terms);
    }
    return new DockerFilters(values);
  }

  boolean contains(String name) {
    return values.containsKey(name);
  }

  /** Returns the values given for a filter, empty when it is absent. */
  Set<String> get(String name) {
    return values.getOrDefault(name, Set.of());
  }

  /**
   * Returns true when the filter is absent or one of its values equals {@code source} or, read as
   * a regular expression, occurs in it: the daemon's rule, so {@code name=web} also matches
   * {@code web-2}.
   */
  boolean match(String name, String source) {
    Set<String> terms = get(name);
    if (terms.isEmpty() || terms.contains(source)) {
      return true;
    }
    for (String term : terms) {
      try {
        if (Pattern.compile(term).matcher(source).find()) {
          return true;
        }
      } catch (PatternSyntaxException e) {
        // Not a regular expression; the daemon skips such a term as well.
      }
    }
    return false;
  }

  /** Returns true when the filter is absent or one of its values equals {@code source}. */
  boolean exactMatch(String name, String source) {
    Set<String> terms = get(name);
    return terms.isEmpty() || terms.contains(source);
  }

  /**
   * Returns true when every value of the filter, {@code key} or {@code key=value}, is among the
   * labels: all must match, as with the daemon's label filter.
   */
  boolean matchLabels(String name, Map<String, String> labels) {
    for (String term : get(name)) {
      int equals = term.indexOf('=');
      String key = equals < 0 ? term : term.substring(0, equals);
      String value = labels.get(key);
      if (value == null || (equals >= 0 && !term.substring(equals + 1).equals(value))) {
        return false;
      }
    }
    return true;
  }
}
