package io.nereid.entity;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Lists the ids of every entity of one type that has ever persisted an event, from the journal's
 * list of persistence ids, so the list survives a restart of the whole cluster.
 *
 * <p>NOTE: the journal lists the ids of all entity types together, so the cost of one call grows
 * with the number of entities of every type.
 */
public final class EntityIds {

  private final ActorSystem<?> system;
  private final CassandraReadJournal readJournal;

  public EntityIds(ActorSystem<?> system) {
    this.system = system;
    this.readJournal =
        PersistenceQuery.get(system)
            .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
  }

  /** Returns the ids of the entities whose type key is named {@code typeName}, sorted. */
  public CompletionStage<List<String>> of(String typeName) {
    String prefix = typeName + PersistenceId.DefaultSeparator();
    return readJournal
        .currentPersistenceIds()
        .filter(id -> id.startsWith(prefix))
        .map(id -> id.substring(prefix.length()))
        .runWith(Sink.seq(), system)
        .thenApply(
            ids -> {
              List<String> sorted = new ArrayList<>(ids);
              sorted.sort(Comparator.naturalOrder());
              return sorted;
            });
  }

  /**
   * Completes with true when the entity has persisted an event, without starting it: asking an
   * entity that never existed would start an empty one.
   */
  public CompletionStage<Boolean> exists(String typeName, String id) {
    String persistenceId = typeName + PersistenceId.DefaultSeparator() + id;
    return readJournal
        .currentEventsByPersistenceId(persistenceId, 0L, Long.MAX_VALUE)
        .take(1)
        .runWith(Sink.headOption(), system)
        .thenApply(Optional::isPresent);
  }

  /** Returns the journal the ids come from, for reading an entity's events. */
  public CassandraReadJournal readJournal() {
    return readJournal;
  }
}
