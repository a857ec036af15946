package io.nereid.metrics;

import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;

/**
 * Latency of the entities' journal writes, from the command that persists to the callback that
 * follows a successful write. It is kept for the whole JVM, because sharding creates the entities
 * and the member's wiring never reaches them. {@link NereidMetrics#write()} includes it.
 */
public final class JournalWrites {

  /** Upper bounds in seconds from 1 ms to 10 s. */
  private static final double[] BUCKETS = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  private static final MetricsRegistry REGISTRY = new MetricsRegistry();

  private static final MetricsRegistry.Histogram LATENCY =
      REGISTRY.histogram(
          "nereid_journal_write_duration_seconds",
          "Time from an entity's persist to the journal's acknowledgement, by entity type.",
          BUCKETS,
          "entity");

  private JournalWrites() {}

  /**
   * Returns {@code effect} with the time of its write recorded once the journal acknowledges it.
   * Call it where the command handler builds the effect, so the time starts there.
   */
  public static <E, S> EffectBuilder<E, S> timed(String entityType, EffectBuilder<E, S> effect) {
    long start = System.nanoTime();
    return effect.thenRun(state -> recordSince(start, entityType));
  }

  /** Records a write of an {@code entityType} entity that started at {@code startNanos}. */
  public static void recordSince(long startNanos, String entityType) {
    LATENCY.observe(NereidMetrics.secondsSince(startNanos), entityType);
  }

  static String write() {
    return REGISTRY.write();
  }
}
