package io.nereid.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Text forms of ids, labels, amounts and sizes for the CLI's tables, and size parsing. */
final class Formats {

  private Formats() {}

  static String shortId(String id) {
    return id.length() > 12 && id.matches("[0-9a-f]+") ? id.substring(0, 12) : id;
  }

  static String labels(JsonNode labels) {
    List<String> pairs = new ArrayList<>();
    labels.fields().forEachRemaining(entry -> pairs.add(entry.getKey() + "=" + entry.getValue().asText()));
    pairs.sort(null);
    return pairs.isEmpty() ? "-" : String.join(",", pairs);
  }

  /** Returns an event's fields other than its time, as {@code key=value} pairs. */
  static String details(JsonNode event) {
    List<String> pairs = new ArrayList<>();
    addScalars(pairs, "", event, true);
    return String.join(" ", pairs);
  }

  /**
   * Adds the object's scalar fields as key=value pairs, and on the top level those of its nested
   * objects with the object's name as prefix, such as placement.nodeId=n1.
   */
  private static void addScalars(List<String> pairs, String prefix, JsonNode object, boolean descend) {
    Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      JsonNode value = field.getValue();
      if (field.getKey().equals("at") || value.isNull()) {
        continue;
      }
      if (value.isObject() && descend) {
        addScalars(pairs, prefix + field.getKey() + ".", value, false);
      } else if (!value.isContainerNode()) {
        pairs.add(prefix + field.getKey() + "=" + value.asText());
      }
    }
  }

  static String cpus(JsonNode resources) {
    return number(resources.path("cpus"));
  }

  static String number(JsonNode value) {
    return decimal(value.asDouble());
  }

  static String decimal(double number) {
    return number == Math.rint(number) ? Long.toString((long) number) : Double.toString(number);
  }

  static String percent(JsonNode dimension) {
    return Math.round(dimension.path("fraction").asDouble() * 100) + "%";
  }

  static String bytes(JsonNode value) {
    return bytes(value.asLong());
  }

  /** Formats a byte count in binary units, such as {@code 1.5GiB}. */
  static String bytes(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double amount = bytes;
    int unit = 0;
    while (amount >= 1024 && unit < units.length - 1) {
      amount /= 1024;
      unit++;
    }
    String formatted = String.format(java.util.Locale.ROOT, "%.1f", amount);
    if (formatted.endsWith(".0")) {
      formatted = formatted.substring(0, formatted.length() - 2);
    }
    return formatted + units[unit];
  }

  /** Parses a size such as {@code 512m} or {@code 2g} (powers of 1024) or a byte count. */
  static long parseSize(String value) {
    String lower = value.toLowerCase();
    long unit = 1;
    char last = lower.isEmpty() ? ' ' : lower.charAt(lower.length() - 1);
    switch (last) {
      case 'k' -> unit = 1L << 10;
      case 'm' -> unit = 1L << 20;
      case 'g' -> unit = 1L << 30;
      case 't' -> unit = 1L << 40;
      default -> unit = 1;
    }
    String digits = unit == 1 ? lower : lower.substring(0, lower.length() - 1);
    try {
      return Long.parseLong(digits) * unit;
    } catch (NumberFormatException e) {
      throw new CliException(
          CliException.USAGE, "invalid size \"" + value + "\"; use bytes or a number with k, m, g or t");
    }
  }
}
