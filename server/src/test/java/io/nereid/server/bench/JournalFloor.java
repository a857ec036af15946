package io.nereid.server.bench;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The Cassandra requests that Nereid's journal sends for new containers, sent straight from the
 * benchmark with nothing else around them: for each container the two reads of the highest
 * sequence number that its recovery makes, and for each group of {@value #GROUP} containers one unlogged
 * batch of their first two events, fence columns and rows in {@code all_persistence_ids}, as the
 * journal's new-entity writes send them at most. The event bytes are copied from a container that
 * Nereid created in the same run.
 *
 * <p>Its rate and Cassandra's CPU per create bound what any change above the journal can reach
 * for the containers' own journal requests.
 */
final class JournalFloor {

  /** Containers per batch: max-entities of the journal's new-entity writes. */
  static final int GROUP = 16;

  /** One container's first two events as Nereid stored them: serializer, manifests and bytes. */
  private record StoredEvent(int serializerId, String serializerManifest, String eventManifest, ByteBuffer bytes) {}

  private final CqlSession session;
  private final PreparedStatement selectHighest;
  private final PreparedStatement insertPersistenceId;
  private final PreparedStatement insertEvent;
  private final PreparedStatement setFence;
  private final List<StoredEvent> events;

  private JournalFloor(CqlSession session, String keyspace, List<StoredEvent> events) {
    this.session = session;
    this.events = events;
    String messages = keyspace + ".messages";
    selectHighest =
        session.prepare(
            "SELECT sequence_nr FROM " + messages + " WHERE persistence_id = ? AND partition_nr = ?"
                + " ORDER BY sequence_nr DESC LIMIT 1");
    insertPersistenceId =
        session.prepare("INSERT INTO " + keyspace + ".all_persistence_ids (persistence_id) VALUES (?)");
    insertEvent =
        session.prepare(
            "INSERT INTO " + messages + " (persistence_id, partition_nr, sequence_nr, timestamp, timebucket,"
                + " writer_uuid, ser_id, ser_manifest, event_manifest, event, tags)"
                + " VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    setFence =
        session.prepare(
            "UPDATE " + messages + " USING TIMESTAMP 1 SET highest_sequence_nr = ?"
                + " WHERE persistence_id = ? AND partition_nr = 0");
  }

  /** Prepares the requests, with the events of one container that Nereid wrote to {@code keyspace}. */
  static JournalFloor prepare(CqlSession session, String keyspace) {
    for (Row id : session.execute("SELECT persistence_id FROM " + keyspace + ".all_persistence_ids LIMIT 1000")) {
      String persistenceId = id.getString("persistence_id");
      if (!persistenceId.startsWith("Container|")) {
        continue;
      }
      List<StoredEvent> stored = new ArrayList<>();
      for (Row row :
          session.execute(
              "SELECT ser_id, ser_manifest, event_manifest, event FROM " + keyspace + ".messages"
                  + " WHERE persistence_id = ? AND partition_nr = 0 LIMIT 2",
              persistenceId)) {
        stored.add(
            new StoredEvent(
                row.getInt("ser_id"), row.getString("ser_manifest"), row.getString("event_manifest"), row.getByteBuffer("event")));
      }
      if (stored.size() == 2) {
        return new JournalFloor(session, keyspace, stored);
      }
    }
    throw new IllegalStateException("no created container found in " + keyspace);
  }

  /**
   * Sends the requests of {@code total} new containers in groups of {@value #GROUP}, with at most
   * {@code concurrency} containers under way. A container's latency is that of its group.
   */
  CreateLoad.Result run(int concurrency, int total) throws InterruptedException {
    int groupsAtOnce = Math.max(1, concurrency / GROUP);
    Semaphore slots = new Semaphore(groupsAtOnce);
    long[] latencies = new long[total];
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long began = System.nanoTime();
    for (int first = 0; first < total && failure.get() == null; first += GROUP) {
      slots.acquire();
      int from = first;
      int to = Math.min(total, first + GROUP);
      long started = System.nanoTime();
      List<String> ids = new ArrayList<>();
      for (int i = from; i < to; i++) {
        ids.add("Container|floor-" + UUID.randomUUID());
      }
      writeGroup(ids)
          .whenComplete(
              (done, error) -> {
                if (error != null) {
                  failure.compareAndSet(null, error);
                }
                long latency = System.nanoTime() - started;
                for (int i = from; i < to; i++) {
                  latencies[i] = latency;
                }
                slots.release();
              });
    }
    slots.acquire(groupsAtOnce);
    long wall = System.nanoTime() - began;
    if (failure.get() != null) {
      throw new IllegalStateException("journal floor request failed", failure.get());
    }
    return new CreateLoad.Result(total, wall, latencies);
  }

  private CompletionStage<Void> writeGroup(List<String> persistenceIds) {
    List<CompletableFuture<Void>> reads = new ArrayList<>();
    for (String persistenceId : persistenceIds) {
      reads.add(
          execute(selectHighest.bind(persistenceId, 0L), ConsistencyLevel.QUORUM)
              .thenCompose(none -> execute(selectHighest.bind(persistenceId, 1L), ConsistencyLevel.QUORUM))
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .thenCompose(
            none -> {
              BatchStatementBuilder batch = BatchStatement.builder(BatchType.UNLOGGED);
              for (String persistenceId : persistenceIds) {
                addFirstEvents(batch, persistenceId);
              }
              return execute(batch.build(), ConsistencyLevel.QUORUM);
            });
  }

  private void addFirstEvents(BatchStatementBuilder batch, String persistenceId) {
    String writer = UUID.randomUUID().toString();
    for (int i = 0; i < events.size(); i++) {
      StoredEvent event = events.get(i);
      UUID time = Uuids.timeBased();
      batch.addStatement(
          insertEvent.bind(
              persistenceId,
              (long) i + 1,
              time,
              Long.toString(Uuids.unixTimestamp(time) / 3_600_000 * 3_600_000),
              writer,
              event.serializerId(),
              event.serializerManifest(),
              event.eventManifest(),
              event.bytes().duplicate(),
              Set.<String>of()));
    }
    batch.addStatement(setFence.bind((long) events.size(), persistenceId));
    batch.addStatement(insertPersistenceId.bind(persistenceId));
  }

  private CompletionStage<Void> execute(Statement<?> statement, ConsistencyLevel consistency) {
    return session.executeAsync(statement.setConsistencyLevel(consistency)).thenApply(rows -> null);
  }
}
