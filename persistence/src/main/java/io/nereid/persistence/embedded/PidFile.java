package io.nereid.persistence.embedded;

import io.nereid.persistence.embedded.EmbeddedCassandraException.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code cassandra.pid} file of a data directory: the pid of the Cassandra process that runs on
 * it and of the JVM that launched that process. Two Cassandra processes on one data directory
 * would corrupt it, so a start first checks the recorded process.
 */
final class PidFile {

  private static final Logger log = LoggerFactory.getLogger(PidFile.class);

  /** Extra time beyond the stop timeout for an orphaned node's watchdog to notice and stop it. */
  private static final Duration WATCHDOG_SLACK = Duration.ofSeconds(5);

  private final NodeDirectories dirs;

  PidFile(NodeDirectories dirs) {
    this.dirs = dirs;
  }

  void write(long cassandraPid, long launcherPid) {
    try {
      Files.writeString(
          dirs.pidFile(), cassandraPid + " " + launcherPid + "\n", StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dirs.pidFile(), e);
    }
  }

  void delete() {
    try {
      Files.deleteIfExists(dirs.pidFile());
    } catch (IOException e) {
      log.warn("cannot delete pid file: file={}", dirs.pidFile(), e);
    }
  }

  /**
   * Fails when a Cassandra process recorded in the pid file still runs on the data directory. A
   * process whose launcher died is being stopped by its watchdog, so this waits for it up to
   * {@code stopTimeout} plus a few seconds before failing.
   */
  void requireNoRunningNode(Duration stopTimeout) {
    Optional<long[]> recorded = read();
    if (recorded.isEmpty()) {
      return;
    }
    long cassandraPid = recorded.get()[0];
    long launcherPid = recorded.get()[1];
    Optional<ProcessHandle> cassandra = ProcessHandle.of(cassandraPid).filter(ProcessHandle::isAlive);
    if (cassandra.isEmpty() || !runsOnThisDirectory(cassandra.get())) {
      delete();
      return;
    }

    boolean launcherAlive =
        cassandra.get().parent().map(parent -> parent.pid() == launcherPid).orElse(false);
    if (launcherAlive) {
      throw inUse(
          "Cassandra process "
              + cassandraPid
              + ", started by process "
              + launcherPid
              + ", still runs on data directory "
              + dirs.root()
              + "; close that EmbeddedCassandra or stop process "
              + launcherPid
              + ", or choose another data directory");
    }

    Duration wait = stopTimeout.plus(WATCHDOG_SLACK);
    log.info(
        "waiting for orphaned cassandra to exit: pid={}, launcherPid={}, dataDirectory={}, timeout={}",
        cassandraPid, launcherPid, dirs.root(), wait);
    if (!awaitExit(cassandra.get(), wait)) {
      throw inUse(
          "Cassandra process "
              + cassandraPid
              + " still runs on data directory "
              + dirs.root()
              + " although its launcher, process "
              + launcherPid
              + ", is gone, and it did not exit within "
              + wait.toSeconds()
              + " s; stop it with kill "
              + cassandraPid);
    }
    delete();
  }

  private Optional<long[]> read() {
    String content;
    try {
      content = Files.readString(dirs.pidFile(), StandardCharsets.US_ASCII).trim();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dirs.pidFile(), e);
    }
    String[] fields = content.split("\\s+");
    try {
      return Optional.of(new long[] {Long.parseLong(fields[0]), Long.parseLong(fields[1])});
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      log.warn("ignoring malformed pid file: file={}, content={}", dirs.pidFile(), content);
      return Optional.empty();
    }
  }

  /**
   * Tells a live node from an unrelated process that reuses its pid by the configuration path on
   * its command line. A process whose command line cannot be read counts as the node.
   */
  private boolean runsOnThisDirectory(ProcessHandle process) {
    String configOption = "-Dcassandra.config=" + dirs.cassandraYaml().toUri();
    return process
        .info()
        .arguments()
        .map(arguments -> Arrays.asList(arguments).contains(configOption))
        .orElse(true);
  }

  private static boolean awaitExit(ProcessHandle process, Duration timeout) {
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return !process.isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.isAlive();
    }
  }

  private EmbeddedCassandraException inUse(String detail) {
    return new EmbeddedCassandraException(
        Reason.DATA_DIRECTORY_IN_USE, "cannot start embedded Cassandra: " + detail);
  }
}
