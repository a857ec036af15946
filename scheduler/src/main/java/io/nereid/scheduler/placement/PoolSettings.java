package io.nereid.scheduler.placement;

import java.util.Objects;

/**
 * Per-pool placement settings.
 *
 * @param cpuOvercommit ratio applied to each node's CPU capacity before fitting, so 2.0 lets the
 *     reservations reach twice the physical cores
 * @param memoryOvercommit the same ratio for memory
 * @param diskOvercommit the same ratio for disk
 * @param defaultMemoryRequestBytes the memory that a container without a memory limit counts as
 *     requesting
 * @param candidateLimit the number of fitting candidates after which bin-pack and spread stop
 *     examining nodes; see {@link PlacementEngine} for what this costs in accuracy
 * @param randomSeed the seed of the {@link ScoringStrategy#RANDOM} strategy
 */
public record PoolSettings(
    double cpuOvercommit,
    double memoryOvercommit,
    double diskOvercommit,
    long defaultMemoryRequestBytes,
    ScoringStrategy strategy,
    int candidateLimit,
    long randomSeed) {

  /**
   * Memory counted for a container without a memory limit, when the pool sets nothing else.
   *
   * <p>NOTE: 256 MiB is an assumed footprint of a small service, not a measured one. Set it per
   * pool from the workloads it runs.
   */
  public static final long DEFAULT_MEMORY_REQUEST_BYTES = 256L * 1024 * 1024;

  /**
   * Candidates bin-pack and spread examine before they stop, when the pool sets nothing else. A
   * larger limit chooses the node a full scan would choose more often and costs time in proportion;
   * {@code SchedulerBenchmark} in the tests measures both.
   */
  public static final int DEFAULT_CANDIDATE_LIMIT = 64;

  public PoolSettings {
    Objects.requireNonNull(strategy, "strategy");
    requirePositiveRatio("cpuOvercommit", cpuOvercommit);
    requirePositiveRatio("memoryOvercommit", memoryOvercommit);
    requirePositiveRatio("diskOvercommit", diskOvercommit);
    if (defaultMemoryRequestBytes < 0) {
      throw new IllegalArgumentException(
          "defaultMemoryRequestBytes must not be negative, got " + defaultMemoryRequestBytes);
    }
    if (candidateLimit < 1) {
      throw new IllegalArgumentException(
          "candidateLimit must be at least 1, got " + candidateLimit);
    }
  }

  /** Returns settings with no overcommit, bin-pack scoring and the default limits. */
  public static PoolSettings defaults() {
    return new PoolSettings(
        1.0,
        1.0,
        1.0,
        DEFAULT_MEMORY_REQUEST_BYTES,
        ScoringStrategy.BIN_PACK,
        DEFAULT_CANDIDATE_LIMIT,
        0L);
  }

  public PoolSettings withStrategy(ScoringStrategy newStrategy) {
    return new PoolSettings(
        cpuOvercommit,
        memoryOvercommit,
        diskOvercommit,
        defaultMemoryRequestBytes,
        newStrategy,
        candidateLimit,
        randomSeed);
  }

  public PoolSettings withOvercommit(Dimension dimension, double ratio) {
    return new PoolSettings(
        dimension == Dimension.CPU ? ratio : cpuOvercommit,
        dimension == Dimension.MEMORY ? ratio : memoryOvercommit,
        dimension == Dimension.DISK ? ratio : diskOvercommit,
        defaultMemoryRequestBytes,
        strategy,
        candidateLimit,
        randomSeed);
  }

  public PoolSettings withDefaultMemoryRequestBytes(long bytes) {
    return new PoolSettings(
        cpuOvercommit,
        memoryOvercommit,
        diskOvercommit,
        bytes,
        strategy,
        candidateLimit,
        randomSeed);
  }

  public PoolSettings withCandidateLimit(int limit) {
    return new PoolSettings(
        cpuOvercommit,
        memoryOvercommit,
        diskOvercommit,
        defaultMemoryRequestBytes,
        strategy,
        limit,
        randomSeed);
  }

  public PoolSettings withRandomSeed(long seed) {
    return new PoolSettings(
        cpuOvercommit,
        memoryOvercommit,
        diskOvercommit,
        defaultMemoryRequestBytes,
        strategy,
        candidateLimit,
        seed);
  }

  public double overcommit(Dimension dimension) {
    return switch (dimension) {
      case CPU -> cpuOvercommit;
      case MEMORY -> memoryOvercommit;
      case DISK -> diskOvercommit;
    };
  }

  /** Returns the node's capacity in the dimension times the overcommit ratio, rounded down. */
  public long effectiveCapacity(NodeView node, Dimension dimension) {
    return (long) Math.floor(node.capacity().get(dimension) * overcommit(dimension));
  }

  /** Returns effective capacity minus reservations, which is negative on an over-reserved node. */
  public long effectiveFree(NodeView node, Dimension dimension) {
    return effectiveCapacity(node, dimension) - node.reserved().get(dimension);
  }

  /** Returns what the request reserves, with the default memory request when it has no limit. */
  public ResourceVector demandOf(PlacementRequest request) {
    long memory = request.noMemoryLimit() ? defaultMemoryRequestBytes : request.memoryBytes();
    return new ResourceVector(request.cpuMillis(), memory, request.diskBytes());
  }

  private static void requirePositiveRatio(String name, double ratio) {
    if (!(ratio > 0) || Double.isInfinite(ratio)) {
      throw new IllegalArgumentException(name + " must be a positive finite ratio, got " + ratio);
    }
  }
}
