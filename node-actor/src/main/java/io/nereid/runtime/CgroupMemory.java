package io.nereid.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a container's OOM kill count from its memory cgroup: {@code memory.events} on cgroup v2,
 * {@code memory.oom_control} on v1 (Linux 4.13 and later). Either counts the processes the OOM
 * killer killed in that cgroup because of its limit.
 */
final class CgroupMemory {

  private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

  private CgroupMemory() {}

  /** Returns the OOM kill count of {@code cgroupsPath}, or 0 if the cgroup is gone. */
  static long oomKills(String cgroupsPath, boolean cgroupV2) throws IOException {
    String relative = cgroupsPath.startsWith("/") ? cgroupsPath.substring(1) : cgroupsPath;
    Path file =
        cgroupV2
            ? CGROUP_ROOT.resolve(relative).resolve("memory.events")
            : CGROUP_ROOT.resolve("memory").resolve(relative).resolve("memory.oom_control");
    if (!Files.exists(file)) {
      return 0;
    }
    for (String line : Files.readAllLines(file)) {
      String[] fields = line.trim().split("\\s+");
      if (fields.length == 2 && fields[0].equals("oom_kill")) {
        return Long.parseLong(fields[1]);
      }
    }
    return 0;
  }
}
