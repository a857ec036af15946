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
 */
public record SchedulerSettings(
    PoolSettings poolSettings, int maxAttempts, Duration askTimeout, String defaultPool) {

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
        defaultPool);
  }

  /**
   * Reads an overcommit ratio. NOTE: only 1.0 is accepted, because the node entities check each
   * reservation against physical capacity and would reject what an overcommitted pool chose.
   */
  private static double overcommit(ConfigReader reader, String name) {
    double ratio = reader.doubleAtLeast(name, 1.0);
    if (ratio != 1.0) {
      throw new InvalidConfigException(
          reader.key(name), "only 1.0 is supported so far, got " + ratio);
    }
    return ratio;
  }

  private static ScoringStrategy strategy(ConfigReader reader) {
    String value = reader.string("strategy");
    for (ScoringStrategy strategy : ScoringStrategy.values()) {
      if (strategy.displayName().equals(value)) {
        return strategy;
      }
    }
    throw new InvalidConfigException(
        reader.key("strategy"), "must be bin-pack, spread, first-fit or random, got \"" + value + "\"");
  }
}
