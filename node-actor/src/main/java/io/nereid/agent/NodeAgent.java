package io.nereid.agent;

import io.nereid.account.Account;
import io.nereid.container.Container;
import io.nereid.container.ContainerSpec;
import io.nereid.container.ContainerStatus;
import io.nereid.node.ComputeNode;
import io.nereid.node.NodeMonitor;
import io.nereid.node.Resources;
import io.nereid.persistence.CborSerializable;
import io.nereid.runtime.ContainerInfo;
import io.nereid.runtime.ContainerRuntime;
import io.nereid.runtime.ContainerState;
import io.nereid.runtime.ExitStatus;
import io.nereid.runtime.LogEntry;
import io.nereid.runtime.NetworkMode;
import io.nereid.runtime.NoSuchContainerException;
import io.nereid.runtime.RuntimeSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent of one compute node: it runs the containers placed on the node through a {@link
 * ContainerRuntime} and reports what happens to each container's entity. Runtime calls return
 * futures whose results come back as messages, so the actor never blocks.
 *
 * <p>The agent registers with the receptionist under {@link #serviceKey(String)}, so any member
 * can find the agent of a node. At start it adopts the containers the runtime still runs and
 * watches their exits.
 */
public final class NodeAgent {

  private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);
  /** Docker's wait between the stop signal and SIGKILL when the container sets none. */
  private static final int DEFAULT_STOP_SECONDS = 10;
  private static final Duration RECONCILE_RETRY = Duration.ofSeconds(5);

  public interface Command {}

  /** Runs a container; replies once it runs and its start is recorded. */
  public record Start(String containerId, ContainerSpec spec, ActorRef<StatusReply<Done>> replyTo)
      implements Command, CborSerializable {}

  /**
   * Stops a container with its stop signal, then SIGKILL after the timeout; replies once the
   * exit is recorded.
   */
  public record Stop(String containerId, String signal, int timeoutSeconds, ActorRef<StatusReply<Done>> replyTo)
      implements Command, CborSerializable {}

  /** Sends a signal to a container's main process; replies Done. */
  public record Kill(String containerId, String signal, ActorRef<StatusReply<Done>> replyTo)
      implements Command, CborSerializable {}

  /** Removes a container's process, bundle and logs, killing it if it runs; replies Done. */
  public record Remove(String containerId, ActorRef<StatusReply<Done>> replyTo)
      implements Command, CborSerializable {}

  /** Replies with the container's log lines, oldest first. */
  public record Logs(String containerId, ActorRef<StatusReply<LogLines>> replyTo)
      implements Command, CborSerializable {}

  /** Log lines of one container; {@code stderr} tells the two streams apart. */
  public record LogLines(List<Line> lines) implements CborSerializable {
    public record Line(boolean stderr, Instant time, String text) implements CborSerializable {}
  }

  private record Reply(ActorRef<StatusReply<Done>> replyTo, Throwable error)
      implements Command, NoSerializationVerificationNeeded {}

  private record Exited(String containerId, ExitStatus status)
      implements Command, NoSerializationVerificationNeeded {}

  /**
   * Compares the runtime's containers with what the control plane expects of this node and settles
   * the difference. The agent sends it to itself at start, and its heartbeat after the node comes
   * back from lost.
   */
  public record Reconcile() implements Command, NoSerializationVerificationNeeded {}

  /**
   * How the agent keeps its node alive in the control plane.
   *
   * @param member the address of the cluster member the agent runs on
   * @param inventory the node's registration. When empty, the agent registers again with the
   *     values its node's entity already contains, as the virtual nodes of dev mode do.
   */
  public record Liveness(
      ActorRef<NodeMonitor.Command> monitor, String member, Optional<Inventory> inventory, Duration interval) {}

  /** Brings an image into the node's image store before a container starts from it. */
  @FunctionalInterface
  public interface ImageSource {
    /** An image source for nodes whose images are only loaded, never pulled. */
    ImageSource LOADED_ONLY = image -> CompletableFuture.completedFuture(null);

    /** Completes once {@code image} is in the store, pulling it first when it is missing. */
    CompletionStage<Void> ensure(String image);
  }

  /** The pool, capacity and labels a node registers with. */
  public record Inventory(String pool, Resources capacity, Map<String, String> labels) {}

  /** The runtime's containers and the ids of the containers holding a reservation on this node. */
  private record Adopted(List<ContainerInfo> containers, Set<String> reserved, Throwable error)
      implements Command, NoSerializationVerificationNeeded {}

  private record Reconciled(String containerId, String outcome, Throwable error)
      implements Command, NoSerializationVerificationNeeded {}

  /** The restart policy asked for a restart, and its back-off delay has passed. */
  private record RestartDue(Container.State state, boolean delayed)
      implements Command, NoSerializationVerificationNeeded {
    RestartDue(Container.State state) {
      this(state, false);
    }
  }

  private record Restarted(String containerId, Throwable error)
      implements Command, NoSerializationVerificationNeeded {}

  public static ServiceKey<Command> serviceKey(String nodeId) {
    return ServiceKey.create(Command.class, "node-agent-" + nodeId);
  }

  /**
   * Creates an agent without heartbeats, for nodes that no {@link NodeMonitor} watches, that
   * never pulls images.
   */
  public static Behavior<Command> create(
      String nodeId, ContainerRuntime runtime, ClusterSharding sharding, Duration askTimeout) {
    return create(nodeId, runtime, sharding, askTimeout, Optional.empty(), ImageSource.LOADED_ONLY);
  }

  /**
   * Creates an agent that registers its node and sends heartbeats as {@code liveness} sets, and
   * gets each container's image from {@code images} before it starts.
   */
  public static Behavior<Command> create(
      String nodeId,
      ContainerRuntime runtime,
      ClusterSharding sharding,
      Duration askTimeout,
      Optional<Liveness> liveness,
      ImageSource images) {
    return Behaviors.setup(
        context -> {
          context
              .getSystem()
              .receptionist()
              .tell(Receptionist.register(serviceKey(nodeId), context.getSelf()));
          liveness.ifPresent(
              value ->
                  context.spawn(
                      NodeHeartbeat.create(
                          nodeId,
                          value,
                          sharding.entityRefFor(ComputeNode.TYPE_KEY, nodeId),
                          askTimeout,
                          context.getSelf()),
                      "heartbeat"));
          context.getSelf().tell(new Reconcile());
          log.info("node agent started node_id={} runtime={}", nodeId, runtime.getClass().getSimpleName());
          return new NodeAgent(context, nodeId, runtime, sharding, askTimeout, images).behavior();
        });
  }

  private final ActorContext<Command> context;
  private final String nodeId;
  private final ContainerRuntime runtime;
  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final ImageSource images;
  /** Containers whose exit is awaited, so that no exit is watched, reported or restarted twice. */
  private final Set<String> watched = new HashSet<>();

  private NodeAgent(
      ActorContext<Command> context,
      String nodeId,
      ContainerRuntime runtime,
      ClusterSharding sharding,
      Duration askTimeout,
      ImageSource images) {
    this.images = images;
    this.context = context;
    this.nodeId = nodeId;
    this.runtime = runtime;
    this.sharding = sharding;
    this.askTimeout = askTimeout;
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Start.class, this::onStart)
        .onMessage(Stop.class, this::onStop)
        .onMessage(Remove.class, this::onRemove)
        .onMessage(Kill.class, this::onKill)
        .onMessage(Logs.class, this::onLogs)
        .onMessage(Reply.class, this::onReply)
        .onMessage(Exited.class, this::onExited)
        .onMessage(Reconcile.class, this::onReconcile)
        .onMessage(Adopted.class, this::onAdopted)
        .onMessage(Reconciled.class, this::onReconciled)
        .onMessage(RestartDue.class, this::onRestartDue)
        .onMessage(Restarted.class, this::onRestarted)
        .build();
  }

  private Behavior<Command> onStart(Start command) {
    String id = command.containerId();
    ContainerSpec spec = command.spec();
    RuntimeSpec runtimeSpec;
    try {
      runtimeSpec = runtimeSpec(id, spec);
    } catch (IllegalArgumentException e) {
      command.replyTo().tell(StatusReply.error(e.getMessage()));
      return Behaviors.same();
    }
    log.info("container starting node_id={} container_id={} image={}", nodeId, id, spec.image());
    // A container started again after an exit still has its old runtime state, which the
    // runtime keeps one of per id. NOTE: removing it also drops the earlier run's logs, which
    // Docker would keep.
    var started =
        images
            .ensure(spec.image())
            .thenCompose(present -> runtime.remove(id, true).exceptionally(error -> null))
            .thenCompose(removed -> runtime.run(runtimeSpec))
            .thenCompose(info -> reportStarted(id));
    context.pipeToSelf(started, (state, error) -> new Reply(command.replyTo(), error));
    return Behaviors.same();
  }

  private static RuntimeSpec runtimeSpec(String id, ContainerSpec spec) {
    List<String> args = new java.util.ArrayList<>(spec.entrypoint());
    args.addAll(spec.cmd());
    return RuntimeSpec.fromImage(id, spec.image())
        .args(args)
        .env(spec.env())
        .workingDir(spec.workingDir())
        .user(spec.user())
        .hostname(spec.hostname().isEmpty() ? id.substring(0, 12) : spec.hostname())
        .memoryBytes(spec.memoryBytes())
        .nanoCpus(spec.nanoCpus())
        .cpuShares(spec.cpuShares())
        .readOnlyRootfs(spec.readOnlyRootfs())
        .networkMode(NetworkMode.parse(spec.networkMode()))
        .build();
  }

  /**
   * Runs the container again after its restart policy asked for it: the old process's state is
   * removed first, because the runtime keeps one container per id.
   */
  private Behavior<Command> onRestartDue(RestartDue due) {
    Container.State state = due.state();
    if (!due.delayed()) {
      context.scheduleOnce(
          restartDelay(state.restartCount()), context.getSelf(), new RestartDue(state, true));
      return Behaviors.same();
    }
    String id = state.containerId();
    log.info(
        "container restarting node_id={} container_id={} restart_count={}",
        nodeId,
        id,
        state.restartCount());
    // The user may have stopped or removed the container during the back-off delay.
    var restarted =
        sharding
            .entityRefFor(Container.TYPE_KEY, id)
            .ask(Container.Get::new, askTimeout)
            .thenCompose(
                current -> {
                  if (current.desired() != Container.DesiredState.RUNNING
                      || current.status() != io.nereid.container.ContainerStatus.EXITED) {
                    return java.util.concurrent.CompletableFuture.completedFuture(current);
                  }
                  return runtime
                      .remove(id, true)
                      .exceptionally(error -> null)
                      .thenCompose(removed -> runtime.run(runtimeSpec(id, state.spec())))
                      .thenCompose(info -> reportStarted(id));
                });
    context.pipeToSelf(restarted, (started, error) -> new Restarted(id, error));
    return Behaviors.same();
  }

  private Behavior<Command> onRestarted(Restarted restarted) {
    if (restarted.error() != null) {
      log.warn(
          "container restart failed node_id={} container_id={} error={}",
          nodeId,
          restarted.containerId(),
          unwrap(restarted.error()).getMessage());
    }
    return Behaviors.same();
  }

  /**
   * Records a start on the container. When the container rejects it, as after a concurrent
   * remove, the process must not keep running unaccounted for, so it is removed again.
   */
  private java.util.concurrent.CompletionStage<Container.State> reportStarted(String id) {
    watchExit(id);
    return containerAsk(id, replyTo -> new Container.ReportStarted(nodeId, replyTo))
        .exceptionallyCompose(
            error ->
                runtime
                    .remove(id, true)
                    .handle((removed, ignored) -> (Container.State) null)
                    .thenCompose(
                        ignored -> java.util.concurrent.CompletableFuture.<Container.State>failedFuture(error)))
        .thenCompose(this::recordSummary);
  }

  /**
   * Returns the delay before a restart: 100 ms doubled for each restart in a row, at most 10 s,
   * as Docker backs off a container that keeps failing.
   */
  static Duration restartDelay(int restartCount) {
    long millis = 100L << Math.min(Math.max(restartCount - 1, 0), 7);
    return Duration.ofMillis(Math.min(millis, 10_000));
  }

  private Behavior<Command> onStop(Stop command) {
    String id = command.containerId();
    log.info("container stopping node_id={} container_id={} signal={}", nodeId, id, command.signal());
    var stopped =
        runtime
            .stop(id, command.signal(), Duration.ofSeconds(command.timeoutSeconds()))
            .thenCompose(status -> reportExit(id, status));
    context.pipeToSelf(stopped, (state, error) -> new Reply(command.replyTo(), ignoreMissing(error)));
    return Behaviors.same();
  }

  private Behavior<Command> onKill(Kill command) {
    log.info(
        "container signalled node_id={} container_id={} signal={}",
        nodeId,
        command.containerId(),
        command.signal());
    context.pipeToSelf(
        runtime.kill(command.containerId(), command.signal()),
        (done, error) -> new Reply(command.replyTo(), error));
    return Behaviors.same();
  }

  private Behavior<Command> onRemove(Remove command) {
    log.info("container removing node_id={} container_id={}", nodeId, command.containerId());
    context.pipeToSelf(
        runtime.remove(command.containerId(), true),
        (done, error) -> new Reply(command.replyTo(), ignoreMissing(error)));
    return Behaviors.same();
  }

  private Behavior<Command> onLogs(Logs command) {
    runtime
        .logs(command.containerId())
        .whenComplete(
            (entries, error) -> {
              if (error != null) {
                command.replyTo().tell(StatusReply.error(unwrap(error).getMessage()));
                return;
              }
              List<LogLines.Line> lines =
                  entries.stream()
                      .map(
                          (LogEntry entry) ->
                              new LogLines.Line(
                                  entry.stream() == LogEntry.Stream.STDERR, entry.time(), entry.line()))
                      .toList();
              command.replyTo().tell(StatusReply.success(new LogLines(lines)));
            });
    return Behaviors.same();
  }

  private Behavior<Command> onReply(Reply reply) {
    if (reply.error() == null) {
      reply.replyTo().tell(StatusReply.ack());
    } else {
      Throwable cause = unwrap(reply.error());
      log.info("node agent request failed node_id={} error={}", nodeId, cause.getMessage());
      reply.replyTo().tell(StatusReply.error(String.valueOf(cause.getMessage())));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onExited(Exited exited) {
    watched.remove(exited.containerId());
    log.info(
        "container exited node_id={} container_id={} exit_code={} oom_killed={}",
        nodeId,
        exited.containerId(),
        exited.status().exitCode(),
        exited.status().oomKilled());
    context.pipeToSelf(
        reportExit(exited.containerId(), exited.status()),
        (state, error) -> {
          boolean restart =
              error == null
                  && state.status() == io.nereid.container.ContainerStatus.EXITED
                  && state.desired() == Container.DesiredState.RUNNING;
          return restart ? new RestartDue(state) : new Restarted(exited.containerId(), error);
        });
    return Behaviors.same();
  }

  private Behavior<Command> onReconcile(Reconcile reconcile) {
    CompletionStage<Set<String>> reserved =
        sharding
            .entityRefFor(ComputeNode.TYPE_KEY, nodeId)
            .ask(ComputeNode.Get::new, askTimeout)
            .thenApply(state -> state.reservations().keySet());
    context.pipeToSelf(
        runtime.list().thenCombine(reserved, (containers, ids) -> new Adopted(containers, ids, null)),
        (adopted, error) -> error == null ? adopted : new Adopted(List.of(), Set.of(), error));
    return Behaviors.same();
  }

  /**
   * Settles each container of the runtime against its entity, and reports as exited every
   * container whose entity records it running here but that the runtime no longer has. Nothing is started
   * here: a container runs again only through a start or its restart policy.
   */
  private Behavior<Command> onAdopted(Adopted adopted) {
    if (adopted.error() != null) {
      // Right after the member joins, the node's entity may not be reachable yet.
      log.warn(
          "node agent could not reconcile, retrying in {} node_id={} error={}",
          RECONCILE_RETRY,
          nodeId,
          unwrap(adopted.error()).toString());
      context.scheduleOnce(RECONCILE_RETRY, context.getSelf(), new Reconcile());
      return Behaviors.same();
    }
    Set<String> inRuntime = new HashSet<>();
    for (ContainerInfo info : adopted.containers()) {
      inRuntime.add(info.id());
      watchExit(info.id());
      context.pipeToSelf(
          reconcile(info), (outcome, error) -> new Reconciled(info.id(), outcome, error));
    }
    for (String id : adopted.reserved()) {
      if (!inRuntime.contains(id)) {
        context.pipeToSelf(reconcileMissing(id), (outcome, error) -> new Reconciled(id, outcome, error));
      }
    }
    log.info(
        "node agent reconciling node_id={} runtime_containers={} reserved_containers={}",
        nodeId,
        adopted.containers().size(),
        adopted.reserved().size());
    return Behaviors.same();
  }

  private CompletionStage<String> reconcile(ContainerInfo info) {
    String id = info.id();
    boolean alive = info.state() == ContainerState.RUNNING || info.state() == ContainerState.PAUSED;
    return sharding
        .entityRefFor(Container.TYPE_KEY, id)
        .ask(Container.Get::new, askTimeout)
        .thenCompose(
            entity -> {
              if (entity.status() == ContainerStatus.NEW
                  || entity.status() == ContainerStatus.REMOVED
                  || !entity.nodeId().equals(nodeId)) {
                // Removed, or placed elsewhere after this node was lost: this copy must not run.
                String reason =
                    entity.nodeId().equals(nodeId)
                        ? "its record is " + entity.status().name().toLowerCase()
                        : "it is placed on node " + entity.nodeId();
                return runtime.remove(id, true).thenApply(done -> "removed, " + reason);
              }
              if (!alive) {
                return CompletableFuture.completedFuture("exited while the agent was away");
              }
              if (entity.desired() != Container.DesiredState.RUNNING) {
                Integer timeout = entity.spec().stopTimeoutSeconds();
                return runtime
                    .stop(id, entity.spec().stopSignal(), Duration.ofSeconds(timeout == null ? DEFAULT_STOP_SECONDS : timeout))
                    .thenApply(status -> "stopped, it is not wanted running");
              }
              if (entity.isRunning()) {
                return CompletableFuture.completedFuture("adopted pid=" + info.pid());
              }
              return reportStarted(id).thenApply(state -> "adopted and reported started pid=" + info.pid());
            });
  }

  /** Reports the exit of a container the entity thinks runs here but the runtime lost. */
  private CompletionStage<String> reconcileMissing(String id) {
    return sharding
        .entityRefFor(Container.TYPE_KEY, id)
        .ask(Container.Get::new, askTimeout)
        .thenApply(
            entity -> {
              if (!entity.isRunning() || !entity.nodeId().equals(nodeId)) {
                return "nothing to do, the runtime does not hold it";
              }
              context
                  .getSelf()
                  .tell(new Exited(id, new ExitStatus(ExitStatus.UNKNOWN_EXIT_CODE, false, Instant.now())));
              return "reported exited, the runtime does not hold it";
            });
  }

  private Behavior<Command> onReconciled(Reconciled reconciled) {
    if (reconciled.error() != null) {
      log.warn(
          "container reconciliation failed node_id={} container_id={} error={}",
          nodeId,
          reconciled.containerId(),
          unwrap(reconciled.error()).toString());
    } else {
      log.info(
          "container reconciled node_id={} container_id={} outcome={}",
          nodeId,
          reconciled.containerId(),
          reconciled.outcome());
    }
    return Behaviors.same();
  }

  private void watchExit(String containerId) {
    if (!watched.add(containerId)) {
      return;
    }
    context.pipeToSelf(
        runtime.onExit(containerId),
        (status, error) ->
            new Exited(
                containerId,
                error == null ? status : new ExitStatus(ExitStatus.UNKNOWN_EXIT_CODE, false, Instant.now())));
  }

  /**
   * Records an exit on the container and in its account's listing; a repeated report of the same
   * exit changes nothing.
   */
  private java.util.concurrent.CompletionStage<Container.State> reportExit(String containerId, ExitStatus status) {
    return containerAsk(
            containerId,
            replyTo -> new Container.ReportExited(nodeId, status.exitCode(), status.oomKilled(), replyTo))
        .thenCompose(this::recordSummary);
  }

  /** Keeps the account's container listing in step with the container's new state. */
  private java.util.concurrent.CompletionStage<Container.State> recordSummary(Container.State state) {
    return sharding
        .entityRefFor(Account.TYPE_KEY, state.account())
        .<Done>askWithStatus(
            replyTo -> new Account.RecordContainer(Account.ContainerSummary.of(state), replyTo),
            askTimeout)
        .thenApply(done -> state);
  }

  private java.util.concurrent.CompletionStage<Container.State> containerAsk(
      String containerId,
      java.util.function.Function<ActorRef<StatusReply<Container.State>>, Container.Command> command) {
    return sharding.entityRefFor(Container.TYPE_KEY, containerId).askWithStatus(command::apply, askTimeout);
  }

  private static Throwable ignoreMissing(Throwable error) {
    return error != null && unwrap(error) instanceof NoSuchContainerException ? null : error;
  }

  private static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
