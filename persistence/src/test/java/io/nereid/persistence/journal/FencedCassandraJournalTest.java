package io.nereid.persistence.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.nereid.persistence.CassandraSessions;
import io.nereid.persistence.testing.CassandraJournalConfig;
import io.nereid.persistence.testing.SharedCassandra;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs two incarnations of one entity, each in an ActorSystem of its own (as on two cluster
 * members), against the shared test Cassandra. Partitions of four events put partition boundaries
 * within reach.
 */
class FencedCassandraJournalTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static CqlSession session;

  private final List<ActorTestKit> kits = new ArrayList<>();

  @BeforeAll
  static void connect() {
    session =
        CassandraSessions.open(
            List.of(SharedCassandra.get().contactPoint()), "datacenter1", Duration.ofSeconds(10));
  }

  @AfterAll
  static void disconnect() {
    session.close();
  }

  @AfterEach
  void stopSystems() {
    kits.forEach(ActorTestKit::shutdownTestKit);
  }

  /** An entity whose state is every event it has, so its size is the highest sequence number. */
  static final class Ledger extends EventSourcedBehavior<Ledger.Append, String, List<String>> {

    record Append(List<String> events, ActorRef<Integer> replyTo) {}

    Ledger(String persistenceId) {
      super(PersistenceId.ofUniqueId(persistenceId));
    }

    @Override
    public List<String> emptyState() {
      return List.of();
    }

    @Override
    public CommandHandler<Append, String, List<String>> commandHandler() {
      return newCommandHandlerBuilder()
          .forAnyState()
          .onCommand(
              Append.class,
              (state, command) -> Effect().persist(command.events()).thenReply(command.replyTo(), List::size))
          .build();
    }

    @Override
    public EventHandler<List<String>, String> eventHandler() {
      return (state, event) -> {
        List<String> next = new ArrayList<>(state);
        next.add(event);
        return List.copyOf(next);
      };
    }
  }

  private Config journal(String label, String overrides) {
    return CassandraJournalConfig.freshKeyspaces(
        label,
        "pekko.actor.provider = local\n"
            + "pekko.persistence.cassandra.journal.target-partition-size = 4\n"
            + overrides);
  }

  private ActorTestKit member(String name, Config config) {
    ActorTestKit kit = ActorTestKit.create(name, config);
    kits.add(kit);
    return kit;
  }

  private static ActorRef<Ledger.Append> start(ActorTestKit kit, String persistenceId) {
    return kit.spawn(new Ledger(persistenceId));
  }

  /** Appends the events and returns the number of events the entity has then. */
  private static int append(ActorTestKit kit, ActorRef<Ledger.Append> entity, String... events) {
    TestProbe<Integer> reply = kit.createTestProbe();
    entity.tell(new Ledger.Append(List.of(events), reply.getRef()));
    return reply.receiveMessage(TIMEOUT);
  }

  /** Sends the events and expects the entity to stop on the persist failure, with no reply. */
  private static void appendRejected(ActorTestKit kit, ActorRef<Ledger.Append> entity, String... events) {
    TestProbe<Integer> reply = kit.createTestProbe();
    entity.tell(new Ledger.Append(List.of(events), reply.getRef()));
    reply.expectTerminated(entity, TIMEOUT);
    reply.expectNoMessage(Duration.ofMillis(200));
  }

  /** Returns "partition:sequence number" for each stored event of one persistence id, in order. */
  private static List<String> stored(Config config, String persistenceId) {
    String keyspace = config.getString("pekko.persistence.cassandra.journal.keyspace");
    List<String> rows = new ArrayList<>();
    for (long partition = 0; partition < 8; partition++) {
      for (Row row :
          session.execute(
              "SELECT sequence_nr FROM " + keyspace + ".messages"
                  + " WHERE persistence_id = ? AND partition_nr = ?",
              persistenceId,
              partition)) {
        if (!row.isNull("sequence_nr")) {
          rows.add(partition + ":" + row.getLong("sequence_nr"));
        }
      }
    }
    return rows;
  }

  private static Long fence(Config config, String persistenceId, long partition) {
    String keyspace = config.getString("pekko.persistence.cassandra.journal.keyspace");
    Row row =
        session
            .execute(
                "SELECT highest_sequence_nr FROM " + keyspace + ".messages"
                    + " WHERE persistence_id = ? AND partition_nr = ? LIMIT 1",
                persistenceId,
                partition)
            .one();
    return row == null || row.isNull(0) ? null : row.getLong(0);
  }

  @Test
  void staleIncarnationCannotWrite() {
    Config config = journal("fence_stale", "");
    ActorTestKit memberA = member("FenceA", config);
    ActorTestKit memberB = member("FenceB", config);

    ActorRef<Ledger.Append> onA = start(memberA, "ledger-1");
    assertEquals(2, append(memberA, onA, "a1", "a2"));

    // Member B takes the entity over while A's incarnation still runs.
    ActorRef<Ledger.Append> onB = start(memberB, "ledger-1");
    assertEquals(3, append(memberB, onB, "b3"));

    appendRejected(memberA, onA, "a3");
    assertEquals(List.of("0:1", "0:2", "0:3"), stored(config, "ledger-1"));

    // The current incarnation goes on, across the boundary of partitions 0 and 1.
    assertEquals(5, append(memberB, onB, "b4", "b5"));
    assertEquals(List.of("0:1", "0:2", "0:3", "0:4", "1:5"), stored(config, "ledger-1"));
    assertEquals(4L, fence(config, "ledger-1", 0));
    assertEquals(5L, fence(config, "ledger-1", 1));

    // A's entity, started again, recovers B's events and becomes the writer.
    ActorRef<Ledger.Append> againOnA = start(memberA, "ledger-1");
    assertEquals(6, append(memberA, againOnA, "a6"));
    appendRejected(memberB, onB, "b6");
    assertEquals(List.of("0:1", "0:2", "0:3", "0:4", "1:5", "1:6"), stored(config, "ledger-1"));
  }

  @Test
  void staleIncarnationCannotOpenPartition() {
    Config config = journal("fence_open", "");
    ActorTestKit memberA = member("FenceA", config);
    ActorTestKit memberB = member("FenceB", config);

    ActorRef<Ledger.Append> onA = start(memberA, "ledger-2");
    assertEquals(4, append(memberA, onA, "a1", "a2", "a3", "a4"));
    ActorRef<Ledger.Append> onB = start(memberB, "ledger-2");
    assertEquals(5, append(memberB, onB, "b5"));

    // Sequence number 5 opens partition 1, which B has written already.
    appendRejected(memberA, onA, "a5");
    assertEquals(List.of("0:1", "0:2", "0:3", "0:4", "1:5"), stored(config, "ledger-2"));
  }

  @Test
  void journalWithoutFenceStaysWritable() {
    Config unfenced = journal("fence_legacy", "pekko.persistence.cassandra.journal.fenced-writes = off\n");
    Config fenced =
        ConfigFactory.parseString("pekko.persistence.cassandra.journal.fenced-writes = on").withFallback(unfenced);
    ActorTestKit legacy = member("Legacy", unfenced);

    // The plugin's own writes: it puts events 3 to 5 all into partition 1, where 5 belongs.
    ActorRef<Ledger.Append> old = start(legacy, "ledger-3");
    assertEquals(2, append(legacy, old, "e1", "e2"));
    assertEquals(5, append(legacy, old, "e3", "e4", "e5"));
    assertEquals(List.of("0:1", "0:2", "1:3", "1:4", "1:5"), stored(unfenced, "ledger-3"));
    assertNull(fence(unfenced, "ledger-3", 1));
    legacy.stop(old, TIMEOUT);

    ActorTestKit current = member("Fenced", fenced);
    ActorRef<Ledger.Append> entity = start(current, "ledger-3");
    assertEquals(6, append(current, entity, "e6"));
    assertEquals(6L, fence(fenced, "ledger-3", 1));
    current.stop(entity, TIMEOUT);

    // Writes with fencing off again, then on: the column lags behind and is taken over once more.
    ActorRef<Ledger.Append> oldAgain = start(legacy, "ledger-3");
    assertEquals(7, append(legacy, oldAgain, "e7"));
    legacy.stop(oldAgain, TIMEOUT);
    ActorRef<Ledger.Append> entityAgain = start(current, "ledger-3");
    assertEquals(List.of("e1", "e2", "e3", "e4", "e5", "e6", "e7"), eventsOf(current, "ledger-3"));
    assertEquals(9, append(current, entityAgain, "e8", "e9"));
    assertEquals(
        List.of("0:1", "0:2", "1:3", "1:4", "1:5", "1:6", "1:7", "1:8", "2:9"), stored(fenced, "ledger-3"));
    assertEquals(8L, fence(fenced, "ledger-3", 1));
    assertEquals(9L, fence(fenced, "ledger-3", 2));
  }

  @Test
  void newEntitiesBatchFirstWrites() {
    Config config =
        journal(
            "fence_new",
            "pekko.persistence.cassandra.journal.new-entity-writes {\n"
                + "  entity-types = [Ledger]\n  max-entities = 3\n  max-bytes = 1KiB\n  max-in-flight = 2\n}\n");
    ActorTestKit memberA = member("NewA", config);
    ActorTestKit memberB = member("NewB", config);

    // Twenty new entities at once, so that first writes queue and share batches.
    TestProbe<Integer> replies = memberA.createTestProbe();
    List<ActorRef<Ledger.Append>> onA = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ActorRef<Ledger.Append> entity = start(memberA, "Ledger|" + i);
      onA.add(entity);
      entity.tell(new Ledger.Append(List.of("created " + i, "placed " + i), replies.getRef()));
    }
    for (int i = 0; i < 20; i++) {
      assertEquals(2, replies.receiveMessage(TIMEOUT));
    }
    for (int i = 0; i < 20; i++) {
      assertEquals(List.of("created " + i, "placed " + i), eventsOf(memberA, "Ledger|" + i));
      assertEquals(2L, fence(config, "Ledger|" + i, 0));
    }
    assertEquals(1L, fenceWriteTime(config, "Ledger|0"));
    assertTrue(persistenceIds(memberA).containsAll(List.of("Ledger|0", "Ledger|19")));

    // Later writes are fenced: B takes entity 0 over, and A's incarnation can no longer write.
    ActorRef<Ledger.Append> onB = start(memberB, "Ledger|0");
    assertEquals(3, append(memberB, onB, "b3"));
    assertEquals(3L, fence(config, "Ledger|0", 0));
    assertTrue(fenceWriteTime(config, "Ledger|0") > 1L);
    appendRejected(memberA, onA.get(0), "a3");
    assertEquals(List.of("0:1", "0:2", "0:3"), stored(config, "Ledger|0"));

    // An entity of another type still writes its first events fenced.
    ActorRef<Ledger.Append> other = start(memberA, "Other|1");
    assertEquals(1, append(memberA, other, "o1"));
    assertTrue(fenceWriteTime(config, "Other|1") > 1L);

    // So do first events above max-bytes, which could exceed the size limit of a batch.
    ActorRef<Ledger.Append> large = start(memberA, "Ledger|large");
    assertEquals(1, append(memberA, large, "x".repeat(2048)));
    assertTrue(fenceWriteTime(config, "Ledger|large") > 1L);
  }

  @Test
  void firstWriteQueuedTooLongFailsUnsent() {
    Config config =
        journal(
            "fence_queue",
            "pekko.persistence.cassandra.journal.new-entity-writes {\n"
                + "  entity-types = [Ledger]\n  max-entities = 1\n  max-in-flight = 1\n  max-queue-time = 1ms\n}\n");
    ActorTestKit member = member("Queue", config);

    // One batch at a time and one entity per batch: the first write goes at once, later ones wait.
    TestProbe<Integer> replies = member.createTestProbe();
    for (int i = 0; i < 20; i++) {
      start(member, "Ledger|q" + i).tell(new Ledger.Append(List.of("created " + i), replies.getRef()));
    }
    List<Integer> sizes = new ArrayList<>();
    while (sizes.size() < 20) {
      try {
        sizes.add(replies.receiveMessage(Duration.ofSeconds(5)));
      } catch (AssertionError noMoreReplies) {
        break;
      }
    }
    int answered = sizes.size();
    assertTrue(sizes.stream().allMatch(size -> size == 1), sizes.toString());
    int stored = 0;
    for (int i = 0; i < 20; i++) {
      stored += stored(config, "Ledger|q" + i).size();
    }
    assertTrue(answered >= 1, "no first write was stored");
    assertTrue(answered < 20, "no first write waited longer than max-queue-time");
    assertEquals(answered, stored);
  }

  private static long fenceWriteTime(Config config, String persistenceId) {
    String keyspace = config.getString("pekko.persistence.cassandra.journal.keyspace");
    return session
        .execute(
            "SELECT WRITETIME(highest_sequence_nr) FROM " + keyspace + ".messages"
                + " WHERE persistence_id = ? AND partition_nr = 0 LIMIT 1",
            persistenceId)
        .one()
        .getLong(0);
  }

  private static List<String> persistenceIds(ActorTestKit kit) {
    return PersistenceQuery.get(kit.system())
        .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier())
        .currentPersistenceIds()
        .runWith(Sink.seq(), kit.system())
        .toCompletableFuture()
        .join();
  }

  /** Returns the events of one persistence id as the plugin's query side reads them. */
  private static List<String> eventsOf(ActorTestKit kit, String persistenceId) {
    return PersistenceQuery.get(kit.system())
        .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier())
        .currentEventsByPersistenceId(persistenceId, 0, Long.MAX_VALUE)
        .map(envelope -> (String) envelope.event())
        .runWith(Sink.seq(), kit.system())
        .toCompletableFuture()
        .join();
  }
}
