package io.nereid.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildProcessTest {

  @TempDir Path directory;

  private ChildProcess sleeper() throws IOException {
    return ChildProcess.start("sleeper", List.of("sleep", "60"), directory.resolve("sleeper.log"));
  }

  /** Returns the state letter of /proc/PID/stat: R, S, T (stopped) and so on. */
  private static String state(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  }

  /**
   * Returns the state once it is {@code expected}, or the last one read after 5 s: the kernel
   * applies a signal shortly after kill returns.
   */
  private static String awaitState(long pid, String expected) throws Exception {
    String state = state(pid);
    for (int i = 0; i < 50 && !state.equals(expected); i++) {
      Thread.sleep(100);
      state = state(pid);
    }
    return state;
  }

  @Test
  void pauseStopsAndResumeContinues() throws Exception {
    ChildProcess process = sleeper();
    try {
      process.pause();
      assertEquals("T", awaitState(process.pid(), "T"));

      process.resume();
      assertEquals("S", awaitState(process.pid(), "S"));
    } finally {
      process.kill();
    }
  }

  @Test
  void killEndsProcessAtOnce() throws Exception {
    ChildProcess process = sleeper();

    process.kill();

    assertFalse(process.isAlive());
  }

  @Test
  void stopEndsPausedProcess() throws Exception {
    ChildProcess process = sleeper();
    process.pause();

    process.stop(Duration.ofSeconds(5));

    assertFalse(process.isAlive());
  }

  @Test
  void outputGoesToLogFile() throws Exception {
    ChildProcess process =
        ChildProcess.start("echo", List.of("echo", "hello"), directory.resolve("echo.log"));

    assertTrue(process.awaitExit(Duration.ofSeconds(10)));
    assertEquals("hello\n", Files.readString(directory.resolve("echo.log")));
  }
}
