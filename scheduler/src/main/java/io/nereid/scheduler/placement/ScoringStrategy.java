package io.nereid.scheduler.placement;

/** Ranking rule of a pool for the nodes that pass every hard filter. */
public enum ScoringStrategy {
  /** Favours the fullest node that still fits, for density. The default. */
  BIN_PACK("bin-pack"),
  /** Favours the least loaded node. */
  SPREAD("spread"),
  /** Takes the first fitting node in node id order. A baseline for benchmarks. */
  FIRST_FIT("first-fit"),
  /** Takes a fitting node at random, reproducibly from the pool's seed. A baseline. */
  RANDOM("random");

  private final String displayName;

  ScoringStrategy(String displayName) {
    this.displayName = displayName;
  }

  public String displayName() {
    return displayName;
  }

  /** Returns the strategy named {@code name}, as written in configuration and the admin API. */
  public static java.util.Optional<ScoringStrategy> fromDisplayName(String name) {
    for (ScoringStrategy strategy : values()) {
      if (strategy.displayName.equals(name)) {
        return java.util.Optional.of(strategy);
      }
    }
    return java.util.Optional.empty();
  }

  /** Returns the display names of all strategies, for error messages. */
  public static String displayNames() {
    return "bin-pack, spread, first-fit or random";
  }
}
