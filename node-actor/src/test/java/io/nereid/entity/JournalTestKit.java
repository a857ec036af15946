package io.nereid.entity;

import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.Config;
import io.nereid.persistence.CassandraSessions;
import io.nereid.persistence.testing.SharedCassandra;
import java.time.Duration;
import io.nereid.persistence.testing.CassandraJournalConfig;
import java.time.Clock;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * An ActorTestKit whose journal and snapshots live in the shared test Cassandra, in keyspaces of
 * their own, with every message serialized as if it crossed the network.
 */
public final class JournalTestKit {

  public final ActorTestKit testKit;
  public final EntitySettings settings;
  private final String snapshotKeyspace;

  private JournalTestKit(ActorTestKit testKit, EntitySettings settings, String snapshotKeyspace) {
    this.testKit = testKit;
    this.settings = settings;
    this.snapshotKeyspace = snapshotKeyspace;
  }

  /** Starts a test kit that saves a snapshot every {@code snapshotEvery} events. */
  public static JournalTestKit start(String label, int snapshotEvery) {
    Config config =
        CassandraJournalConfig.freshKeyspaces(
            label,
            "pekko.actor.serialize-messages = on\n"
                + "pekko.actor.provider = local\n"
                // The first write to a fresh keyspace can take seconds on a busy machine.
                + "pekko.actor.testkit.typed.single-expect-default = 15s\n"
                + "nereid.entities.snapshot-every = "
                + snapshotEvery);
    ActorTestKit testKit = ActorTestKit.create(label, config);
    EntitySettings fromConfig = EntitySettings.fromConfig(config);
    return new JournalTestKit(
        testKit,
        new EntitySettings(fromConfig.snapshotEvery(), fromConfig.snapshotsKept(), Clock.systemUTC()),
        config.getString("pekko.persistence.cassandra.snapshot.keyspace"));
  }

  /** Returns the events persisted for one persistence id, read back from Cassandra. */
  public List<Object> events(String persistenceId) {
    CassandraReadJournal journal =
        PersistenceQuery.get(testKit.system())
            .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    return journal
        .currentEventsByPersistenceId(persistenceId, 0, Long.MAX_VALUE)
        .map(EventEnvelope::event)
        .runWith(Sink.seq(), testKit.system())
        .toCompletableFuture()
        .join();
  }

  /** Returns how many snapshots Cassandra holds for one persistence id. */
  public long snapshotCount(String persistenceId) {
    try (CqlSession session =
        CassandraSessions.open(
            List.of(SharedCassandra.get().contactPoint()), "datacenter1", Duration.ofSeconds(10))) {
      return session
          .execute(
              "SELECT count(*) FROM " + snapshotKeyspace + ".snapshots WHERE persistence_id = ?",
              persistenceId)
          .one()
          .getLong(0);
    }
  }

  public void shutdown() {
    testKit.shutdownTestKit();
  }
}
