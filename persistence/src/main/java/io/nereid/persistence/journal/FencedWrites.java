package io.nereid.persistence.journal;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatementBuilder;
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
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.cassandra.BucketSize;
import org.apache.pekko.persistence.cassandra.PluginSettings;
import org.apache.pekko.persistence.cassandra.journal.JournalSettings;
import org.apache.pekko.persistence.cassandra.journal.TimeBucket;
import org.apache.pekko.persistence.journal.Tagged;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Writes events to the plugin's messages table as conditional batches, each fenced by the static
 * column {@value #FENCE_COLUMN} of its partition.
 *
 * <p>That column contains the highest sequence number written to the partition, or null before the
 * first fenced write. A batch of sequence numbers {@code first..last} goes to partition {@code
 * (first - 1) / target-partition-size} and applies only if the column equals {@code first - 1},
 * or is null when {@code first} opens the partition; it then sets the column to {@code last}.
 * The column only grows, and a write needs its exact predecessor, so no sequence number can be
 * stored twice by fenced writes: the second writer of a sequence number always finds the column
 * at or above it.
 *
 * <p>Every event goes to the partition of its own sequence number. The plugin puts an
 * AtomicWrite that crosses a partition boundary wholly into the later partition. Here it is split
 * at the boundary into one batch per partition, and the plugin's reads accept both layouts.
 *
 * <p>Partitions written before fencing existed have a null column although they contain events. A
 * write that finds null (or a value below its predecessor, left by writes with fencing off) reads
 * the partition's highest sequence number, and if that is its predecessor, writes again on the
 * condition that the column still has the value it found.
 */
// NOTE: writes with fencing off, or by members still on the plain plugin during an upgrade, leave
// the column untouched, so they are not fenced. A fenced write that opens a partition where only
// such writes went succeeds on the null column even if that partition contains its sequence
// number already.
final class FencedWrites {

  /** The static column of the messages table that fences writes. */
  static final String FENCE_COLUMN = "highest_sequence_nr";

  private static final Logger log = LoggerFactory.getLogger(FencedWrites.class);

  private final Serialization serialization;
  private final CompletionStage<CqlSession> session;
  private final JournalSettings journal;
  private final BucketSize bucketSize;
  private CompletableFuture<Statements> preparedStatements;

  FencedWrites(ActorSystem system, PluginSettings settings, CompletionStage<CqlSession> session) {
    this.serialization = SerializationExtension.get(system);
    this.session = session;
    this.journal = settings.journalSettings();
    this.bucketSize = settings.eventsByTagSettings().bucketSize();
  }

  /**
   * Writes {@code events}, which all belong to one persistence id and follow each other, in
   * batches of at most max-message-batch-size events within one partition, one batch after the
   * other.
   */
  // NOTE: as in the plugin, an AtomicWrite larger than max-message-batch-size is not atomic. Here
  // one that crosses a partition boundary is not either: a failure between its two batches leaves
  // the first part stored.
  CompletionStage<Void> write(List<SerializedEvent> events) {
    return statements()
        .thenCompose(
            statements -> {
              CompletionStage<Void> result = registerPersistenceId(statements, events.get(0));
              for (Batch batch : batches(events)) {
                result = result.thenCompose(done -> writeBatch(statements, batch, batch.expectedHighest(), true));
              }
              return result;
            });
  }

  /** Returns the plugin's settings of this journal. */
  JournalSettings settings() {
    return journal;
  }

  long partitionNr(long sequenceNr) {
    return (sequenceNr - 1) / journal.targetPartitionSize();
  }

  private List<Batch> batches(List<SerializedEvent> events) {
    List<Batch> batches = new ArrayList<>();
    List<SerializedEvent> current = new ArrayList<>();
    for (SerializedEvent event : events) {
      boolean samePartition =
          current.isEmpty() || partitionNr(current.get(0).sequenceNr()) == partitionNr(event.sequenceNr());
      if (!samePartition || current.size() == journal.maxMessageBatchSize()) {
        batches.add(batch(current));
        current = new ArrayList<>();
      }
      current.add(event);
    }
    batches.add(batch(current));
    return batches;
  }

  private Batch batch(List<SerializedEvent> events) {
    long first = events.get(0).sequenceNr();
    long partitionNr = partitionNr(first);
    long previous = first - 1;
    Long expectedHighest = previous >= 1 && partitionNr(previous) == partitionNr ? previous : null;
    return new Batch(events.get(0).persistenceId(), partitionNr, List.copyOf(events), expectedHighest);
  }

  /** Adds the persistence id to the plugin's list of all ids with its first event, as the plugin does. */
  private CompletionStage<Void> registerPersistenceId(Statements statements, SerializedEvent first) {
    if (!journal.supportAllPersistenceIds() || first.sequenceNr() != 1L) {
      return CompletableFuture.completedFuture(null);
    }
    return execute(statements.insertPersistenceId().bind(first.persistenceId()), journal.writeProfile())
        .thenApply(rows -> null);
  }

  /**
   * Writes one batch on the condition that the partition's fence column equals {@code condition},
   * and resolves a failed condition: a retry of this same write that Cassandra had applied, or a
   * partition written before fencing existed (then, if {@code mayTakeOver}, it writes once more).
   */
  private CompletionStage<Void> writeBatch(
      Statements statements, Batch batch, Long condition, boolean mayTakeOver) {
    BatchStatementBuilder builder = BatchStatement.builder(BatchType.UNLOGGED);
    for (SerializedEvent event : batch.events()) {
      builder.addStatement(insert(statements, batch.partitionNr(), event));
    }
    builder.addStatement(
        statements.setFence().bind(batch.lastSequenceNr(), batch.persistenceId(), batch.partitionNr(), condition));
    BatchStatement statement = builder.setExecutionProfileName(journal.writeProfile()).build();
    return execute(statement, journal.writeProfile())
        .thenCompose(
            result -> {
              if (result.wasApplied()) {
                return CompletableFuture.completedFuture(null);
              }
              Long found = fenceValue(result.one());
              return resolveConflict(statements, batch, condition, found, mayTakeOver);
            });
  }

  private CompletionStage<Void> resolveConflict(
      Statements statements, Batch batch, Long condition, Long found, boolean mayTakeOver) {
    if (found != null && found == batch.lastSequenceNr()) {
      // The driver may have sent the write again after Cassandra applied it but before the reply.
      return storedByThisBatch(statements, batch)
          .thenCompose(ours -> ours ? CompletableFuture.completedFuture(null) : reject(batch, condition, found));
    }
    boolean unfencedPartition = condition != null && (found == null || found < condition);
    if (!mayTakeOver || !unfencedPartition) {
      return reject(batch, condition, found);
    }
    return highestInPartition(statements, batch)
        .thenCompose(
            highest -> {
              if (highest == null || highest.longValue() != condition) {
                return reject(batch, condition, found);
              }
              log.info(
                  "journal partition fenced from now on persistence_id={} partition_nr={} highest_sequence_nr={} fence_before={}",
                  batch.persistenceId(),
                  batch.partitionNr(),
                  highest,
                  found);
              return writeBatch(statements, batch, found, false);
            });
  }

  private CompletionStage<Void> reject(Batch batch, Long expected, Long found) {
    log.warn(
        "journal write rejected as stale persistence_id={} partition_nr={} first_sequence_nr={} last_sequence_nr={} expected_highest={} found_highest={} writer_uuid={}",
        batch.persistenceId(),
        batch.partitionNr(),
        batch.firstSequenceNr(),
        batch.lastSequenceNr(),
        expected,
        found,
        batch.events().get(0).writerUuid());
    return CompletableFuture.failedFuture(
        new StaleWriterException(
            batch.persistenceId(),
            batch.partitionNr(),
            batch.firstSequenceNr(),
            batch.lastSequenceNr(),
            expected,
            found));
  }

  /** Returns whether the row of the batch's last event carries that event's own time UUID. */
  private CompletionStage<Boolean> storedByThisBatch(Statements statements, Batch batch) {
    UUID ours = batch.events().get(batch.events().size() - 1).timeUuid();
    BoundStatement select =
        statements.selectTimestamps().bind(batch.persistenceId(), batch.partitionNr(), batch.lastSequenceNr());
    return execute(select, journal.readProfile())
        .thenApply(
            rows -> {
              for (Row row : rows.currentPage()) {
                if (ours.equals(row.getUuid("timestamp"))) {
                  return true;
                }
              }
              return false;
            });
  }

  private CompletionStage<Long> highestInPartition(Statements statements, Batch batch) {
    BoundStatement select = statements.selectHighest().bind(batch.persistenceId(), batch.partitionNr());
    return execute(select, journal.readProfile())
        .thenApply(
            rows -> {
              Row row = rows.one();
              return row == null || row.isNull("sequence_nr") ? null : row.getLong("sequence_nr");
            });
  }

  private static Long fenceValue(Row row) {
    if (row == null || !row.getColumnDefinitions().contains(FENCE_COLUMN) || row.isNull(FENCE_COLUMN)) {
      return null;
    }
    return row.getLong(FENCE_COLUMN);
  }

  BoundStatement insert(Statements statements, long partitionNr, SerializedEvent event) {
    PreparedStatement prepared = event.meta() == null ? statements.insert() : statements.insertWithMeta();
    BoundStatementBuilder bound =
        prepared
            .boundStatementBuilder()
            .setString("persistence_id", event.persistenceId())
            .setLong("partition_nr", partitionNr)
            .setLong("sequence_nr", event.sequenceNr())
            .setUuid("timestamp", event.timeUuid())
            .setString("timebucket", Long.toString(event.timeBucket()))
            .setString("writer_uuid", event.writerUuid())
            .setInt("ser_id", event.serializerId())
            .setString("ser_manifest", event.serializerManifest())
            .setString("event_manifest", event.eventAdapterManifest())
            .setByteBuffer("event", event.bytes())
            .setSet("tags", event.tags(), String.class);
    if (event.meta() != null) {
      bound =
          bound
              .setInt("meta_ser_id", event.meta().serializerId())
              .setString("meta_ser_manifest", event.meta().serializerManifest())
              .setByteBuffer("meta", event.meta().bytes());
    }
    return bound.build();
  }

  /**
   * Serializes the events of {@code atomicWrites}, on the journal actor's thread. Every event is
   * serialized before any is written, so a serialization failure throws and writes nothing.
   */
  List<SerializedEvent> serialize(List<AtomicWrite> atomicWrites) {
    List<SerializedEvent> events = new ArrayList<>();
    for (AtomicWrite atomicWrite : atomicWrites) {
      for (PersistentRepr repr : CollectionConverters.asJava(atomicWrite.payload())) {
        events.add(serialize(repr));
      }
    }
    return events;
  }

  private SerializedEvent serialize(PersistentRepr repr) {
    Object payload = repr.payload();
    Set<String> tags = Set.of();
    if (payload instanceof Tagged tagged) {
      payload = tagged.payload();
      tags = CollectionConverters.asJava(tagged.tags());
    }
    Serializer serializer = serialization.findSerializerFor(payload);
    String manifest = Serializers.manifestFor(serializer, payload);
    ByteBuffer bytes = ByteBuffer.wrap(serialization.serialize(payload).get());
    SerializedMeta meta = null;
    if (repr.metadata().isDefined()) {
      Object metadata = repr.metadata().get();
      Serializer metaSerializer = serialization.findSerializerFor(metadata);
      meta =
          new SerializedMeta(
              metaSerializer.identifier(),
              Serializers.manifestFor(metaSerializer, metadata),
              ByteBuffer.wrap(serialization.serialize(metadata).get()));
    }
    // The same clock for the time bucket as for the time UUID, as in the plugin.
    UUID timeUuid = Uuids.timeBased();
    return new SerializedEvent(
        repr.persistenceId(),
        repr.sequenceNr(),
        timeUuid,
        TimeBucket.apply(Uuids.unixTimestamp(timeUuid), bucketSize).key(),
        repr.writerUuid(),
        serializer.identifier(),
        manifest,
        repr.manifest(),
        bytes,
        tags,
        meta);
  }

  CompletionStage<AsyncResultSet> execute(Statement<?> statement, String profile) {
    return session.thenCompose(s -> s.executeAsync(statement.setExecutionProfileName(profile)));
  }

  /**
   * Prepares the statements on first use, and again after a failed preparation. Synchronized,
   * because new-entity writes call it from the driver's threads too.
   */
  synchronized CompletionStage<Statements> statements() {
    if (preparedStatements == null || preparedStatements.isCompletedExceptionally()) {
      String messages = journal.keyspace() + "." + journal.table();
      String allPersistenceIds = journal.keyspace() + "." + journal.allPersistenceIdsTable();
      String columns =
          "persistence_id, partition_nr, sequence_nr, timestamp, timebucket, writer_uuid, ser_id, ser_manifest,"
              + " event_manifest, event, tags";
      String insert = "INSERT INTO " + messages + " (" + columns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
      String insertWithMeta =
          "INSERT INTO " + messages + " (" + columns + ", meta_ser_id, meta_ser_manifest, meta)"
              + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
      String setFence =
          "UPDATE " + messages + " SET " + FENCE_COLUMN + " = ? WHERE persistence_id = ? AND partition_nr = ?"
              + " IF " + FENCE_COLUMN + " = ?";
      // Timestamp 1 for the fence of a new entity's first write, which is not a lightweight
      // transaction: every later conditional write of the column then wins over it, even when
      // the clock of the member that wrote it runs ahead of Cassandra's.
      String setFirstFence =
          "UPDATE " + messages + " USING TIMESTAMP 1 SET " + FENCE_COLUMN + " = ?"
              + " WHERE persistence_id = ? AND partition_nr = 0";
      String selectHighest =
          "SELECT sequence_nr FROM " + messages + " WHERE persistence_id = ? AND partition_nr = ?"
              + " ORDER BY sequence_nr DESC LIMIT 1";
      String selectTimestamps =
          "SELECT timestamp FROM " + messages + " WHERE persistence_id = ? AND partition_nr = ? AND sequence_nr = ?";
      String insertPersistenceId = "INSERT INTO " + allPersistenceIds + " (persistence_id) VALUES (?)";
      preparedStatements =
          session
              .thenCompose(
                  s -> {
                    List<CompletableFuture<PreparedStatement>> all =
                        List.of(
                            s.prepareAsync(insert).toCompletableFuture(),
                            s.prepareAsync(insertWithMeta).toCompletableFuture(),
                            s.prepareAsync(setFence).toCompletableFuture(),
                            s.prepareAsync(selectHighest).toCompletableFuture(),
                            s.prepareAsync(selectTimestamps).toCompletableFuture(),
                            s.prepareAsync(insertPersistenceId).toCompletableFuture(),
                            s.prepareAsync(setFirstFence).toCompletableFuture());
                    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                        .thenApply(
                            done ->
                                new Statements(
                                    all.get(0).join(),
                                    all.get(1).join(),
                                    all.get(2).join(),
                                    all.get(3).join(),
                                    all.get(4).join(),
                                    all.get(5).join(),
                                    all.get(6).join()));
                  })
              .toCompletableFuture();
    }
    return preparedStatements;
  }

  record Statements(
      PreparedStatement insert,
      PreparedStatement insertWithMeta,
      PreparedStatement setFence,
      PreparedStatement selectHighest,
      PreparedStatement selectTimestamps,
      PreparedStatement insertPersistenceId,
      PreparedStatement setFirstFence) {}

  /** Consecutive events of one persistence id that go to one partition in one conditional batch. */
  private record Batch(
      String persistenceId, long partitionNr, List<SerializedEvent> events, Long expectedHighest) {

    long firstSequenceNr() {
      return events.get(0).sequenceNr();
    }

    long lastSequenceNr() {
      return events.get(events.size() - 1).sequenceNr();
    }
  }

  record SerializedEvent(
      String persistenceId,
      long sequenceNr,
      UUID timeUuid,
      long timeBucket,
      String writerUuid,
      int serializerId,
      String serializerManifest,
      String eventAdapterManifest,
      ByteBuffer bytes,
      Set<String> tags,
      SerializedMeta meta) {}

  record SerializedMeta(int serializerId, String serializerManifest, ByteBuffer bytes) {}
}
