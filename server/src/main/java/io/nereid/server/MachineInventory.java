package io.nereid.server;

import io.nereid.node.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads this machine's CPUs, memory and disk from the operating system. */
final class MachineInventory {

  private MachineInventory() {}

  /** Returns the machine's resources, with disk measured on the file system holding {@code dir}. */
  static Resources read(Path dir) throws IOException {
    long cpuMillis = Runtime.getRuntime().availableProcessors() * 1000L;
    long memoryBytes = totalMemoryBytes();
    long diskBytes = Files.getFileStore(dir).getTotalSpace();
    return new Resources(cpuMillis, memoryBytes, diskBytes);
  }

  private static long totalMemoryBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
      if (line.startsWith("MemTotal:")) {
        String kibibytes = line.replaceAll("[^0-9]", "");
        return Long.parseLong(kibibytes) * 1024;
      }
    }
    throw new IOException("/proc/meminfo has no MemTotal line");
  }
}
