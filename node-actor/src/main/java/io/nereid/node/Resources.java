package io.nereid.node;

import io.nereid.persistence.CborSerializable;

/**
 * An amount of each schedulable dimension of a machine.
 *
 * @param cpuMillis thousandths of a CPU core, so 1500 is one and a half cores
 * @param memoryBytes memory in bytes
 * @param diskBytes disk in bytes
 */
public record Resources(long cpuMillis, long memoryBytes, long diskBytes)
    implements CborSerializable {

  public static final Resources NONE = new Resources(0, 0, 0);

  public Resources {
    if (cpuMillis < 0 || memoryBytes < 0 || diskBytes < 0) {
      throw new IllegalArgumentException(
          "resources must not be negative: cpuMillis="
              + cpuMillis
              + " memoryBytes="
              + memoryBytes
              + " diskBytes="
              + diskBytes);
    }
  }

  public Resources plus(Resources other) {
    return new Resources(
        cpuMillis + other.cpuMillis, memoryBytes + other.memoryBytes, diskBytes + other.diskBytes);
  }

  /** Subtracts, clamping each dimension at zero. */
  public Resources minus(Resources other) {
    return new Resources(
        Math.max(0, cpuMillis - other.cpuMillis),
        Math.max(0, memoryBytes - other.memoryBytes),
        Math.max(0, diskBytes - other.diskBytes));
  }

  public boolean fitsWithin(Resources capacity) {
    return cpuMillis <= capacity.cpuMillis
        && memoryBytes <= capacity.memoryBytes
        && diskBytes <= capacity.diskBytes;
  }

  /**
   * Describes the first dimension in which this amount exceeds {@code free}, for rejection
   * messages; returns an empty string when it fits.
   */
  public String shortfall(Resources free) {
    if (memoryBytes > free.memoryBytes) {
      return "needs " + mebibytes(memoryBytes) + " memory, " + mebibytes(free.memoryBytes) + " free";
    }
    if (cpuMillis > free.cpuMillis) {
      return "needs " + cpuMillis + " CPU millicores, " + free.cpuMillis + " free";
    }
    if (diskBytes > free.diskBytes) {
      return "needs " + mebibytes(diskBytes) + " disk, " + mebibytes(free.diskBytes) + " free";
    }
    return "";
  }

  private static String mebibytes(long bytes) {
    return (bytes / (1024 * 1024)) + " MiB";
  }
}
