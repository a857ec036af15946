package io.nereid.persistence.journal;

import com.typesafe.config.Config;
import io.nereid.persistence.journal.FencedWrites.SerializedEvent;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.cassandra.PluginSettings;
import org.apache.pekko.persistence.cassandra.journal.CassandraJournal;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;
import scala.jdk.javaapi.FutureConverters;
import scala.runtime.BoxedUnit;
import scala.util.Try;

/**
 * The journal of pekko-persistence-cassandra 1.1 with fenced writes: an incarnation of an entity
 * that is not the latest one cannot add events. Replay, queries and the table layout stay the
 * plugin's own, so journals written by the plugin keep working in both directions.
 *
 * <p>The plugin stores a second event under a sequence number that exists already, because the
 * clustering key of its messages table includes a time-based UUID. A member that was paused
 * longer than the failure detector can still send such a write for an entity that another member
 * has taken over. Here every write is a Cassandra lightweight transaction, see {@link
 * FencedWrites}, and a write whose condition fails completes with {@link StaleWriterException},
 * so the entity gets a persist failure and stops.
 *
 * <p>The first write of a new entity whose type is listed in {@code
 * new-entity-writes.entity-types} is a plain one, batched with those of other new entities, see
 * {@link NewEntityWrites}.
 *
 * <p>Configured as the journal's {@code class}; {@code fenced-writes = off} in the journal's
 * section switches back to the plugin's own unconditional writes.
 */
// NOTE: this extends an internal class of pekko-persistence-cassandra (marked InternalStableApi,
// extended by the plugin's multi-DC journal), so a plugin upgrade must be checked against its
// write path: FencedWrites repeats the plugin 1.1.0 insert statement and serialization.
public class FencedCassandraJournal extends CassandraJournal {

  private static final Logger log = LoggerFactory.getLogger(FencedCassandraJournal.class);

  private final FencedWrites writes;
  private final NewEntityWrites newEntityWrites;
  /** Writes not yet completed, by persistence id, so that a recovery of that id waits for them. */
  private final Map<String, CompletableFuture<Void>> writesInProgress = new ConcurrentHashMap<>();

  public FencedCassandraJournal(Config config, String configPath) {
    super(config, configPath);
    if (config.getBoolean("fenced-writes")) {
      // The plugin's shared settings sit one level above the journal's own section.
      String sharedConfigPath = configPath.replaceAll("\\.journal$", "");
      Config sharedConfig = context().system().settings().config().getConfig(sharedConfigPath);
      writes =
          new FencedWrites(
              context().system(),
              new PluginSettings(context().system(), sharedConfig),
              CassandraSessionRegistry.get(context().system()).sessionFor(sharedConfigPath).underlying());
      newEntityWrites = newEntityWrites(writes, config);
    } else {
      writes = null;
      newEntityWrites = null;
    }
    log.info(
        "journal started config_path={} fenced_writes={} unfenced_first_writes={}",
        configPath,
        writes != null,
        newEntityWrites == null ? "[]" : config.getStringList("new-entity-writes.entity-types"));
  }

  private static NewEntityWrites newEntityWrites(FencedWrites writes, Config config) {
    if (!config.hasPath("new-entity-writes")) {
      return null;
    }
    Config section = config.getConfig("new-entity-writes");
    return new NewEntityWrites(
        writes,
        Set.copyOf(section.getStringList("entity-types")),
        section.getInt("max-entities"),
        (int) section.getBytes("max-bytes").longValue(),
        section.getInt("max-in-flight"),
        section.getDuration("max-queue-time"));
  }

  @Override
  public scala.concurrent.Future<Seq<Try<BoxedUnit>>> asyncWriteMessages(Seq<AtomicWrite> messages) {
    if (writes == null) {
      return super.asyncWriteMessages(messages);
    }
    List<AtomicWrite> atomicWrites = CollectionConverters.asJava(messages);
    String persistenceId = atomicWrites.get(0).persistenceId();
    CompletableFuture<Void> result;
    try {
      List<SerializedEvent> events = writes.serialize(atomicWrites);
      if (newEntityWrites != null && newEntityWrites.accepts(events)) {
        result = newEntityWrites.write(events).toCompletableFuture();
      } else {
        result = writes.write(events).toCompletableFuture();
      }
    } catch (RuntimeException e) {
      // A serialization failure of one event fails the whole write, as in the plugin.
      result = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Void> inProgress = result;
    writesInProgress.put(persistenceId, inProgress);
    inProgress.whenComplete((done, error) -> writesInProgress.remove(persistenceId, inProgress));
    // An empty result means that every AtomicWrite succeeded.
    CompletionStage<Seq<Try<BoxedUnit>>> allSucceeded =
        inProgress.thenApply(done -> CollectionConverters.asScala(List.<Try<BoxedUnit>>of()).toList());
    return FutureConverters.asScala(allSucceeded);
  }

  /**
   * Reads the highest sequence number once the writes in progress for {@code persistenceId} have
   * completed, so that an entity restarted on this member after a failed or slow write recovers
   * what that write stored.
   */
  @Override
  public scala.concurrent.Future<Object> asyncReadHighestSequenceNr(
      String persistenceId, long fromSequenceNr) {
    CompletableFuture<Void> inProgress = writesInProgress.get(persistenceId);
    if (inProgress == null) {
      return super.asyncReadHighestSequenceNr(persistenceId, fromSequenceNr);
    }
    CompletionStage<Object> highest =
        inProgress
            .handle((done, error) -> null)
            .thenCompose(
                ignored ->
                    FutureConverters.asJava(super.asyncReadHighestSequenceNr(persistenceId, fromSequenceNr)));
    return FutureConverters.asScala(highest);
  }
}
