package io.nereid.node;

import io.nereid.entity.EntityIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Finds every compute node the cluster has ever registered and reads each one's current state
 * from its entity.
 *
 * <p>The node ids come from the journal (see {@link EntityIds}), so the answer survives a restart
 * of the whole cluster; the scheduler keeps its own per-pool view for the hot path.
 */
public final class NodeDirectory {

  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final EntityIds entityIds;

  public NodeDirectory(ActorSystem<?> system, ClusterSharding sharding, Duration askTimeout) {
    this.sharding = sharding;
    this.askTimeout = askTimeout;
    this.entityIds = new EntityIds(system);
  }

  /** Returns the ids of all nodes, sorted. */
  public CompletionStage<List<String>> nodeIds() {
    return entityIds.of(ComputeNode.TYPE_KEY.name());
  }

  /**
   * Returns the state of one node; an unknown id yields an unregistered state, and its entity is
   * not started.
   */
  public CompletionStage<ComputeNode.State> node(String nodeId) {
    return entityIds
        .exists(ComputeNode.TYPE_KEY.name(), nodeId)
        .thenCompose(
            known ->
                known
                    ? state(nodeId)
                    : CompletableFuture.completedFuture(ComputeNode.State.unregistered(nodeId)));
  }

  private CompletionStage<ComputeNode.State> state(String nodeId) {
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
                asks.add(state(id).toCompletableFuture());
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
