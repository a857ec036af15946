package io.nereid.server;

import io.nereid.persistence.CassandraSettings;
import io.nereid.persistence.InvalidConfigException;
import io.nereid.persistence.embedded.EmbeddedCassandra;
import io.nereid.persistence.embedded.EmbeddedCassandraSettings;
import java.nio.file.Path;

/** Starts the embedded Cassandra that {@code nereid.cassandra.embedded} describes. */
final class EmbeddedCassandraLauncher {

  private EmbeddedCassandraLauncher() {}

  /** Starts Cassandra with its data under {@code dataDir/cassandra}, kept across restarts. */
  static EmbeddedCassandra start(CassandraSettings settings, Path dataDir) {
    CassandraSettings.Embedded embedded = settings.embedded();
    Path lib =
        embedded.libDirectory().isEmpty()
            ? EmbeddedCassandra.locateLibrary()
            : Path.of(embedded.libDirectory());
    EmbeddedCassandraSettings launch;
    try {
      launch =
          EmbeddedCassandraSettings.defaults(lib, dataDir.resolve("cassandra"))
              .withHost(embedded.host())
              .withCqlPort(embedded.cqlPort())
              .withStoragePort(embedded.storagePort())
              .withMaxHeap(embedded.maxHeap())
              .withStartTimeout(embedded.startTimeout());
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(CassandraSettings.PATH + ".embedded", e.getMessage());
    }
    return EmbeddedCassandra.start(launch);
  }
}
