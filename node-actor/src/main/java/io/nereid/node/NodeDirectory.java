package io.nereid.node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Finds every compute node the cluster has ever registered and reads each one's current state
 * from its entity.
 *
 * <p>The node ids come from the journal's list of persistence ids, so the answer survives a
 * restart of the whole cluster. NOTE: that list covers every entity type, so the cost grows with
 * the number of containers too; the scheduler keeps its own per-pool view for the hot path.
 */
public final class NodeDirectory {

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final CassandraReadJournal readJournal;

  public NodeDirectory(ActorSystem<?> system, ClusterSharding sharding, Duration askTimeout) {
    this.system = system;
    this.sharding = sharding;
    this.askTimeout = askTimeout;
    this.readJournal =
        PersistenceQuery.get(system)
            .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
  }

  /** Returns the ids of all nodes, sorted. */
  public CompletionStage<List<String>> nodeIds() {
    String prefix = ComputeNode.TYPE_KEY.name() + PersistenceId.DefaultSeparator();
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

  /** Returns the state of one node; an unknown id yields an unregistered state. */
  public CompletionStage<ComputeNode.State> node(String nodeId) {
    return sharding
        .entityRefFor(ComputeNode.TYPE_KEY, nodeId)
        .ask(ComputeNode.Get::new, askTimeout);
  }

  /** Returns the states of all registered nodes, sorted by id. */
  public CompletionStage<List<ComputeNode.State>> nodes() {
    return nodeIds()
        .thenCompose(
            ids -> {
              List<CompletableFuture<ComputeNode.State>> asks = new ArrayList<>();
              for (String id : ids) {
                asks.add(node(id).toCompletableFuture());
              }
              return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
                  .thenApply(
                      done ->
                          asks.stream()
                              .map(CompletableFuture::join)
                              .filter(state -> state.status() != NodeStatus.UNREGISTERED)
                              .toList());
            });
  }
}
