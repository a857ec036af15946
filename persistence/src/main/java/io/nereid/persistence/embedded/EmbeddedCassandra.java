package io.nereid.persistence.embedded;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import io.nereid.persistence.embedded.EmbeddedCassandraException.Reason;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Cassandra 5.0 node in a child JVM, for dev mode, tests and single-box installs.
 *
 * <p>{@link #start} writes the node's configuration under the data directory, launches
 * {@code org.apache.cassandra.service.CassandraDaemon} in the foreground with only the jars of the
 * lib directory on its classpath, and returns once a CQL session connects. {@link #close} sends
 * SIGTERM and, after the stop timeout, SIGKILL. A JVM shutdown hook closes a node that its owner
 * did not close.
 *
 * <p>The child does not outlive this JVM, even one killed with SIGKILL: it is launched through a
 * small shell script whose background watchdog checks once a second whether Cassandra's parent is
 * still this JVM. When it is not, the watchdog sends SIGTERM, and SIGKILL after the stop timeout.
 * Only a watchdog that is itself killed leaves Cassandra running. The check reads {@code /proc}, so
 * the launcher runs on Linux only.
 *
 * <p>A node keeps its data in the data directory across stops, so a later start on the same
 * directory finds it again. Cassandra's own log is {@code logs/system.log} there.
 */
public final class EmbeddedCassandra implements AutoCloseable {

  /** System property that names the directory with Cassandra's jars. */
  public static final String LIB_PROPERTY = "nereid.cassandra.lib";

  /** Environment variable read when {@link #LIB_PROPERTY} is not set. */
  public static final String LIB_ENVIRONMENT_VARIABLE = "NEREID_CASSANDRA_LIB";

  /** Datacenter of the node: the one that Cassandra's SimpleSnitch reports. */
  public static final String LOCAL_DATACENTER = "datacenter1";

  static final String BUILD_HINT =
      "run `mvn install -DskipTests` at the root of the Nereid source tree, which copies Cassandra's"
          + " jars to persistence/cassandra-runtime/target/lib";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedCassandra.class);

  private static final Duration POLL_INTERVAL = Duration.ofMillis(250);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
  private static final int TCP_CONNECT_TIMEOUT_MS = 1000;
  private static final int LOG_TAIL_LINES = 40;

  /**
   * Environment variables that the java launcher reads as extra JVM options or classpath. They are
   * removed from the child's environment, so an agent or jar meant for this JVM does not reach
   * Cassandra.
   */
  private static final List<String> JVM_OPTION_VARIABLES =
      List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "CLASSPATH");

  private final EmbeddedCassandraSettings settings;
  private final NodeDirectories dirs;
  private final InetAddress address;
  private final Process process;
  private final PidFile pidFile;
  private final long systemLogOffset;
  private final Thread shutdownHook;
  private boolean closed;

  private EmbeddedCassandra(
      EmbeddedCassandraSettings settings,
      NodeDirectories dirs,
      InetAddress address,
      Process process,
      PidFile pidFile,
      long systemLogOffset) {
    this.settings = settings;
    this.dirs = dirs;
    this.address = address;
    this.process = process;
    this.pidFile = pidFile;
    this.systemLogOffset = systemLogOffset;
    this.shutdownHook = new Thread(this::close, "embedded-cassandra-shutdown-" + process.pid());
  }

  /**
   * Starts a node and waits until it accepts CQL connections.
   *
   * @throws EmbeddedCassandraException when the lib directory, a port or the data directory is not
   *     usable, or when Cassandra exits or times out during its start. The message names the value
   *     and what to do, and for a failed start it contains the last lines of Cassandra's log.
   * @throws IllegalArgumentException when the host cannot be resolved
   */
  public static EmbeddedCassandra start(EmbeddedCassandraSettings settings) {
    long startNanos = System.nanoTime();
    requirePlatform();
    requireLibraryDirectory(settings.libDirectory());
    InetAddress address = Ports.resolve(settings.host());
    NodeDirectories dirs = new NodeDirectories(settings.dataDirectory());
    dirs.create();

    EmbeddedCassandra node = launchExclusively(settings, address, dirs);
    try {
      node.awaitCql(startNanos);
    } catch (RuntimeException | Error e) {
      node.close();
      throw e;
    }
    log.info(
        "embedded cassandra started: pid={}, cql={}, dataDirectory={}, elapsedMs={}",
        node.pid(),
        NodeConfiguration.hostAndPort(address, settings.cqlPort()),
        dirs.root(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    return node;
  }

  /**
   * Returns the directory with Cassandra's jars: the system property {@value #LIB_PROPERTY}, else
   * the environment variable {@value #LIB_ENVIRONMENT_VARIABLE}.
   *
   * @throws EmbeddedCassandraException when neither is set or the directory does not exist
   */
  public static Path locateLibrary() {
    String configured = System.getProperty(LIB_PROPERTY);
    String source = "system property " + LIB_PROPERTY;
    if (configured == null || configured.isBlank()) {
      configured = System.getenv(LIB_ENVIRONMENT_VARIABLE);
      source = "environment variable " + LIB_ENVIRONMENT_VARIABLE;
    }
    if (configured == null || configured.isBlank()) {
      throw new EmbeddedCassandraException(
          Reason.LIBRARY_NOT_FOUND,
          "the directory with Cassandra's jars is not configured: set the system property "
              + LIB_PROPERTY
              + " or the environment variable "
              + LIB_ENVIRONMENT_VARIABLE
              + " to it; "
              + BUILD_HINT);
    }
    Path directory = Path.of(configured).toAbsolutePath().normalize();
    if (!Files.isDirectory(directory)) {
      throw new EmbeddedCassandraException(
          Reason.LIBRARY_NOT_FOUND,
          "the directory with Cassandra's jars, "
              + directory
              + " from the "
              + source
              + ", does not exist; "
              + BUILD_HINT);
    }
    return directory;
  }

  public String host() {
    return address.getHostAddress();
  }

  public int cqlPort() {
    return settings.cqlPort();
  }

  public int storagePort() {
    return settings.storagePort();
  }

  /** Returns the address for a driver's contact points, already resolved. */
  public InetSocketAddress contactPoint() {
    return new InetSocketAddress(address, settings.cqlPort());
  }

  public String localDatacenter() {
    return LOCAL_DATACENTER;
  }

  /** Returns the pid of the Cassandra JVM; the launch script replaces itself with it. */
  public long pid() {
    return process.pid();
  }

  public Path dataDirectory() {
    return dirs.root();
  }

  /** Returns the path of Cassandra's own log. */
  public Path logFile() {
    return dirs.systemLog();
  }

  public EmbeddedCassandraSettings settings() {
    return settings;
  }

  public boolean isRunning() {
    return process.isAlive();
  }

  /**
   * Opens a driver session to this node with 10 s connect and request timeouts and no retries of
   * the first connection. The caller closes it.
   */
  public CqlSession openSession() {
    return openSession(PROBE_TIMEOUT);
  }

  /**
   * Stops the node: SIGTERM, then SIGKILL when it has not exited within the stop timeout. Calling
   * it again does nothing; a concurrent caller waits until the node is stopped.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopProcess();
    pidFile.delete();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is shutting down, possibly running this very hook.
    }
  }

  @Override
  public String toString() {
    return "EmbeddedCassandra[pid="
        + process.pid()
        + ", cql="
        + NodeConfiguration.hostAndPort(address, settings.cqlPort())
        + ", dataDirectory="
        + dirs.root()
        + "]";
  }

  private static void requirePlatform() {
    if (!Files.isExecutable(Path.of("/bin/sh")) || !Files.isReadable(Path.of("/proc/self/stat"))) {
      throw new EmbeddedCassandraException(
          Reason.PLATFORM_UNSUPPORTED,
          "cannot start embedded Cassandra: it needs /bin/sh and Linux's /proc to stop Cassandra"
              + " when this JVM dies; on other systems run Cassandra yourself and use the external"
              + " mode");
    }
  }

  private static void requireLibraryDirectory(Path libDirectory) {
    if (!Files.isDirectory(libDirectory)) {
      throw new EmbeddedCassandraException(
          Reason.LIBRARY_NOT_FOUND,
          "cannot start embedded Cassandra: the lib directory "
              + libDirectory
              + " does not exist; "
              + BUILD_HINT);
    }
  }

  /**
   * Checks that nothing else runs on the data directory or the ports and launches the process. A
   * file lock on the data directory, held until the pid file is written, keeps two JVMs from
   * passing these checks at the same time. The class lock does the same within this JVM, because a
   * second file lock there would throw instead of wait.
   */
  private static EmbeddedCassandra launchExclusively(
      EmbeddedCassandraSettings settings, InetAddress address, NodeDirectories dirs) {
    synchronized (EmbeddedCassandra.class) {
      Path lockPath = dirs.conf().resolve("start.lock");
      try (FileChannel channel =
              FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = channel.lock()) {
        PidFile pidFile = new PidFile(dirs);
        pidFile.requireNoRunningNode(settings.stopTimeout());
        Ports.requireFree(address, settings.cqlPort(), "CQL port");
        Ports.requireFree(address, settings.storagePort(), "storage port");
        NodeConfiguration.write(settings, address, dirs);

        long systemLogOffset = LogTail.sizeOf(dirs.systemLog());
        Process process = launch(settings, dirs);
        EmbeddedCassandra node =
            new EmbeddedCassandra(settings, dirs, address, process, pidFile, systemLogOffset);
        Runtime.getRuntime().addShutdownHook(node.shutdownHook);
        try {
          pidFile.write(process.pid(), ProcessHandle.current().pid());
        } catch (RuntimeException e) {
          node.close();
          throw e;
        }
        return node;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot lock " + lockPath, e);
      }
    }
  }

  private static Process launch(EmbeddedCassandraSettings settings, NodeDirectories dirs) {
    List<String> command = new ArrayList<>();
    command.add("/bin/sh");
    command.add(dirs.launchScript().toString());
    command.add(Long.toString(ProcessHandle.current().pid()));
    command.add(Long.toString(Math.max(1, settings.stopTimeout().toSeconds())));
    command.addAll(CassandraCommand.build(settings, dirs));

    ProcessBuilder builder = new ProcessBuilder(command);
    builder.directory(dirs.root().toFile());
    builder.redirectErrorStream(true);
    builder.redirectOutput(dirs.consoleLog().toFile());
    builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Map<String, String> environment = builder.environment();
    JVM_OPTION_VARIABLES.forEach(environment::remove);

    log.info(
        "starting embedded cassandra: dataDirectory={}, host={}, cqlPort={}, storagePort={},"
            + " maxHeap={}, libDirectory={}",
        dirs.root(),
        settings.host(),
        settings.cqlPort(),
        settings.storagePort(),
        settings.maxHeap(),
        settings.libDirectory());
    try {
      return builder.start();
    } catch (IOException e) {
      throw new EmbeddedCassandraException(
          Reason.LAUNCH_FAILED,
          "cannot start embedded Cassandra: launching "
              + command.get(0)
              + " failed: "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Polls until a CQL session connects. A TCP connect comes first because it fails fast and
   * quietly while the port is closed, where every failed driver session logs warnings.
   */
  private void awaitCql(long startNanos) {
    long deadline = startNanos + settings.startTimeout().toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new EmbeddedCassandraException(
            Reason.PROCESS_EXITED,
            "embedded Cassandra process "
                + process.pid()
                + " exited with code "
                + process.exitValue()
                + " before it accepted CQL connections on "
                + NodeConfiguration.hostAndPort(address, settings.cqlPort())
                + logTails());
      }
      if (System.nanoTime() - deadline > 0) {
        throw new EmbeddedCassandraException(
            Reason.START_TIMED_OUT,
            "embedded Cassandra process "
                + process.pid()
                + " did not accept CQL connections on "
                + NodeConfiguration.hostAndPort(address, settings.cqlPort())
                + " within "
                + settings.startTimeout().toSeconds()
                + " s; raise the start timeout if this machine is slow"
                + logTails());
      }
      if (portAccepts() && sessionConnects()) {
        return;
      }
      try {
        Thread.sleep(POLL_INTERVAL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EmbeddedCassandraException(
            Reason.START_INTERRUPTED,
            "start of embedded Cassandra process " + process.pid() + " was interrupted",
            e);
      }
    }
  }

  private boolean portAccepts() {
    try (Socket socket = new Socket()) {
      socket.connect(contactPoint(), TCP_CONNECT_TIMEOUT_MS);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private boolean sessionConnects() {
    try (CqlSession session = openSession(PROBE_TIMEOUT)) {
      Row row = session.execute("SELECT release_version FROM system.local").one();
      log.debug(
          "cql probe succeeded: pid={}, releaseVersion={}",
          process.pid(),
          row == null ? null : row.getString("release_version"));
      return true;
    } catch (RuntimeException e) {
      log.debug("cql probe failed, retrying: pid={}", process.pid(), e);
      return false;
    }
  }

  private CqlSession openSession(Duration timeout) {
    DriverConfigLoader config =
        DriverConfigLoader.programmaticBuilder()
            .withDuration(DefaultDriverOption.CONNECTION_CONNECT_TIMEOUT, timeout)
            .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, timeout)
            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, timeout)
            .withBoolean(DefaultDriverOption.RECONNECT_ON_INIT, false)
            .build();
    return CqlSession.builder()
        .withConfigLoader(config)
        .addContactPoint(contactPoint())
        .withLocalDatacenter(LOCAL_DATACENTER)
        .build();
  }

  /** Returns what this start wrote to Cassandra's log and to the console log, for an error. */
  private String logTails() {
    return System.lineSeparator()
        + "Last lines of "
        + dirs.systemLog()
        + ":"
        + System.lineSeparator()
        + LogTail.read(dirs.systemLog(), systemLogOffset, LOG_TAIL_LINES)
        + System.lineSeparator()
        + "Last lines of "
        + dirs.consoleLog()
        + ":"
        + System.lineSeparator()
        + LogTail.read(dirs.consoleLog(), 0, LOG_TAIL_LINES);
  }

  private void stopProcess() {
    if (!process.isAlive()) {
      log.info(
          "embedded cassandra already exited: pid={}, exitCode={}", process.pid(), process.exitValue());
      return;
    }
    log.info("stopping embedded cassandra: pid={}, dataDirectory={}", process.pid(), dirs.root());
    process.destroy();
    boolean interrupted = false;
    boolean exited;
    try {
      exited = process.waitFor(settings.stopTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      interrupted = true;
      exited = false;
    }
    if (!exited) {
      log.warn(
          "embedded cassandra did not stop, sending SIGKILL: pid={}, stopTimeout={}, interrupted={}",
          process.pid(), settings.stopTimeout(), interrupted);
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    log.info("embedded cassandra stopped: pid={}, alive={}", process.pid(), process.isAlive());
  }
}
