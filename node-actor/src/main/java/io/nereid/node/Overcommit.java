package io.nereid.node;

import io.nereid.persistence.CborSerializable;

/**
 * How far reservations on a node may exceed its physical capacity, as a ratio per dimension: 1.5
 * for memory lets the reservations reach one and a half times the node's memory. A pool sets the
 * ratios and every node of the pool checks its reservations against them.
 */
public record Overcommit(double cpu, double memory, double disk) implements CborSerializable {

  /** Reservations may reach physical capacity and no further. */
  public static final Overcommit NONE = new Overcommit(1.0, 1.0, 1.0);

  public Overcommit {
    requireRatio("cpu", cpu);
    requireRatio("memory", memory);
    requireRatio("disk", disk);
  }

  /**
   * Returns what reservations may add up to on a node of {@code capacity}: each dimension times
   * its ratio, rounded down.
   */
  public Resources limit(Resources capacity) {
    return new Resources(
        scale(capacity.cpuMillis(), cpu),
        scale(capacity.memoryBytes(), memory),
        scale(capacity.diskBytes(), disk));
  }

  /** Returns {@code amount} times {@code ratio}, rounded down; the scheduler's view uses it too. */
  public static long scale(long amount, double ratio) {
    return (long) Math.floor(amount * ratio);
  }

  /** Throws {@link IllegalArgumentException} unless {@code ratio} is finite and at least 1.0. */
  public static void requireRatio(String dimension, double ratio) {
    if (!(ratio >= 1.0) || Double.isInfinite(ratio)) {
      throw new IllegalArgumentException(
          "invalid "
              + dimension
              + " overcommit ratio "
              + ratio
              + ": it must be a finite number of at least 1.0 (1.0 means no overcommit)");
    }
  }
}
