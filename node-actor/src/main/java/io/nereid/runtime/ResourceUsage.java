package io.nereid.runtime;

import io.nereid.persistence.CborSerializable;
import java.time.Instant;
import java.util.Map;

/**
 * One sample of a container's resource use, read from its cgroup, with the node's CPU time at
 * the same moment so that a client can turn two samples into a CPU percentage.
 *
 * @param cpuNanos CPU time the container's processes used since it started
 * @param systemCpuNanos CPU time of the whole node since boot, all CPUs summed
 * @param onlineCpus CPUs of the node
 * @param memoryBytes memory the cgroup uses now, page cache included
 * @param memoryLimitBytes the cgroup's memory limit, or the node's memory when it has none
 * @param memoryStats the counters of the cgroup's memory.stat file, by name
 * @param pids processes in the cgroup
 */
public record ResourceUsage(
    Instant read,
    long cpuNanos,
    long systemCpuNanos,
    int onlineCpus,
    long memoryBytes,
    long memoryLimitBytes,
    Map<String, Long> memoryStats,
    long pids)
    implements CborSerializable {

  public ResourceUsage {
    memoryStats = memoryStats == null ? Map.of() : Map.copyOf(memoryStats);
  }
}
