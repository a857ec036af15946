package io.nereid.server;

import io.nereid.persistence.CassandraSettings;
import io.nereid.persistence.InvalidConfigException;
import io.nereid.persistence.embedded.EmbeddedCassandra;
import io.nereid.persistence.embedded.EmbeddedCassandraException;
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
    try {
      return EmbeddedCassandra.start(launch);
    } catch (EmbeddedCassandraException e) {
      throw switch (e.reason()) {
        case PORT_IN_USE -> new Main.StartupException(
            e.getMessage()
                + " with nereid.cassandra.embedded.cql-port or nereid.cassandra.embedded.storage-port");
        case DATA_DIRECTORY_IN_USE -> new Main.StartupException(
            "data directory "
                + dataDir
                + " is in use by another running Nereid; stop it or choose another --data-dir");
        default -> e;
      };
    }
  }
}
