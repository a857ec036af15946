package io.nereid.scheduler;

import com.typesafe.config.Config;
import io.nereid.persistence.ConfigReader;
import io.nereid.persistence.InvalidConfigException;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.ScoringStrategy;
import java.time.Duration;

/**
 * Settings of the pool schedulers, read from {@code nereid.scheduler}.
 *
 * @param maxAttempts how many nodes one placement tries before it gives up, when nodes reject
 *     the reservation because the scheduler's view was stale
 * @param defaultPool the pool of containers that name none with the {@code nereid.pool} label
 * @param agentTimeout how long a node agent may take to start, stop or remove a container that
 *     the scheduler moves off a lost or drained node
 */
public record SchedulerSettings(
    PoolSettings poolSettings,
    int maxAttempts,
    Duration askTimeout,
    String defaultPool,
    Duration agentTimeout) {

  public static final String PATH = "nereid.scheduler";

  public static SchedulerSettings fromConfig(Config config) {
    ConfigReader reader = new ConfigReader(config, PATH);
    ScoringStrategy strategy = strategy(reader);
    PoolSettings pool =
        new PoolSettings(
            overcommit(reader, "cpu-overcommit"),
            overcommit(reader, "memory-overcommit"),
            overcommit(reader, "disk-overcommit"),
            reader.bytesAtLeast("default-memory-request", 0),
            strategy,
            reader.intAtLeast("candidate-limit", 1),
            0L);
    String defaultPool = reader.string("default-pool");
    if (defaultPool.isBlank()) {
      throw new InvalidConfigException(reader.key("default-pool"), "must not be empty");
    }
    return new SchedulerSettings(
        pool,
        reader.intAtLeast("max-attempts", 1),
        reader.positiveDuration("ask-timeout"),
        defaultPool,
        reader.positiveDuration("agent-timeout"));
  }

  /**
   * Reads the overcommit ratio every pool starts with, which the admin API changes per pool. The
   * node entities check reservations against the same ratio, which the scheduler sends them.
   */
  private static double overcommit(ConfigReader reader, String name) {
    double ratio = reader.doubleAtLeast(name, 1.0);
    if (Double.isInfinite(ratio)) {
      throw new InvalidConfigException(reader.key(name), "must be finite, got " + ratio);
    }
    return ratio;
  }

  private static ScoringStrategy strategy(ConfigReader reader) {
    String value = reader.string("strategy");
    return ScoringStrategy.fromDisplayName(value)
        .orElseThrow(
            () ->
                new InvalidConfigException(
                    reader.key("strategy"),
                    "must be " + ScoringStrategy.displayNames() + ", got \"" + value + "\""));
  }
}
