package io.nereid.persistence.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the JVM that launched a node and checks that the node goes too. Each test runs
 * {@link NodeLauncherMain} in its own JVM with this test's classpath, so each starts one node.
 */
class EmbeddedCassandraLauncherDeathTest {

  /**
   * The watchdog checks once a second, and Cassandra's drain after SIGTERM took about 5 s on a
   * 2-core test machine, so 60 s leaves room for a loaded one.
   */
  private static final Duration NODE_EXIT_BOUND = Duration.ofSeconds(60);

  private static final Duration START_BOUND = Duration.ofMinutes(3);

  @TempDir Path tempDir;

  @Test
  void nodeStopsWhenLauncherIsKilled() throws Exception {
    Path dataDirectory = tempDir.resolve("node");
    Process launcher = startLauncher(dataDirectory);
    long cassandraPid = -1;
    try {
      cassandraPid = awaitNodePid(launcher);
      assertTrue(isRunning(cassandraPid), "node " + cassandraPid + " is not running after start");

      launcher.destroyForcibly();
      assertTrue(launcher.waitFor(10, TimeUnit.SECONDS), "launcher survived SIGKILL");
      assertEquals(128 + 9, launcher.exitValue(), "launcher did not die of SIGKILL");

      assertTrue(
          awaitExit(cassandraPid, NODE_EXIT_BOUND),
          "node " + cassandraPid + " still runs " + NODE_EXIT_BOUND.toSeconds()
              + " s after its launcher was killed");
      String console = Files.readString(dataDirectory.resolve("logs/console.log"));
      assertContains(console, "launcher process " + launcher.pid() + " is gone");
    } finally {
      cleanUp(launcher, cassandraPid);
    }
  }

  @Test
  void nodeStopsWhenLauncherShutsDown() throws Exception {
    Path dataDirectory = tempDir.resolve("node");
    Process launcher = startLauncher(dataDirectory);
    long cassandraPid = -1;
    try {
      cassandraPid = awaitNodePid(launcher);

      launcher.destroy();
      assertTrue(launcher.waitFor(60, TimeUnit.SECONDS), "launcher did not exit after SIGTERM");

      // The shutdown hook closes the node before the launcher exits, so no wait is needed.
      assertFalse(isRunning(cassandraPid), "node " + cassandraPid + " outlived its launcher");
      assertFalse(
          Files.exists(dataDirectory.resolve("cassandra.pid")),
          "pid file left behind, so close() did not run");
      String console = Files.readString(dataDirectory.resolve("logs/console.log"));
      assertFalse(console.contains("is gone"), "the watchdog stopped the node instead of the hook");
    } finally {
      cleanUp(launcher, cassandraPid);
    }
  }

  private Process startLauncher(Path dataDirectory) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command =
        List.of(
            java.toString(),
            "-cp",
            System.getProperty("java.class.path"),
            NodeLauncherMain.class.getName(),
            EmbeddedCassandra.locateLibrary().toString(),
            dataDirectory.toString());
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(tempDir.resolve("launcher-output.txt").toFile())
        .start();
  }

  /** Waits for the line with the node's pid in the launcher's output. */
  private long awaitNodePid(Process launcher) throws Exception {
    Path output = tempDir.resolve("launcher-output.txt");
    long deadline = System.nanoTime() + START_BOUND.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<String> pidLine =
          Files.readAllLines(output, StandardCharsets.UTF_8).stream()
              .filter(line -> line.startsWith(NodeLauncherMain.PID_PREFIX))
              .findFirst();
      if (pidLine.isPresent()) {
        return Long.parseLong(pidLine.get().substring(NodeLauncherMain.PID_PREFIX.length()).trim());
      }
      if (!launcher.isAlive()) {
        fail("launcher exited with code " + launcher.exitValue() + " before printing the pid:\n"
            + Files.readString(output));
      }
      Thread.sleep(200);
    }
    fail("launcher printed no pid within " + START_BOUND.toSeconds() + " s:\n" + Files.readString(output));
    return -1;
  }

  private static boolean awaitExit(long pid, Duration bound) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() < deadline) {
      if (!isRunning(pid)) {
        return true;
      }
      Thread.sleep(200);
    }
    return !isRunning(pid);
  }

  /** Treats a zombie, which has exited but is not reaped yet, as stopped. */
  private static boolean isRunning(long pid) {
    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String afterName = stat.substring(stat.lastIndexOf(')') + 2);
        return !afterName.startsWith("Z");
      } catch (IOException e) {
        return false;
      }
    }
    return false;
  }

  /** Stops whatever the test left running, so a failed assertion leaves no process behind. */
  private static void cleanUp(Process launcher, long cassandraPid) throws InterruptedException {
    launcher.destroyForcibly();
    launcher.waitFor(10, TimeUnit.SECONDS);
    if (cassandraPid > 0) {
      ProcessHandle.of(cassandraPid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  private static void assertContains(String actual, String expected) {
    assertTrue(
        actual.contains(expected),
        () -> "expected to find\n  " + expected + "\nin\n" + actual);
  }
}
