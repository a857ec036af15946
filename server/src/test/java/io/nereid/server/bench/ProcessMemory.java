package io.nereid.server.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of a process: VmRSS and its peak VmHWM from {@code /proc/PID/status}. */
record ProcessMemory(long rssKibibytes, long peakKibibytes) {

  static ProcessMemory read(long pid) throws IOException {
    long rss = -1;
    long peak = -1;
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        rss = kibibytes(line);
      } else if (line.startsWith("VmHWM:")) {
        peak = kibibytes(line);
      }
    }
    if (rss < 0 || peak < 0) {
      throw new IOException("/proc/" + pid + "/status has no VmRSS or VmHWM line");
    }
    return new ProcessMemory(rss, peak);
  }

  private static long kibibytes(String line) {
    return Long.parseLong(line.replaceAll("[^0-9]", ""));
  }

  double rssMebibytes() {
    return rssKibibytes / 1024.0;
  }

  double peakMebibytes() {
    return peakKibibytes / 1024.0;
  }
}
