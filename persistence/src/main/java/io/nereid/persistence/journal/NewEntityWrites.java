package io.nereid.persistence.journal;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BatchType;
import io.nereid.persistence.journal.FencedWrites.SerializedEvent;
import io.nereid.persistence.journal.FencedWrites.Statements;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.persistence.cassandra.journal.JournalSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the first events of new entities of the listed types without a lightweight transaction,
 * the first events of several entities in one unlogged batch.
 *
 * <p>A fenced write costs Cassandra a round of Paxos, and a new entity's first write is where an
 * entity type that creates many entities, such as containers, spends most of it. The fence of a
 * first write protects nothing for a type whose sequence number 1 comes only from a command that
 * is sent once, to one incarnation: no other incarnation ever writes it. For such a type the first
 * write is a plain one. It still sets the partition's fence column, with the lowest timestamp, so
 * every later write of the entity is fenced as before.
 *
 * <p>While {@code max-in-flight} batches are under way, first writes queue, and the next batch
 * takes up to {@code max-entities} of them and {@code max-bytes} of event bytes. A failed batch
 * fails every write in it, and a write queued longer than {@code max-queue-time} fails unsent.
 */
// NOTE: an entity type may be listed here only if nothing but its create command persists in its
// empty state, and that command is never sent again. Two incarnations that both wrote sequence
// number 1 unfenced would both be stored.
final class NewEntityWrites {

  private static final Logger log = LoggerFactory.getLogger(NewEntityWrites.class);

  private final FencedWrites writes;
  private final Set<String> entityTypes;
  private final int maxEntities;
  private final int maxBytes;
  private final int maxInFlight;
  private final long maxQueueNanos;

  /** First writes that wait for a batch, in arrival order. Guarded by {@code this}. */
  private final Queue<Pending> queue = new ArrayDeque<>();
  /** Batches sent and not completed. Guarded by {@code this}. */
  private int inFlight;

  private record Pending(List<SerializedEvent> events, int bytes, long queuedAt, CompletableFuture<Void> done) {}

  NewEntityWrites(
      FencedWrites writes,
      Set<String> entityTypes,
      int maxEntities,
      int maxBytes,
      int maxInFlight,
      Duration maxQueueTime) {
    if (maxEntities < 1 || maxBytes < 1 || maxInFlight < 1 || maxQueueTime.isNegative()) {
      throw new IllegalArgumentException(
          "new-entity-writes: max-entities, max-bytes and max-in-flight must be positive, and max-queue-time must not be negative");
    }
    this.writes = writes;
    this.entityTypes = Set.copyOf(entityTypes);
    this.maxEntities = maxEntities;
    this.maxBytes = maxBytes;
    this.maxInFlight = maxInFlight;
    this.maxQueueNanos = maxQueueTime.toNanos();
  }

  /**
   * Returns whether {@code events} are the first events of an entity of a listed type, all in its
   * first partition, few enough for one batch of the plugin's size and within max-bytes. Larger
   * first writes go fenced, because Cassandra rejects a batch over several partitions above
   * batch_size_fail_threshold, but not a conditional batch in one partition.
   */
  boolean accepts(List<SerializedEvent> events) {
    if (entityTypes.isEmpty() || events.isEmpty() || events.get(0).sequenceNr() != 1L) {
      return false;
    }
    String persistenceId = events.get(0).persistenceId();
    int separator = persistenceId.indexOf('|');
    if (separator < 0 || !entityTypes.contains(persistenceId.substring(0, separator))) {
      return false;
    }
    SerializedEvent last = events.get(events.size() - 1);
    return events.size() <= writes.settings().maxMessageBatchSize()
        && writes.partitionNr(last.sequenceNr()) == 0
        && bytes(events) <= maxBytes;
  }

  private static int bytes(List<SerializedEvent> events) {
    int bytes = 0;
    for (SerializedEvent event : events) {
      bytes += event.bytes().remaining();
      if (event.meta() != null) {
        bytes += event.meta().bytes().remaining();
      }
    }
    return bytes;
  }

  /** Queues the first events of one entity, which {@link #accepts} took, and completes once they are stored. */
  CompletionStage<Void> write(List<SerializedEvent> events) {
    Pending pending = new Pending(List.copyOf(events), bytes(events), System.nanoTime(), new CompletableFuture<>());
    synchronized (this) {
      queue.add(pending);
    }
    sendReady();
    return pending.done();
  }

  /**
   * Sends queued writes in batches while fewer than max-in-flight batches are under way. A write
   * that waited longer than max-queue-time fails unsent, so that it cannot store a container
   * after its create has given up and undone the rest.
   */
  private void sendReady() {
    while (true) {
      List<Pending> batch = new ArrayList<>();
      List<Pending> expired = new ArrayList<>();
      synchronized (this) {
        long now = System.nanoTime();
        int bytes = 0;
        while (inFlight < maxInFlight
            && !queue.isEmpty()
            && batch.size() < maxEntities
            && (batch.isEmpty() || bytes + queue.peek().bytes() <= maxBytes)) {
          Pending next = queue.poll();
          if (now - next.queuedAt() > maxQueueNanos) {
            expired.add(next);
          } else {
            bytes += next.bytes();
            batch.add(next);
          }
        }
        if (!batch.isEmpty()) {
          inFlight++;
        }
      }
      failExpired(expired);
      if (batch.isEmpty()) {
        return;
      }
      send(batch);
    }
  }

  private void failExpired(List<Pending> expired) {
    if (expired.isEmpty()) {
      return;
    }
    List<String> persistenceIds = expired.stream().map(pending -> pending.events().get(0).persistenceId()).toList();
    log.warn(
        "journal write of new entities not sent, queued longer than max-queue-time persistence_ids={} max_queue_time_ms={}",
        persistenceIds,
        maxQueueNanos / 1_000_000);
    for (Pending pending : expired) {
      pending
          .done()
          .completeExceptionally(
              new TimeoutException("first write of " + pending.events().get(0).persistenceId() + " queued too long"));
    }
  }

  private void send(List<Pending> batch) {
    JournalSettings journal = writes.settings();
    writes
        .statements()
        .thenCompose(statements -> writes.execute(statement(statements, batch), journal.writeProfile()))
        .whenComplete(
            (result, error) -> {
              synchronized (this) {
                inFlight--;
              }
              if (error != null) {
                log.warn(
                    "journal write of new entities failed persistence_ids={} error={}",
                    batch.stream().map(pending -> pending.events().get(0).persistenceId()).toList(),
                    error.toString());
              }
              for (Pending pending : batch) {
                if (error == null) {
                  pending.done().complete(null);
                } else {
                  pending.done().completeExceptionally(error);
                }
              }
              sendReady();
            });
  }

  private BatchStatement statement(Statements statements, List<Pending> batch) {
    JournalSettings journal = writes.settings();
    BatchStatementBuilder builder = BatchStatement.builder(BatchType.UNLOGGED);
    for (Pending pending : batch) {
      SerializedEvent first = pending.events().get(0);
      SerializedEvent last = pending.events().get(pending.events().size() - 1);
      for (SerializedEvent event : pending.events()) {
        builder.addStatement(writes.insert(statements, 0, event));
      }
      builder.addStatement(statements.setFirstFence().bind(last.sequenceNr(), first.persistenceId()));
      if (journal.supportAllPersistenceIds()) {
        builder.addStatement(statements.insertPersistenceId().bind(first.persistenceId()));
      }
    }
    return builder.build();
  }
}
