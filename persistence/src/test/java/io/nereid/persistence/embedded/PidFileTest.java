package io.nereid.persistence.embedded;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the pid files that a start must ignore. A pid file of a running node is checked by
 * {@link EmbeddedCassandraTest#secondNodeOnSameDirectoryIsRejected()}.
 */
class PidFileTest {

  @TempDir Path root;

  @Test
  void pidOfExitedProcessIsIgnored() throws Exception {
    Process exited = new ProcessBuilder("true").start();
    assertTrue(exited.waitFor(10, TimeUnit.SECONDS));
    NodeDirectories dirs = new NodeDirectories(root);
    PidFile pidFile = new PidFile(dirs);
    pidFile.write(exited.pid(), ProcessHandle.current().pid());

    pidFile.requireNoRunningNode(Duration.ofSeconds(1));

    assertFalse(Files.exists(dirs.pidFile()), "stale pid file was not deleted");
  }

  @Test
  void pidReusedByAnotherProcessIsIgnored() {
    NodeDirectories dirs = new NodeDirectories(root);
    PidFile pidFile = new PidFile(dirs);
    // This JVM runs, but its command line has no -Dcassandra.config for this directory.
    pidFile.write(ProcessHandle.current().pid(), ProcessHandle.current().pid());

    pidFile.requireNoRunningNode(Duration.ofSeconds(1));

    assertFalse(Files.exists(dirs.pidFile()), "pid file of an unrelated process was not deleted");
  }

  @Test
  void malformedPidFileIsIgnored() throws Exception {
    NodeDirectories dirs = new NodeDirectories(root);
    Files.writeString(dirs.pidFile(), "not a pid\n");

    new PidFile(dirs).requireNoRunningNode(Duration.ofSeconds(1));
  }
}
