package io.nereid.persistence.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EmbeddedCassandraSettingsTest {

  private static final EmbeddedCassandraSettings VALID =
      EmbeddedCassandraSettings.defaults(Path.of("/opt/cassandra/lib"), Path.of("/var/lib/nereid"));

  @Test
  void defaultsMatchDocumentedValues() {
    assertEquals("127.0.0.1", VALID.host());
    assertEquals(9042, VALID.cqlPort());
    assertEquals(7000, VALID.storagePort());
    assertEquals("Nereid", VALID.clusterName());
    assertEquals("512m", VALID.maxHeap());
    assertEquals(Duration.ofMinutes(3), VALID.startTimeout());
    assertEquals(Duration.ofSeconds(30), VALID.stopTimeout());
    assertEquals(List.of(), VALID.seeds());
  }

  @Test
  void seedListNamesEverySeedOnStoragePort() throws Exception {
    EmbeddedCassandraSettings settings =
        VALID.withStoragePort(7100).withSeeds(List.of("127.0.0.1", "127.0.0.2"));

    assertEquals(
        "127.0.0.1:7100,127.0.0.2:7100",
        NodeConfiguration.seedList(settings, InetAddress.getByName("127.0.0.3")));
  }

  @Test
  void seedListWithoutSeedsIsNodeItself() throws Exception {
    assertEquals(
        "127.0.0.3:7000", NodeConfiguration.seedList(VALID, InetAddress.getByName("127.0.0.3")));
  }

  @Test
  void relativeDataDirectoryBecomesAbsolute() {
    EmbeddedCassandraSettings settings =
        EmbeddedCassandraSettings.defaults(Path.of("lib"), Path.of("work/../cassandra"));

    assertTrue(settings.dataDirectory().isAbsolute());
    assertEquals(Path.of("cassandra").toAbsolutePath(), settings.dataDirectory());
  }

  static Stream<Arguments> invalidValues() {
    return Stream.of(
        invalid("cqlPort 0", s -> s.withCqlPort(0), "cqlPort must be between 1 and 65535, got 0"),
        invalid(
            "cqlPort 65536",
            s -> s.withCqlPort(65536),
            "cqlPort must be between 1 and 65535, got 65536"),
        invalid(
            "storagePort -1",
            s -> s.withStoragePort(-1),
            "storagePort must be between 1 and 65535, got -1"),
        invalid(
            "same ports",
            s -> s.withStoragePort(9042),
            "cqlPort and storagePort must differ, both are 9042"),
        invalid("blank host", s -> s.withHost(" "), "host must not be blank"),
        invalid("blank seed", s -> s.withSeeds(List.of(" ")), "seed must not be blank"),
        invalid(
            "wildcard seed",
            s -> s.withSeeds(List.of("0.0.0.0")),
            "seed must be a concrete address such as 127.0.0.1, not the wildcard 0.0.0.0"),
        invalid(
            "wildcard host",
            s -> s.withHost("0.0.0.0"),
            "host must be a concrete address such as 127.0.0.1, not the wildcard 0.0.0.0"),
        invalid("blank cluster name", s -> s.withClusterName(""), "clusterName must not be blank"),
        invalid(
            "cluster name with newline",
            s -> s.withClusterName("a\nb"),
            "clusterName must not contain control characters such as a newline, got \"a?b\""),
        invalid(
            "heap without unit",
            s -> s.withMaxHeap("512"),
            "maxHeap must be a JVM heap size such as 512m or 2g, got \"512\""),
        invalid(
            "heap in kilobytes",
            s -> s.withMaxHeap("524288k"),
            "maxHeap must be a JVM heap size such as 512m or 2g, got \"524288k\""),
        invalid(
            "zero start timeout",
            s -> s.withStartTimeout(Duration.ZERO),
            "startTimeout must be positive, got PT0S"),
        invalid(
            "negative stop timeout",
            s -> s.withStopTimeout(Duration.ofSeconds(-1)),
            "stopTimeout must be positive, got PT-1S"));
  }

  private static Arguments invalid(
      String name, UnaryOperator<EmbeddedCassandraSettings> change, String message) {
    return Arguments.of(name, change, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidValues")
  void invalidValueIsRejectedByName(
      String name, UnaryOperator<EmbeddedCassandraSettings> change, String message) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> change.apply(VALID));

    assertEquals(message, e.getMessage());
  }

  @Test
  void nullDirectoryIsRejectedByName() {
    NullPointerException e =
        assertThrows(
            NullPointerException.class,
            () -> EmbeddedCassandraSettings.defaults(Path.of("lib"), null));

    assertEquals("dataDirectory must not be null", e.getMessage());
  }

  @Test
  void freePortsAreDistinctAndBindable() throws Exception {
    EmbeddedCassandraSettings settings = VALID.withFreePorts();

    assertNotEquals(settings.cqlPort(), settings.storagePort());
    assertNotEquals(9042, settings.cqlPort());
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    for (int port : new int[] {settings.cqlPort(), settings.storagePort()}) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress(loopback, port));
        assertEquals(port, socket.getLocalPort());
      }
    }
  }
}
