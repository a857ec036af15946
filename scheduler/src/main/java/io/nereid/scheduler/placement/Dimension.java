package io.nereid.scheduler.placement;

/**
 * A schedulable resource dimension of a node.
 *
 * <p>The declaration order is the order in which the capacity filter checks the dimensions, so a
 * node short of several is rejected for the first. Memory comes first because running out of it
 * gets processes killed, while running out of CPU only slows them down.
 */
public enum Dimension {
  MEMORY("memory"),
  CPU("cpu"),
  DISK("disk");

  private final String displayName;

  Dimension(String displayName) {
    this.displayName = displayName;
  }

  public String displayName() {
    return displayName;
  }

  /** Formats an amount of this dimension for rejection details: millicores or binary bytes. */
  public String format(long amount) {
    if (this == CPU) {
      return amount + " millicores";
    }
    return formatBytes(amount);
  }

  private static final long KIB = 1024L;
  private static final long MIB = 1024L * KIB;
  private static final long GIB = 1024L * MIB;

  static String formatBytes(long bytes) {
    long magnitude = Math.abs(bytes);
    if (magnitude >= GIB) {
      return formatInUnit(bytes, GIB, " GiB");
    }
    if (magnitude >= MIB) {
      return formatInUnit(bytes, MIB, " MiB");
    }
    return bytes + (bytes == 1 ? " byte" : " bytes");
  }

  /** Formats with two decimals unless the amount is whole, without {@link String#format}. */
  private static String formatInUnit(long bytes, long unit, String suffix) {
    if (bytes % unit == 0) {
      return (bytes / unit) + suffix;
    }
    return formatTwoDecimals((double) bytes / unit) + suffix;
  }

  /**
   * Formats a number with two decimals, such as {@code 1.50} or {@code -0.25}. It runs once per
   * rejected node, where {@link String#format} would cost more than the filter itself.
   */
  public static String formatTwoDecimals(double value) {
    long hundredths = Math.round(Math.abs(value) * 100);
    String sign = value < 0 && hundredths != 0 ? "-" : "";
    long fraction = hundredths % 100;
    return sign + (hundredths / 100) + (fraction < 10 ? ".0" : ".") + fraction;
  }
}
