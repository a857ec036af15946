package io.nereid.persistence.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.nereid.persistence.embedded.EmbeddedCassandraException.Reason;
import io.nereid.persistence.testing.SharedCassandra;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts real Cassandra nodes. The shared node serves the tests that only need a running one; the
 * restart test starts its own twice, because it has to stop it.
 */
class EmbeddedCassandraTest {

  @TempDir Path tempDir;

  @Test
  void sharedNodeAnswersCql() {
    EmbeddedCassandra node = SharedCassandra.get();

    try (CqlSession session = node.openSession()) {
      session.execute(
          "CREATE KEYSPACE IF NOT EXISTS embedded_answers"
              + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
      session.execute(
          "CREATE TABLE IF NOT EXISTS embedded_answers.greetings (id int PRIMARY KEY, text text)");
      session.execute("INSERT INTO embedded_answers.greetings (id, text) VALUES (1, 'hello')");

      Row row = session.execute("SELECT text FROM embedded_answers.greetings WHERE id = 1").one();

      assertNotNull(row);
      assertEquals("hello", row.getString("text"));
    }
  }

  @Test
  void sharedNodeReportsItsAddress() {
    EmbeddedCassandra node = SharedCassandra.get();

    assertTrue(node.isRunning());
    assertEquals("127.0.0.1", node.host());
    assertEquals(new InetSocketAddress("127.0.0.1", node.cqlPort()), node.contactPoint());
    assertEquals("datacenter1", node.localDatacenter());
    assertTrue(ProcessHandle.of(node.pid()).map(ProcessHandle::isAlive).orElse(false));
    assertTrue(Files.isRegularFile(node.logFile()), "missing log file " + node.logFile());
  }

  @Test
  void sessionBuiltFromContactPointReachesNode() {
    InetSocketAddress contactPoint = SharedCassandra.get().contactPoint();

    try (CqlSession session =
        CqlSession.builder()
            .addContactPoint(contactPoint)
            .withLocalDatacenter(SharedCassandra.get().localDatacenter())
            .build()) {
      Row row = session.execute("SELECT rpc_port FROM system.local").one();

      assertNotNull(row);
      assertEquals(contactPoint.getPort(), row.getInt("rpc_port"));
    }
  }

  @Test
  void sharedNodeIsStartedOnce() {
    assertTrue(SharedCassandra.get() == SharedCassandra.get());
  }

  @Test
  void restartOnSameDirectoryKeepsData() {
    Path dataDirectory = tempDir.resolve("node");
    EmbeddedCassandraSettings settings =
        EmbeddedCassandraSettings.defaults(EmbeddedCassandra.locateLibrary(), dataDirectory)
            .withClusterName("restart test")
            .withFreePorts();

    EmbeddedCassandra first = EmbeddedCassandra.start(settings);
    try (CqlSession session = first.openSession()) {
      assertEquals(dataDirectory, first.dataDirectory());
      session.execute(
          "CREATE KEYSPACE restart_test"
              + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
      session.execute("CREATE TABLE restart_test.items (id int PRIMARY KEY, name text)");
      session.execute("INSERT INTO restart_test.items (id, name) VALUES (7, 'kept')");
    } finally {
      first.close();
    }
    first.close();

    assertFalse(first.isRunning());
    assertFalse(ProcessHandle.of(first.pid()).isPresent(), "process " + first.pid() + " still runs");
    assertFalse(Files.exists(dataDirectory.resolve("cassandra.pid")), "pid file left behind");

    try (EmbeddedCassandra node = EmbeddedCassandra.start(settings);
        CqlSession session = node.openSession()) {
      Row row = session.execute("SELECT name FROM restart_test.items WHERE id = 7").one();

      assertNotNull(row, "row written before the restart is missing");
      assertEquals("kept", row.getString("name"));
      String clusterName =
          session.execute("SELECT cluster_name FROM system.local").one().getString("cluster_name");
      assertEquals("restart test", clusterName);
    }
  }

  @Test
  void secondNodeOnSameDirectoryIsRejected() {
    EmbeddedCassandra running = SharedCassandra.get();
    EmbeddedCassandraSettings settings =
        EmbeddedCassandraSettings.defaults(running.settings().libDirectory(), running.dataDirectory())
            .withFreePorts();

    EmbeddedCassandraException e =
        assertThrows(EmbeddedCassandraException.class, () -> EmbeddedCassandra.start(settings));

    assertEquals(Reason.DATA_DIRECTORY_IN_USE, e.reason());
    assertContains(e.getMessage(), "Cassandra process " + running.pid());
    assertContains(e.getMessage(), running.dataDirectory().toString());
  }

  @Test
  void takenCqlPortIsRejectedBeforeLaunch() throws Exception {
    try (ServerSocket taken =
        new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      EmbeddedCassandraSettings settings =
          localSettings("taken-cql").withFreePorts().withCqlPort(taken.getLocalPort());

      EmbeddedCassandraException e =
          assertThrows(EmbeddedCassandraException.class, () -> EmbeddedCassandra.start(settings));

      assertEquals(Reason.PORT_IN_USE, e.reason());
      assertContains(e.getMessage(), "CQL port 127.0.0.1:" + taken.getLocalPort() + " is already in use");
      assertContains(e.getMessage(), "choose another CQL port");
      assertFalse(Files.exists(settings.dataDirectory().resolve("cassandra.pid")));
    }
  }

  @Test
  void takenStoragePortIsRejectedBeforeLaunch() throws Exception {
    try (ServerSocket taken =
        new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      EmbeddedCassandraSettings settings =
          localSettings("taken-storage").withFreePorts().withStoragePort(taken.getLocalPort());

      EmbeddedCassandraException e =
          assertThrows(EmbeddedCassandraException.class, () -> EmbeddedCassandra.start(settings));

      assertEquals(Reason.PORT_IN_USE, e.reason());
      assertContains(
          e.getMessage(), "storage port 127.0.0.1:" + taken.getLocalPort() + " is already in use");
    }
  }

  @Test
  void dataDirectoryBelowFileIsRejected() throws Exception {
    Path file = Files.createFile(tempDir.resolve("plain-file"));
    EmbeddedCassandraSettings settings =
        EmbeddedCassandraSettings.defaults(EmbeddedCassandra.locateLibrary(), file.resolve("data"))
            .withFreePorts();

    EmbeddedCassandraException e =
        assertThrows(EmbeddedCassandraException.class, () -> EmbeddedCassandra.start(settings));

    assertEquals(Reason.DATA_DIRECTORY_UNUSABLE, e.reason());
    assertContains(e.getMessage(), "data directory " + file.resolve("data") + " cannot be created");
    assertContains(e.getMessage(), "choose a directory");
  }

  @Test
  void missingLibraryDirectoryIsRejected() {
    Path missing = tempDir.resolve("no-such-lib");
    EmbeddedCassandraSettings settings =
        EmbeddedCassandraSettings.defaults(missing, tempDir.resolve("data")).withFreePorts();

    EmbeddedCassandraException e =
        assertThrows(EmbeddedCassandraException.class, () -> EmbeddedCassandra.start(settings));

    assertEquals(Reason.LIBRARY_NOT_FOUND, e.reason());
    assertContains(e.getMessage(), missing.toString());
    assertContains(e.getMessage(), "mvn install -DskipTests");
  }

  @Test
  void libraryWithoutCassandraJarIsRejected() throws Exception {
    Path emptyLib = Files.createDirectory(tempDir.resolve("empty-lib"));
    EmbeddedCassandraSettings settings =
        EmbeddedCassandraSettings.defaults(emptyLib, tempDir.resolve("data")).withFreePorts();

    EmbeddedCassandraException e =
        assertThrows(EmbeddedCassandraException.class, () -> EmbeddedCassandra.start(settings));

    assertEquals(Reason.LIBRARY_NOT_FOUND, e.reason());
    assertContains(e.getMessage(), emptyLib + " contains no cassandra-all jar");
  }

  @Test
  void processExitingDuringStartReportsLogTail() throws Exception {
    EmbeddedCassandraSettings settings = startFailingSettings();

    EmbeddedCassandraException e =
        assertThrows(EmbeddedCassandraException.class, () -> EmbeddedCassandra.start(settings));

    assertEquals(Reason.PROCESS_EXITED, e.reason());
    assertContains(e.getMessage(), "exited with code");
    assertContains(e.getMessage(), "Last lines of " + settings.dataDirectory().resolve("logs/system.log"));
    // The missing YAML parser is what Cassandra reports while it loads its configuration.
    assertContains(e.getMessage(), "org/yaml/snakeyaml");
  }

  /**
   * Settings whose node fails early in its start. The lib directory contains links to every jar of
   * the real one except SnakeYAML, so Cassandra cannot read cassandra.yaml and exits.
   */
  private EmbeddedCassandraSettings startFailingSettings() {
    try {
      Path brokenLib = tempDir.resolve("lib-without-snakeyaml");
      if (!Files.isDirectory(brokenLib)) {
        Files.createDirectory(brokenLib);
        try (Stream<Path> jars = Files.list(EmbeddedCassandra.locateLibrary())) {
          for (Path jar : jars.toList()) {
            if (!jar.getFileName().toString().startsWith("snakeyaml")) {
              Files.createSymbolicLink(brokenLib.resolve(jar.getFileName()), jar);
            }
          }
        }
      }
      return EmbeddedCassandraSettings.defaults(brokenLib, tempDir.resolve("failing-node"))
          .withStartTimeout(Duration.ofSeconds(90))
          .withFreePorts();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private EmbeddedCassandraSettings localSettings(String name) {
    return EmbeddedCassandraSettings.defaults(EmbeddedCassandra.locateLibrary(), tempDir.resolve(name));
  }

  private static void assertContains(String actual, String expected) {
    assertTrue(
        actual.contains(expected),
        () -> "expected the message to contain\n  " + expected + "\nbut it was\n  " + actual);
  }
}
