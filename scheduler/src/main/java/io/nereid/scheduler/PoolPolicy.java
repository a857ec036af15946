package io.nereid.scheduler;

import io.nereid.node.Overcommit;
import io.nereid.persistence.CborSerializable;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.ScoringStrategy;
import java.util.Map;
import java.util.TreeMap;

/**
 * The settings of one pool that an operator changes at run time: the scoring strategy and the
 * overcommit ratio of each dimension. The pool's scheduler persists them.
 *
 * @param strategy a {@link ScoringStrategy} display name, such as {@code bin-pack}
 */
public record PoolPolicy(String strategy, Overcommit overcommit) implements CborSerializable {

  public PoolPolicy {
    if (ScoringStrategy.fromDisplayName(strategy).isEmpty()) {
      throw new IllegalArgumentException(
          "invalid strategy \"" + strategy + "\": use " + ScoringStrategy.displayNames());
    }
    overcommit = overcommit == null ? Overcommit.NONE : overcommit;
  }

  /** Returns the policy that {@code settings} start a pool with. */
  public static PoolPolicy of(PoolSettings settings) {
    return new PoolPolicy(
        settings.strategy().displayName(),
        new Overcommit(
            settings.cpuOvercommit(), settings.memoryOvercommit(), settings.diskOvercommit()));
  }

  /** Returns {@code base} with this policy's strategy and ratios. */
  public PoolSettings applyTo(PoolSettings base) {
    return new PoolSettings(
        overcommit.cpu(),
        overcommit.memory(),
        overcommit.disk(),
        base.defaultMemoryRequestBytes(),
        ScoringStrategy.fromDisplayName(strategy).orElseThrow(),
        base.candidateLimit(),
        base.randomSeed());
  }

  /**
   * Returns this policy with the given changes; throws {@link IllegalArgumentException} naming the
   * invalid value.
   *
   * @param newStrategy a strategy name, or null to keep the current one
   * @param ratios overcommit ratios by dimension name ({@code cpu}, {@code memory}, {@code disk});
   *     a dimension not named keeps its ratio
   */
  public PoolPolicy update(String newStrategy, Map<String, Double> ratios) {
    Map<String, Double> next = new TreeMap<>(ratios == null ? Map.of() : ratios);
    for (String dimension : next.keySet()) {
      if (!dimension.equals("cpu") && !dimension.equals("memory") && !dimension.equals("disk")) {
        throw new IllegalArgumentException(
            "invalid overcommit dimension \"" + dimension + "\": use cpu, memory or disk");
      }
      if (next.get(dimension) == null) {
        throw new IllegalArgumentException(
            "invalid " + dimension + " overcommit ratio: it must be a number");
      }
    }
    Overcommit changed =
        new Overcommit(
            next.getOrDefault("cpu", overcommit.cpu()),
            next.getOrDefault("memory", overcommit.memory()),
            next.getOrDefault("disk", overcommit.disk()));
    return new PoolPolicy(newStrategy == null ? strategy : newStrategy, changed);
  }
}
