package io.nereid.server.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
    return new ProcessCpu(ticks(Path.of("/proc", Long.toString(pid), "stat")));
  }

  /**
   * Reads the CPU time of the JVM's JIT compiler threads alone, from {@code
   * /proc/PID/task/TID/stat}. HotSpot names them "C1 CompilerThreadN" and "C2 CompilerThreadN",
   * which the kernel cuts to 15 characters.
   */
  static ProcessCpu readCompilers(long pid) throws IOException {
    long ticks = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks) {
        try {
          String name = Files.readString(task.resolve("comm"));
          if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
            ticks += ticks(task.resolve("stat"));
          }
        } catch (NoSuchFileException ended) {
          // The thread ended between the listing and the read.
        }
      }
    }
    return new ProcessCpu(ticks);
  }

  private static long ticks(Path stat) throws IOException {
    String line = Files.readString(stat);
    // The command name in brackets may contain spaces, so the fields are counted after it.
    String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  /** Returns the milliseconds of CPU used since {@code earlier}. */
  double millisSince(ProcessCpu earlier) {
    return (ticks - earlier.ticks) * 1000.0 / TICKS_PER_SECOND;
  }
}
