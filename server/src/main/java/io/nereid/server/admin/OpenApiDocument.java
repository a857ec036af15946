package io.nereid.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The admin API's OpenAPI document, {@code openapi.json} beside this class, and the operations
 * it lists. The admin routes serve only what it lists, so the document and the routes cannot
 * drift apart silently.
 */
final class OpenApiDocument {

  private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch");

  private final byte[] bytes;
  /** Path template, split into segments, to its methods in upper case. */
  private final Map<List<String>, Set<String>> operations = new LinkedHashMap<>();

  private OpenApiDocument(byte[] bytes) throws IOException {
    this.bytes = bytes;
    JsonNode paths = Json.MAPPER.readTree(bytes).path("paths");
    Iterator<Map.Entry<String, JsonNode>> fields = paths.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> path = fields.next();
      Set<String> methods = new TreeSet<>();
      path.getValue().fieldNames().forEachRemaining(
          name -> {
            if (METHODS.contains(name)) {
              methods.add(name.toUpperCase());
            }
          });
      operations.put(segments(path.getKey()), methods);
    }
  }

  static OpenApiDocument load() {
    try (InputStream in = OpenApiDocument.class.getResourceAsStream("openapi.json")) {
      if (in == null) {
        throw new IllegalStateException("openapi.json is missing from the server's resources");
      }
      return new OpenApiDocument(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read openapi.json", e);
    }
  }

  byte[] bytes() {
    return bytes.clone();
  }

  /**
   * Returns the methods documented for a request path, empty when no path template matches. A
   * template segment in braces matches any one segment.
   */
  Set<String> methodsFor(String path) {
    List<String> request = segments(path);
    Set<String> methods = new TreeSet<>();
    operations.forEach(
        (template, allowed) -> {
          if (matches(template, request)) {
            methods.addAll(allowed);
          }
        });
    return methods;
  }

  private static boolean matches(List<String> template, List<String> request) {
    if (template.size() != request.size()) {
      return false;
    }
    for (int i = 0; i < template.size(); i++) {
      String part = template.get(i);
      boolean variable = part.startsWith("{") && part.endsWith("}");
      if (!variable && !part.equals(request.get(i))) {
        return false;
      }
    }
    return true;
  }

  private static List<String> segments(String path) {
    List<String> segments = new ArrayList<>();
    for (String segment : path.split("/")) {
      if (!segment.isEmpty()) {
        segments.add(segment);
      }
    }
    return segments;
  }
}
