package io.nereid.metrics;

/**
 * The metrics a member records, on one registry. Durations are in seconds, as Prometheus names
 * them.
 */
public final class NereidMetrics {

  /** Upper bounds in seconds from 1 ms to 10 s, for requests and placements. */
  private static final double[] LATENCY_BUCKETS = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  private final MetricsRegistry registry = new MetricsRegistry();

  /** Placements by result: {@code placed} or {@code failed}. */
  public final MetricsRegistry.Counter placements =
      registry.counter(
          "nereid_placements_total", "Container placements by result.", "result");

  /**
   * Nodes the placement filters rejected, by reason, summed over placements; one placement that
   * rejects 12 nodes for lack of memory adds 12.
   */
  public final MetricsRegistry.Counter placementRejections =
      registry.counter(
          "nereid_placement_rejections_total",
          "Nodes rejected by placement filters, by reason.",
          "reason");

  public final MetricsRegistry.Histogram placementLatency =
      registry.histogram(
          "nereid_placement_duration_seconds",
          "Time from a placement request to the container recording its node.",
          LATENCY_BUCKETS,
          "result");

  /** Failed requests to a node agent, by operation, such as a runc start that failed. */
  public final MetricsRegistry.Counter runtimeFailures =
      registry.counter(
          "nereid_runtime_failures_total",
          "Container runtime operations that failed on a node, by operation.",
          "operation");

  /** HTTP requests by API, route template, method and status code. */
  public final MetricsRegistry.Histogram requestLatency =
      registry.histogram(
          "nereid_http_request_duration_seconds",
          "Time to the response of an API request, by API, route, method and status code.",
          LATENCY_BUCKETS,
          "api",
          "route",
          "method",
          "code");

  public NereidMetrics() {
    // Both results appear from the first scrape, so a rate over them starts at zero.
    placements.add(0, "placed");
    placements.add(0, "failed");
  }

  /** Returns the recorded metrics in the Prometheus text exposition format. */
  public String write() {
    return registry.write() + JournalWrites.write();
  }

  /** Converts a duration measured with {@link System#nanoTime()} to seconds. */
  public static double secondsSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
