package io.nereid.scheduler;

import io.nereid.account.Account;
import io.nereid.agent.NodeAgent;
import io.nereid.agent.NodeAgents;
import io.nereid.container.Container;
import io.nereid.container.ContainerStatus;
import io.nereid.container.PlacementRecord;
import io.nereid.node.ComputeNode;
import io.nereid.runtime.ExitStatus;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves one container off a node that is lost or drained, through the pool's normal reservation
 * protocol, so that it keeps its id and name.
 *
 * <p>A container whose restart policy asks for a restart and whose desired state is running is
 * reserved on another node, moved there on its entity ({@link Container.Move}, which fences the old
 * node), removed from the old node's agent when that agent replies, started by the new node's
 * agent, and only then released on the old node. On a lost node the other containers are marked
 * exited and keep their reservation. On a drained node they are stopped and moved without
 * starting, so nothing stays on the node.
 *
 * <p>Every step is idempotent and the old node's reservation goes last, so a relocation
 * interrupted by a crash is found again from that reservation and finished: a container already
 * moved is only finished, and the scheduler returns the reservation it already made for a
 * container instead of reserving twice.
 */
final class ContainerRelocation {

  private static final Logger log = LoggerFactory.getLogger(ContainerRelocation.class);

  /** The reason the container leaves its node. */
  enum Cause {
    LOST,
    DRAINED
  }

  /**
   * The result of one relocation.
   *
   * @param nodeId the node the container is on afterwards
   */
  record Outcome(String containerId, String nodeId, String description) {}

  private final ClusterSharding sharding;
  private final NodeAgents agents;
  private final String pool;
  private final Duration askTimeout;
  private final Duration agentTimeout;

  /**
   * @param agentTimeout how long a node agent may take to start, stop or remove a container
   */
  ContainerRelocation(
      ClusterSharding sharding,
      NodeAgents agents,
      String pool,
      Duration askTimeout,
      Duration agentTimeout) {
    this.sharding = sharding;
    this.agents = agents;
    this.pool = pool;
    this.askTimeout = askTimeout;
    this.agentTimeout = agentTimeout;
  }

  /** Moves, stops or marks the container that has a reservation on {@code fromNode}. */
  CompletionStage<Outcome> relocate(String containerId, String fromNode, Cause cause) {
    return sharding
        .entityRefFor(Container.TYPE_KEY, containerId)
        .ask(Container.Get::new, askTimeout)
        .thenCompose(state -> relocate(state, fromNode, cause));
  }

  private CompletionStage<Outcome> relocate(Container.State state, String fromNode, Cause cause) {
    String id = state.containerId();
    if (state.status() == ContainerStatus.NEW) {
      return done(id, fromNode, "kept: no container entity owns the reservation");
    }
    if (state.status() == ContainerStatus.REMOVED) {
      return release(id, fromNode).thenApply(released -> new Outcome(id, "", "released: removed"));
    }
    if (!state.nodeId().equals(fromNode)) {
      return finish(state, fromNode);
    }
    CompletionStage<Container.State> settled =
        cause == Cause.LOST ? markLost(state, fromNode) : stopUnlessRestarted(state, fromNode);
    return settled.thenCompose(
        current -> {
          if (cause == Cause.LOST && !restarts(current)) {
            return done(id, fromNode, "marked exited on the lost node");
          }
          return place(current, fromNode)
              .thenCompose(record -> containerAsk(id, replyTo -> new Container.Move(record, fromNode, replyTo)))
              .thenCompose(moved -> finish(moved, fromNode));
        });
  }

  /** Returns whether the container runs again elsewhere: its policy restarts and it is wanted running. */
  private static boolean restarts(Container.State state) {
    return state.desired() == Container.DesiredState.RUNNING
        && state.spec().restartPolicy().isRestartable();
  }

  /**
   * Records that the container's process was lost with its node. The entity applies the restart
   * policy as for any exit, so the desired state stays running only when the policy restarts.
   */
  private CompletionStage<Container.State> markLost(Container.State state, String fromNode) {
    if (!state.isRunning()) {
      return CompletableFuture.completedFuture(state);
    }
    return containerAsk(
        state.containerId(),
        replyTo -> new Container.ReportExited(fromNode, ExitStatus.UNKNOWN_EXIT_CODE, false, replyTo));
  }

  /** Stops a running container on a drained node, unless it is to run again elsewhere. */
  private CompletionStage<Container.State> stopUnlessRestarted(Container.State state, String fromNode) {
    if (restarts(state) || !state.isRunning()) {
      return CompletableFuture.completedFuture(state);
    }
    String id = state.containerId();
    Integer configured = state.spec().stopTimeoutSeconds();
    int timeout = configured == null ? 10 : configured;
    return containerAsk(id, Container.RequestStop::new)
        .thenCompose(
            stopping ->
                agents
                    .ask(
                        fromNode,
                        replyTo -> new NodeAgent.Stop(id, state.spec().stopSignal(), timeout, replyTo),
                        agentTimeout)
                    .handle((done, error) -> warnIfFailed(error, "stop", id, fromNode)))
        .thenCompose(
            ignored -> sharding.entityRefFor(Container.TYPE_KEY, id).ask(Container.Get::new, askTimeout));
  }

  private CompletionStage<PlacementRecord> place(Container.State state, String fromNode) {
    PlacementSpec spec = PlacementSpec.of(state);
    return sharding
        .entityRefFor(PoolScheduler.TYPE_KEY, pool)
        .askWithStatus(replyTo -> new PoolScheduler.Place(spec, fromNode, replyTo), askTimeout);
  }

  /**
   * Finishes a container already moved off {@code fromNode}: removes it there, starts it on its
   * new node when it is wanted running, then releases the old reservation. When the start fails
   * the old reservation stays, so the next pass over the node tries the start again.
   */
  private CompletionStage<Outcome> finish(Container.State moved, String fromNode) {
    String id = moved.containerId();
    return agents
        .ask(fromNode, replyTo -> new NodeAgent.Remove(id, replyTo), agentTimeout)
        .handle((done, error) -> warnIfFailed(error, "remove", id, fromNode))
        .thenCompose(removed -> startIfWanted(moved))
        .thenCompose(
            started -> {
              if (!started) {
                return CompletableFuture.completedFuture(
                    new Outcome(id, moved.nodeId(), "moved, start failed; the old reservation stays"));
              }
              return release(id, fromNode)
                  .thenCompose(
                      released ->
                          recordSummary(id)
                              .handle((recorded, error) -> warnIfFailed(error, "list", id, moved.nodeId())))
                  .thenApply(recorded -> new Outcome(id, moved.nodeId(), "moved"));
            });
  }

  private CompletionStage<Boolean> startIfWanted(Container.State moved) {
    boolean wanted =
        moved.desired() == Container.DesiredState.RUNNING && !moved.isRunning();
    if (!wanted) {
      return CompletableFuture.completedFuture(true);
    }
    String id = moved.containerId();
    return agents
        .ask(moved.nodeId(), replyTo -> new NodeAgent.Start(id, moved.spec(), replyTo), agentTimeout)
        .handle((done, error) -> warnIfFailed(error, "start", id, moved.nodeId()) == null);
  }

  private CompletionStage<Done> release(String containerId, String nodeId) {
    return sharding
        .entityRefFor(ComputeNode.TYPE_KEY, nodeId)
        .askWithStatus(replyTo -> new ComputeNode.Release(containerId, replyTo), askTimeout);
  }

  /** Keeps the account's listing in step with the container's new node. */
  private CompletionStage<Done> recordSummary(String containerId) {
    return sharding
        .entityRefFor(Container.TYPE_KEY, containerId)
        .ask(Container.Get::new, askTimeout)
        .thenCompose(
            state ->
                sharding
                    .entityRefFor(Account.TYPE_KEY, state.account())
                    .<Done>askWithStatus(
                        replyTo ->
                            new Account.RecordContainer(Account.ContainerSummary.of(state), replyTo),
                        askTimeout));
  }

  private CompletionStage<Container.State> containerAsk(
      String containerId, Function<ActorRef<StatusReply<Container.State>>, Container.Command> command) {
    return sharding.entityRefFor(Container.TYPE_KEY, containerId).askWithStatus(command::apply, askTimeout);
  }

  private static CompletionStage<Outcome> done(String containerId, String nodeId, String description) {
    return CompletableFuture.completedFuture(new Outcome(containerId, nodeId, description));
  }

  /** Logs a failed step that the relocation continues past; returns the error's cause. */
  private static Throwable warnIfFailed(Throwable error, String action, String containerId, String nodeId) {
    if (error == null) {
      return null;
    }
    Throwable cause = error;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    log.warn(
        "relocation step failed action={} container_id={} node_id={} error={}",
        action,
        containerId,
        nodeId,
        cause.getMessage());
    return cause;
  }
}
