package io.nereid.scheduler.placement;

/**
 * An amount of each schedulable dimension.
 *
 * @param cpuMillis CPU in millicores, so 1500 is one and a half cores
 * @param memoryBytes memory in bytes
 * @param diskBytes disk in bytes
 */
public record ResourceVector(long cpuMillis, long memoryBytes, long diskBytes) {

  public static final ResourceVector ZERO = new ResourceVector(0, 0, 0);

  public ResourceVector {
    if (cpuMillis < 0 || memoryBytes < 0 || diskBytes < 0) {
      throw new IllegalArgumentException(
          "resource amounts must not be negative: cpuMillis="
              + cpuMillis
              + " memoryBytes="
              + memoryBytes
              + " diskBytes="
              + diskBytes);
    }
  }

  public long get(Dimension dimension) {
    return switch (dimension) {
      case CPU -> cpuMillis;
      case MEMORY -> memoryBytes;
      case DISK -> diskBytes;
    };
  }

  /** Adds per dimension and throws {@link ArithmeticException} on overflow. */
  public ResourceVector plus(ResourceVector other) {
    return new ResourceVector(
        Math.addExact(cpuMillis, other.cpuMillis),
        Math.addExact(memoryBytes, other.memoryBytes),
        Math.addExact(diskBytes, other.diskBytes));
  }

  /** Subtracts per dimension, clamping at zero, so releasing more than was reserved leaves zero. */
  public ResourceVector minusClamped(ResourceVector other) {
    return new ResourceVector(
        Math.max(0, cpuMillis - other.cpuMillis),
        Math.max(0, memoryBytes - other.memoryBytes),
        Math.max(0, diskBytes - other.diskBytes));
  }

  @Override
  public String toString() {
    return Dimension.CPU.format(cpuMillis)
        + ", "
        + Dimension.MEMORY.format(memoryBytes)
        + " memory, "
        + Dimension.DISK.format(diskBytes)
        + " disk";
  }
}
