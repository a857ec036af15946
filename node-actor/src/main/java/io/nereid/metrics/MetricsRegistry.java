package io.nereid.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters and histograms of one member, written in the Prometheus text exposition format
 * (version 0.0.4). Updates are lock-free, so any thread, actors included, may record.
 */
public final class MetricsRegistry {

  private final List<Metric> metrics = new ArrayList<>();

  /** Registers a counter; {@code labelNames} fix the labels every sample carries. */
  public synchronized Counter counter(String name, String help, String... labelNames) {
    Counter counter = new Counter(name, help, labelNames);
    metrics.add(counter);
    return counter;
  }

  /**
   * Registers a histogram with {@code upperBounds} in ascending order; Prometheus adds the
   * {@code +Inf} bucket itself by convention, and so does {@link #write()}.
   */
  public synchronized Histogram histogram(
      String name, String help, double[] upperBounds, String... labelNames) {
    Histogram histogram = new Histogram(name, help, upperBounds.clone(), labelNames);
    metrics.add(histogram);
    return histogram;
  }

  /** Returns every metric in the text exposition format, in registration order. */
  public synchronized String write() {
    StringBuilder out = new StringBuilder();
    for (Metric metric : metrics) {
      metric.write(out);
    }
    return out.toString();
  }

  /** Appends a gauge's header and samples; {@code samples} maps label values to a value. */
  public static void writeGauge(
      StringBuilder out,
      String name,
      String help,
      String[] labelNames,
      Map<List<String>, Double> samples) {
    header(out, name, help, "gauge");
    samples.forEach((labels, value) -> sample(out, name, labelNames, labels, "", "", value));
  }

  private static void header(StringBuilder out, String name, String help, String type) {
    out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  /** Appends one sample line; {@code extraName} adds one more label, such as {@code le}. */
  private static void sample(
      StringBuilder out,
      String name,
      String[] labelNames,
      List<String> labelValues,
      String extraName,
      String extraValue,
      double value) {
    out.append(name);
    List<String> pairs = new ArrayList<>();
    for (int i = 0; i < labelNames.length; i++) {
      pairs.add(labelNames[i] + "=\"" + escapeLabel(labelValues.get(i)) + "\"");
    }
    if (!extraName.isEmpty()) {
      pairs.add(extraName + "=\"" + extraValue + "\"");
    }
    if (!pairs.isEmpty()) {
      out.append('{').append(String.join(",", pairs)).append('}');
    }
    out.append(' ').append(format(value)).append('\n');
  }

  static String format(double value) {
    if (value == Double.POSITIVE_INFINITY) {
      return "+Inf";
    }
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    return Double.toString(value);
  }

  private static String escapeLabel(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static String escapeHelp(String value) {
    return value.replace("\\", "\\\\").replace("\n", "\\n");
  }

  private abstract static class Metric {
    final String name;
    final String help;
    final String[] labelNames;

    Metric(String name, String help, String[] labelNames) {
      this.name = name;
      this.help = help;
      this.labelNames = labelNames.clone();
    }

    List<String> key(String... labelValues) {
      if (labelValues.length != labelNames.length) {
        throw new IllegalArgumentException(
            name + " takes labels " + Arrays.toString(labelNames) + ", got " + Arrays.toString(labelValues));
      }
      return List.of(labelValues);
    }

    abstract void write(StringBuilder out);

    /** Orders the series by their label values, so the output is stable between scrapes. */
    static <V> Map<String, Map.Entry<List<String>, V>> sorted(Map<List<String>, V> series) {
      Map<String, Map.Entry<List<String>, V>> sorted = new TreeMap<>();
      for (Map.Entry<List<String>, V> entry : series.entrySet()) {
        sorted.put(String.join("\u0000", entry.getKey()), entry);
      }
      return sorted;
    }
  }

  /** A count that only goes up, one per combination of label values. */
  public static final class Counter extends Metric {
    private final Map<List<String>, LongAdder> values = new ConcurrentHashMap<>();

    private Counter(String name, String help, String[] labelNames) {
      super(name, help, labelNames);
    }

    public void inc(String... labelValues) {
      add(1, labelValues);
    }

    public void add(long amount, String... labelValues) {
      values.computeIfAbsent(key(labelValues), k -> new LongAdder()).add(amount);
    }

    /** Returns the current count for the label values, 0 when never incremented. */
    public long value(String... labelValues) {
      LongAdder adder = values.get(key(labelValues));
      return adder == null ? 0 : adder.sum();
    }

    @Override
    void write(StringBuilder out) {
      header(out, name, help, "counter");
      for (Map.Entry<List<String>, LongAdder> entry : sorted(values).values()) {
        sample(out, name, labelNames, entry.getKey(), "", "", entry.getValue().sum());
      }
    }
  }

  /** Observations counted into cumulative buckets by upper bound, with their sum and count. */
  public static final class Histogram extends Metric {
    private final double[] upperBounds;
    private final Map<List<String>, Series> series = new ConcurrentHashMap<>();

    private Histogram(String name, String help, double[] upperBounds, String[] labelNames) {
      super(name, help, labelNames);
      for (int i = 1; i < upperBounds.length; i++) {
        if (upperBounds[i] <= upperBounds[i - 1]) {
          throw new IllegalArgumentException(name + ": bucket bounds must ascend");
        }
      }
      this.upperBounds = upperBounds;
    }

    public void observe(double value, String... labelValues) {
      Series each = series.computeIfAbsent(key(labelValues), k -> new Series(upperBounds.length));
      for (int i = 0; i < upperBounds.length; i++) {
        if (value <= upperBounds[i]) {
          each.buckets[i].increment();
          break;
        }
      }
      each.sum.add(value);
      each.count.increment();
    }

    /** Returns how many values were observed with the label values. */
    public long count(String... labelValues) {
      Series each = series.get(key(labelValues));
      return each == null ? 0 : each.count.sum();
    }

    @Override
    void write(StringBuilder out) {
      header(out, name, help, "histogram");
      for (Map.Entry<List<String>, Series> entry : sorted(series).values()) {
        Series each = entry.getValue();
        long count = each.count.sum();
        long cumulative = 0;
        for (int i = 0; i < upperBounds.length; i++) {
          cumulative += each.buckets[i].sum();
          sample(out, name + "_bucket", labelNames, entry.getKey(), "le", format(upperBounds[i]), cumulative);
        }
        // A concurrent observation may have counted into a bucket already but not into count.
        sample(out, name + "_bucket", labelNames, entry.getKey(), "le", "+Inf", Math.max(count, cumulative));
        sample(out, name + "_sum", labelNames, entry.getKey(), "", "", each.sum.sum());
        sample(out, name + "_count", labelNames, entry.getKey(), "", "", Math.max(count, cumulative));
      }
    }

    private static final class Series {
      final LongAdder[] buckets;
      final DoubleAdder sum = new DoubleAdder();
      final LongAdder count = new LongAdder();

      Series(int size) {
        buckets = new LongAdder[size];
        for (int i = 0; i < size; i++) {
          buckets[i] = new LongAdder();
        }
      }
    }
  }
}
