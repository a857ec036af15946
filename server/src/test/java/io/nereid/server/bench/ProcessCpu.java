package io.nereid.server.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time a process has used, user and system together, from {@code /proc/PID/stat}. The
 * difference of two readings is what the process spent in between, which unlike a rate does not
 * depend on what else runs on the machine.
 */
record ProcessCpu(long ticks) {

  /** Clock ticks per second of {@code /proc/PID/stat}; Linux reports 100 on every common build. */
  private static final long TICKS_PER_SECOND = 100;

  static ProcessCpu read(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    // The command name in brackets may contain spaces, so the fields are counted after it.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    return new ProcessCpu(Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
  }

  /** Returns the milliseconds of CPU used since {@code earlier}. */
  double millisSince(ProcessCpu earlier) {
    return (ticks - earlier.ticks) * 1000.0 / TICKS_PER_SECOND;
  }
}
