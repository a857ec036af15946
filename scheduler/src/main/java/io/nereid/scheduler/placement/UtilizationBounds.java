package io.nereid.scheduler.placement;

/**
 * Per-dimension bounds on the utilization after placement (see {@link UtilizationCursor}) of every
 * node a search has not visited yet: upper bounds in a {@link SearchOrder#FULLEST_FIRST} search,
 * lower bounds in an {@link SearchOrder#EMPTIEST_FIRST} one. Each is in [0, 1].
 */
public record UtilizationBounds(double cpu, double memory, double disk) {

  public double get(Dimension dimension) {
    return switch (dimension) {
      case CPU -> cpu;
      case MEMORY -> memory;
      case DISK -> disk;
    };
  }
}
