package io.nereid.server;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4) for tests: it rejects
 * any line that is not a HELP, TYPE or sample line, a sample of a metric without a TYPE, and a
 * histogram whose buckets are not cumulative or whose {@code +Inf} bucket differs from its count.
 */
public final class PrometheusText {

  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern SAMPLE =
      Pattern.compile("(" + NAME + ")(\\{(.*)\\})? (\\S+)");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\[\\\\\"n])*)\"(,|$)");

  /** Sample values by series, written as the sample line shows it without the value. */
  private final Map<String, Double> samples = new LinkedHashMap<>();

  private final Map<String, String> types = new HashMap<>();

  private PrometheusText() {}

  /** Parses {@code text}; throws IllegalArgumentException naming the first invalid line. */
  public static PrometheusText parse(String text) {
    PrometheusText parsed = new PrometheusText();
    Map<String, Double> lastBucket = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("# HELP ")) {
        continue;
      }
      if (line.startsWith("# TYPE ")) {
        String[] parts = line.split(" ");
        if (parts.length != 4 || !NAME.matcher(parts[2]).matches()) {
          throw new IllegalArgumentException("invalid TYPE line: " + line);
        }
        parsed.types.put(parts[2], parts[3]);
        continue;
      }
      Matcher sample = SAMPLE.matcher(line);
      if (!sample.matches()) {
        throw new IllegalArgumentException("invalid sample line: " + line);
      }
      String name = sample.group(1);
      String labels = sample.group(3) == null ? "" : sample.group(3);
      Matcher label = LABEL.matcher(labels);
      int end = 0;
      while (label.find() && label.start() == end) {
        end = label.end();
      }
      if (end != labels.length()) {
        throw new IllegalArgumentException("invalid labels: " + line);
      }
      double value = parseValue(sample.group(4), line);
      String family = name.replaceAll("_(bucket|sum|count)$", "");
      if (!parsed.types.containsKey(name) && !parsed.types.containsKey(family)) {
        throw new IllegalArgumentException("sample without TYPE: " + line);
      }
      if (name.endsWith("_bucket")) {
        String series = name + "{" + labels.replaceAll(",?le=\"[^\"]*\"", "") + "}";
        Double previous = lastBucket.put(series, value);
        if (previous != null && value < previous) {
          throw new IllegalArgumentException("buckets not cumulative: " + line);
        }
      }
      if (name.endsWith("_count") && "histogram".equals(parsed.types.get(family))) {
        String series = family + "_bucket{" + labels + "}";
        if (!Double.valueOf(value).equals(lastBucket.get(series))) {
          throw new IllegalArgumentException("+Inf bucket differs from count: " + line);
        }
      }
      parsed.samples.put(name + (sample.group(2) == null ? "" : sample.group(2)), value);
    }
    return parsed;
  }

  private static double parseValue(String value, String line) {
    return switch (value) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> {
        try {
          yield Double.parseDouble(value);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("invalid value: " + line);
        }
      }
    };
  }

  /** Returns the value of one series, such as {@code x_total{result="placed"}}, or 0 if absent. */
  public double value(String series) {
    return samples.getOrDefault(series, 0.0);
  }

  /** Returns the metric's type from its TYPE line, or null. */
  public String type(String name) {
    return types.get(name);
  }

  /** Returns every series and its value. */
  public Map<String, Double> samples() {
    return samples;
  }
}
