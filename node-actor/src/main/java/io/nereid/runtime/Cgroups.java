package io.nereid.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a container's processes and resource use from its cgroup, on cgroup v2 (one unified
 * tree) and v1 (one tree per controller, with {@code cpuacct}, {@code memory} and {@code pids}).
 */
final class Cgroups {

  private static final Path ROOT = Path.of("/sys/fs/cgroup");
  /** Linux reports /proc/stat times in clock ticks of 1/100 s on every architecture Nereid runs on. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  private final String relativePath;
  private final boolean v2;

  /** @param cgroupsPath the container's cgroup as runc was given it, such as {@code /nereid/<id>} */
  Cgroups(String cgroupsPath, boolean v2) {
    this.relativePath = cgroupsPath.startsWith("/") ? cgroupsPath.substring(1) : cgroupsPath;
    this.v2 = v2;
  }

  /** Returns the host process IDs in the cgroup. */
  List<Long> processIds() throws IOException {
    List<Long> pids = new ArrayList<>();
    for (String line : Files.readAllLines(directory("pids").resolve("cgroup.procs"))) {
      if (!line.isBlank()) {
        pids.add(Long.parseLong(line.trim()));
      }
    }
    return pids;
  }

  ResourceUsage usage(Clock clock) throws IOException {
    Map<String, Long> memoryStats = keyedValues(directory("memory").resolve("memory.stat"));
    long cpuNanos;
    long memory;
    long limit;
    if (v2) {
      cpuNanos = keyedValues(directory("cpu").resolve("cpu.stat")).getOrDefault("usage_usec", 0L) * 1000;
      memory = number(directory("memory").resolve("memory.current"));
      limit = number(directory("memory").resolve("memory.max"));
    } else {
      cpuNanos = number(directory("cpuacct").resolve("cpuacct.usage"));
      memory = number(directory("memory").resolve("memory.usage_in_bytes"));
      limit = number(directory("memory").resolve("memory.limit_in_bytes"));
    }
    long nodeMemory = nodeMemoryBytes();
    return new ResourceUsage(
        clock.instant(),
        cpuNanos,
        systemCpuNanos(),
        Runtime.getRuntime().availableProcessors(),
        memory,
        limit <= 0 || limit > nodeMemory ? nodeMemory : limit,
        memoryStats,
        processIds().size());
  }

  private Path directory(String controller) {
    return v2 ? ROOT.resolve(relativePath) : ROOT.resolve(controller).resolve(relativePath);
  }

  /** Reads a file holding one number; "max", cgroup v2's word for no limit, reads as -1. */
  private static long number(Path file) throws IOException {
    String value = Files.readString(file).trim();
    return value.equals("max") ? -1 : Long.parseLong(value);
  }

  /** Reads a file of "name value" lines, such as memory.stat. */
  private static Map<String, Long> keyedValues(Path file) throws IOException {
    Map<String, Long> values = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return values;
    }
    for (String line : Files.readAllLines(file)) {
      String[] fields = line.trim().split("\\s+");
      if (fields.length == 2) {
        try {
          values.put(fields[0], Long.parseLong(fields[1]));
        } catch (NumberFormatException e) {
          // Not a counter; memory.stat holds only counters today.
        }
      }
    }
    return values;
  }

  /** Returns the CPU time of the whole node since boot: the sum of the first line of /proc/stat. */
  private static long systemCpuNanos() throws IOException {
    String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
    String[] fields = first.trim().split("\\s+");
    long ticks = 0;
    // Fields 1 to 7 are user, nice, system, idle, iowait, irq and softirq.
    for (int i = 1; i <= 7 && i < fields.length; i++) {
      ticks += Long.parseLong(fields[i]);
    }
    return ticks * NANOS_PER_TICK;
  }

  private static long nodeMemoryBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
      if (line.startsWith("MemTotal:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return Long.MAX_VALUE;
  }
}
