package io.nereid.persistence.testing;

import io.nereid.persistence.embedded.EmbeddedCassandra;
import io.nereid.persistence.embedded.EmbeddedCassandraException;
import io.nereid.persistence.embedded.EmbeddedCassandraException.Reason;
import io.nereid.persistence.embedded.EmbeddedCassandraSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One embedded Cassandra node per test JVM, shared by every test that needs a database.
 *
 * <p>The first {@link #get()} starts it on free loopback ports with its data in a new temporary
 * directory; later calls return the same node. A shutdown hook stops it and deletes that directory.
 * Tests must not close it. Each test should use keyspaces of its own, so that tests do not see each
 * other's data.
 *
 * <p>Usage from another module's test:
 *
 * <pre>{@code
 * InetSocketAddress contactPoint = SharedCassandra.get().contactPoint();
 * }</pre>
 */
public final class SharedCassandra {

  private static final Logger log = LoggerFactory.getLogger(SharedCassandra.class);

  /**
   * Maximum number of starts, for when another process takes a free port before the start checks
   * it.
   */
  // NOTE: a port taken after that check makes Cassandra exit (Reason.PROCESS_EXITED), which is not
  // retried, because the same reason also covers a broken installation.
  private static final int MAX_ATTEMPTS = 3;

  private static EmbeddedCassandra node;
  private static RuntimeException startFailure;

  private SharedCassandra() {}

  /**
   * Returns the shared node, starting it on the first call. A failed start is not repeated: every
   * later call throws at once, with the first failure as the cause.
   *
   * @throws EmbeddedCassandraException when the node cannot be started
   */
  public static synchronized EmbeddedCassandra get() {
    if (node != null) {
      return node;
    }
    if (startFailure != null) {
      throw new IllegalStateException(
          "the shared embedded Cassandra failed to start earlier in this JVM: "
              + startFailure.getMessage(),
          startFailure);
    }
    try {
      node = startNode();
      return node;
    } catch (RuntimeException e) {
      startFailure = e;
      throw e;
    }
  }

  private static EmbeddedCassandra startNode() {
    Path dataDirectory = createTempDirectory();
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> stop(dataDirectory), "shared-cassandra-shutdown"));

    EmbeddedCassandraSettings base =
        EmbeddedCassandraSettings.defaults(EmbeddedCassandra.locateLibrary(), dataDirectory);
    for (int attempt = 1; ; attempt++) {
      try {
        return EmbeddedCassandra.start(base.withFreePorts());
      } catch (EmbeddedCassandraException e) {
        if (e.reason() != Reason.PORT_IN_USE || attempt == MAX_ATTEMPTS) {
          throw e;
        }
        log.warn("port taken before the shared cassandra bound it, retrying: attempt={}", attempt, e);
      }
    }
  }

  /** Stops the node and deletes its data directory; runs in a shutdown hook. */
  private static void stop(Path dataDirectory) {
    EmbeddedCassandra running;
    synchronized (SharedCassandra.class) {
      running = node;
    }
    if (running != null) {
      running.close();
    }
    deleteRecursively(dataDirectory);
  }

  private static Path createTempDirectory() {
    try {
      return Files.createTempDirectory("nereid-shared-cassandra-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for the shared Cassandra", e);
    }
  }

  private static void deleteRecursively(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      log.warn("cannot delete the shared cassandra data directory: directory={}", root, e);
    }
  }
}
