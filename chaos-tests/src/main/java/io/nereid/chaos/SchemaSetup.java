package io.nereid.chaos;

import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.ConfigFactory;
import io.nereid.persistence.CassandraSessions;
import io.nereid.persistence.CassandraSettings;
import io.nereid.persistence.NereidConfig;
import io.nereid.persistence.SchemaInstaller;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Creates Nereid's keyspaces with one replica per Cassandra node, as {@code nereid schema} does. */
final class SchemaSetup {

  private SchemaSetup() {}

  static CassandraSettings settings(List<InetSocketAddress> contactPoints) {
    return CassandraSettings.fromConfig(
        NereidConfig.load(
            ConfigFactory.parseMap(
                Map.of(
                    "nereid.cassandra.mode", "external",
                    "nereid.cassandra.contact-points",
                        contactPoints.stream()
                            .map(point -> point.getHostString() + ":" + point.getPort())
                            .toList(),
                    "nereid.cassandra.replication-factor", contactPoints.size()))));
  }

  static void install(List<InetSocketAddress> contactPoints) {
    CassandraSettings settings = settings(contactPoints);
    try (CqlSession session = open(contactPoints, settings)) {
      SchemaInstaller.install(session, settings);
    }
  }

  static CqlSession open(List<InetSocketAddress> contactPoints, CassandraSettings settings) {
    return CassandraSessions.open(contactPoints, settings.localDatacenter(), Duration.ofSeconds(10));
  }
}
