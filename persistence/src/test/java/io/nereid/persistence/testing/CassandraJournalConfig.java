package io.nereid.persistence.testing;

import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.nereid.persistence.CassandraSessions;
import io.nereid.persistence.CassandraSettings;
import io.nereid.persistence.NereidConfig;
import io.nereid.persistence.SchemaInstaller;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Builds the configuration of a test ActorSystem whose journal and snapshot store live in the
 * shared test Cassandra, each call in keyspaces of its own, so test classes never see each
 * other's events.
 */
public final class CassandraJournalConfig {

  private static final AtomicInteger SEQUENCE = new AtomicInteger();

  private CassandraJournalConfig() {}

  /**
   * Creates fresh keyspaces named after {@code label} and returns a configuration that points
   * the journal at them, layered over {@code overrides} and the defaults.
   */
  public static Config freshKeyspaces(String label, String overrides) {
    InetSocketAddress contactPoint = SharedCassandra.get().contactPoint();
    String suffix =
        label.toLowerCase().replaceAll("[^a-z0-9]", "") + "_" + ProcessHandle.current().pid()
            + "_" + SEQUENCE.incrementAndGet();
    Config base =
        NereidConfig.load(
            ConfigFactory.parseString(overrides)
                .withFallback(
                    ConfigFactory.parseString(
                        "nereid.cassandra.journal-keyspace = j_"
                            + suffix
                            + "\nnereid.cassandra.snapshot-keyspace = s_"
                            + suffix)));
    CassandraSettings settings = CassandraSettings.fromConfig(base);
    Config config = settings.pluginConfig(List.of(contactPoint)).withFallback(base);
    try (CqlSession session =
        CassandraSessions.open(List.of(contactPoint), settings.localDatacenter(), Duration.ofSeconds(10))) {
      SchemaInstaller.install(session, settings);
    }
    return config;
  }
}
