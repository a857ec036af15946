package io.nereid.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class CassandraSettingsTest {

  private static Config with(String overrides) {
    return ConfigFactory.parseString(overrides).withFallback(ConfigFactory.load()).resolve();
  }

  @Test
  void defaultsAreValid() {
    CassandraSettings settings = CassandraSettings.fromConfig(with(""));

    assertEquals(CassandraSettings.Mode.EMBEDDED, settings.mode());
    assertEquals("nereid_journal", settings.journalKeyspace());
    assertEquals("QUORUM", settings.writeConsistency());
    assertEquals(9042, settings.embedded().cqlPort());
  }

  @Test
  void externalContactPointsParsed() {
    CassandraSettings settings =
        CassandraSettings.fromConfig(
            with(
                "nereid.cassandra { mode = external, contact-points = [\"10.1.2.3:9042\", \"db:19042\"] }"));

    assertEquals(CassandraSettings.Mode.EXTERNAL, settings.mode());
    assertEquals(
        List.of(
            InetSocketAddress.createUnresolved("10.1.2.3", 9042),
            InetSocketAddress.createUnresolved("db", 19042)),
        settings.contactPoints());
  }

  static Stream<Arguments> invalidValues() {
    return Stream.of(
        Arguments.of(
            "nereid.cassandra.mode = cloud",
            "invalid configuration: nereid.cassandra.mode: must be one of [embedded, external], got \"cloud\""),
        Arguments.of(
            "nereid.cassandra.contact-points = [\"db\"]",
            "invalid configuration: nereid.cassandra.contact-points: expected host:port, got \"db\""),
        Arguments.of(
            "nereid.cassandra.contact-points = [\"db:99999\"]",
            "invalid configuration: nereid.cassandra.contact-points: invalid port in \"db:99999\""),
        Arguments.of(
            "nereid.cassandra.contact-points = []",
            "invalid configuration: nereid.cassandra.contact-points: must name at least one host:port"),
        Arguments.of(
            "nereid.cassandra.journal-keyspace = \"1bad\"",
            "invalid configuration: nereid.cassandra.journal-keyspace: a keyspace name is a letter then up to 47 letters, digits or underscores, got \"1bad\""),
        Arguments.of(
            "nereid.cassandra.snapshot-keyspace = nereid_journal",
            "invalid configuration: nereid.cassandra.snapshot-keyspace: must differ from journal-keyspace"),
        Arguments.of(
            "nereid.cassandra.replication-factor = 0",
            "invalid configuration: nereid.cassandra.replication-factor: must be at least 1, got 0"),
        Arguments.of(
            "nereid.cassandra.write-consistency = MOST",
            "invalid configuration: nereid.cassandra.write-consistency: must be one of [ALL, EACH_QUORUM, LOCAL_ONE, LOCAL_QUORUM, ONE, QUORUM, THREE, TWO], got \"MOST\""),
        Arguments.of(
            "nereid.cassandra.embedded.cql-port = 70000",
            "invalid configuration: nereid.cassandra.embedded.cql-port: must be a TCP port (0-65535), got 70000"),
        Arguments.of(
            "nereid.cassandra.embedded.max-heap = lots",
            "invalid configuration: nereid.cassandra.embedded.max-heap: expected a JVM heap size such as 768m or 2g, got \"lots\""),
        Arguments.of(
            "nereid.cassandra.embedded.start-timeout = soon",
            "invalid configuration: nereid.cassandra.embedded.start-timeout: expected a duration such as 500ms or 30s, got \"soon\""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidValues")
  void invalidValueNamesKey(String overrides, String expectedMessage) {
    InvalidConfigException error =
        assertThrows(InvalidConfigException.class, () -> CassandraSettings.fromConfig(with(overrides)));

    assertEquals(expectedMessage, error.getMessage());
  }

  @Test
  void pluginConfigCarriesKeyspacesAndConsistency() {
    CassandraSettings settings =
        CassandraSettings.fromConfig(
            with("nereid.cassandra { journal-keyspace = j1, snapshot-keyspace = s1, write-consistency = ONE }"));

    Config plugin = settings.pluginConfig(List.of(new InetSocketAddress("127.0.0.1", 9142)));

    assertEquals("j1", plugin.getString("pekko.persistence.cassandra.journal.keyspace"));
    assertEquals("s1", plugin.getString("pekko.persistence.cassandra.snapshot.keyspace"));
    assertEquals(List.of("127.0.0.1:9142"), plugin.getStringList("datastax-java-driver.basic.contact-points"));
    assertEquals(
        "ONE", plugin.getString("datastax-java-driver.profiles.nereid-write.basic.request.consistency"));
  }
}
