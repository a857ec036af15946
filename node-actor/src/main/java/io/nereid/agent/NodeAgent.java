package io.nereid.agent;

import io.nereid.account.Account;
import io.nereid.container.Container;
import io.nereid.container.ContainerSpec;
import io.nereid.container.ContainerStatus;
import io.nereid.node.ComputeNode;
import io.nereid.node.NodeMonitor;
import io.nereid.node.Resources;
import io.nereid.persistence.CborSerializable;
import io.nereid.node.ComputeNode;
import io.nereid.runtime.ContainerInfo;
import io.nereid.runtime.ExecRequest;
import io.nereid.runtime.OutputListener;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Source;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.SinkRef;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.util.ByteString;
import io.nereid.runtime.ContainerRuntime;
import io.nereid.runtime.ContainerState;
import io.nereid.runtime.ExitStatus;
import io.nereid.runtime.LogEntry;
import io.nereid.runtime.NetworkMode;
import io.nereid.runtime.NoSuchContainerException;
import io.nereid.runtime.ProcessTable;
import io.nereid.runtime.ResourceUsage;
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
 * watches their exits, except those whose entity no longer wants them running on this node
 * (moved away while the node was lost, or stopped), which it removes.
 */
public final class NodeAgent {

  private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);
  /** Docker's wait between the stop signal and SIGKILL when the container sets none. */
  private static final int DEFAULT_STOP_SECONDS = 10;
  private static final int SIGKILL = 9;
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

  /** Freezes a container's processes and records the pause on its entity; replies Done. */
  public record Pause(String containerId, ActorRef<StatusReply<Done>> replyTo)
      implements Command, CborSerializable {}

  /** Thaws a paused container and records it on its entity; replies Done. */
  public record Unpause(String containerId, ActorRef<StatusReply<Done>> replyTo)
      implements Command, CborSerializable {}

  /** Removes a container's process, bundle and logs, killing it if it runs; replies Done. */
  public record Remove(String containerId, ActorRef<StatusReply<Done>> replyTo)
      implements Command, CborSerializable {}

  /**
   * Replies with the container's log lines, oldest first; with {@code stdoutAfter} or
   * {@code stderrAfter}, only the lines of that stream written after that time. The times of
   * one stream's lines are strictly increasing, so a follower can ask for what is new.
   */
  public record Logs(
      String containerId, Instant stdoutAfter, Instant stderrAfter, ActorRef<StatusReply<LogLines>> replyTo)
      implements Command, CborSerializable {

    /** Asks for every line. */
    public Logs(String containerId, ActorRef<StatusReply<LogLines>> replyTo) {
      this(containerId, null, null, replyTo);
    }

    /** Returns true for a line written after the time given for its stream, if any. */
    boolean wants(LogEntry entry) {
      Instant after = entry.stream() == LogEntry.Stream.STDERR ? stderrAfter : stdoutAfter;
      return after == null || entry.time().isAfter(after);
    }
  }

  /**
   * Attaches to a container's output from now on, and to its stdin when {@code withStdin};
   * replies with the streams. A container that is not running yet streams from its next start.
   * With {@code closeStdinAtEnd}, the container's stdin closes when this client's stdin ends.
   */
  public record Attach(
      String containerId,
      boolean withStdin,
      boolean closeStdinAtEnd,
      ActorRef<StatusReply<Attached>> replyTo)
      implements Command, CborSerializable {}

  /** Applies new limits to a running container; replies Done. */
  public record UpdateLimits(
      String containerId, long memoryBytes, long nanoCpus, long cpuShares, ActorRef<StatusReply<Done>> replyTo)
      implements Command, CborSerializable {}

  /** Replies with one sample of a running container's resource use. */
  public record Stats(String containerId, ActorRef<StatusReply<ResourceUsage>> replyTo)
      implements Command, CborSerializable {}

  /** Replies with a running container's processes as {@code ps} with {@code psArgs} lists them. */
  public record Top(String containerId, List<String> psArgs, ActorRef<StatusReply<ProcessTable>> replyTo)
      implements Command, CborSerializable {}

  /** Replies with the runtime's view of a container: its state and main process ID. */
  public record Describe(String containerId, ActorRef<StatusReply<RuntimeView>> replyTo)
      implements Command, CborSerializable {}

  /**
   * @param state the runtime state in lower case: running, paused or stopped
   * @param pid the main process's ID on the node; 0 once it has exited
   */
  public record RuntimeView(String state, long pid) implements CborSerializable {}
  /**
   * The streams of an attached client: the output, which ends when the container exits, and
   * the stdin, null unless asked for.
   */
  public record Attached(SourceRef<OutputChunk> output, SinkRef<ByteString> input)
      implements CborSerializable {}

  /**
   * Starts a process in a running container, as {@code docker exec} does, with a pipe as its
   * stdin when {@code withStdin}; replies with its streams once it runs. Its stdin closes when
   * the client's stdin ends, and the last chunk of its output carries the exit code.
   */
  public record Exec(
      String containerId,
      List<String> cmd,
      List<String> env,
      String user,
      String workingDir,
      boolean withStdin,
      ActorRef<StatusReply<Attached>> replyTo)
      implements Command, CborSerializable {}

  /**
   * Bytes a container or an exec'd process wrote to stdout, or to stderr when {@code stderr}.
   * The last chunk of an exec's output has no bytes and the process's exit code; every other
   * chunk has a null {@code exitCode}.
   */
  public record OutputChunk(boolean stderr, byte[] bytes, Integer exitCode) implements CborSerializable {}

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

  private record ExitedForRemoval(Container.State state)
      implements Command, NoSerializationVerificationNeeded {}

  private record AutoRemoved(String containerId, Throwable error)
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
    return create(
        nodeId, runtime, sharding, askTimeout, Optional.empty(), ImageSource.LOADED_ONLY, SignalObserver.NONE);
  }

  /**
   * Creates an agent that registers its node and sends heartbeats as {@code liveness} sets, gets
   * each container's image from {@code images} before it starts, and reports to {@code signals}
   * the SIGKILL that ends a stop whose timeout expired.
   */
  public static Behavior<Command> create(
      String nodeId,
      ContainerRuntime runtime,
      ClusterSharding sharding,
      Duration askTimeout,
      Optional<Liveness> liveness,
      ImageSource images,
      SignalObserver signals) {
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
          return new NodeAgent(context, nodeId, runtime, sharding, askTimeout, images, signals).behavior();
        });
  }

  private final ActorContext<Command> context;
  private final String nodeId;
  private final ContainerRuntime runtime;
  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final Map<String, AttachHub> hubs = new HashMap<>();
  private final ImageSource images;
  private final SignalObserver signals;
  /** Containers whose exit is awaited, so that no exit is watched, reported or restarted twice. */
  private final Set<String> watched = new HashSet<>();

  private NodeAgent(
      ActorContext<Command> context,
      String nodeId,
      ContainerRuntime runtime,
      ClusterSharding sharding,
      Duration askTimeout,
      ImageSource images,
      SignalObserver signals) {
    this.images = images;
    this.signals = signals;
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
        .onMessage(Pause.class, this::onPause)
        .onMessage(Unpause.class, this::onUnpause)
        .onMessage(Logs.class, this::onLogs)
        .onMessage(Describe.class, this::onDescribe)
        .onMessage(UpdateLimits.class, this::onUpdateLimits)
        .onMessage(Stats.class, command -> replyWhenDone(runtime.stats(command.containerId()), command.replyTo()))
        .onMessage(
            Top.class,
            command -> replyWhenDone(runtime.top(command.containerId(), command.psArgs()), command.replyTo()))
        .onMessage(Reply.class, this::onReply)
        .onMessage(Exited.class, this::onExited)
        .onMessage(Reconcile.class, this::onReconcile)
        .onMessage(Adopted.class, this::onAdopted)
        .onMessage(Reconciled.class, this::onReconciled)
        .onMessage(RestartDue.class, this::onRestartDue)
        .onMessage(Restarted.class, this::onRestarted)
        .onMessage(Attach.class, this::onAttach)
        .onMessage(Exec.class, this::onExec)
        .onMessage(AutoRemoved.class, this::onAutoRemoved)
        .onMessage(
            ExitedForRemoval.class,
            exited -> {
              autoRemove(exited.state());
              return Behaviors.same();
            })
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
    AttachHub hub = hub(id);
    var started =
        images
            .ensure(spec.image())
            .thenCompose(present -> run(id, runtimeSpec, hub))
            .thenCompose(info -> reportStarted(id));
    context.pipeToSelf(
        started,
        (state, error) -> {
          if (error != null && spec.autoRemove()) {
            // As with Docker, a container that asked for AutoRemove goes when it cannot start,
            // so a client waiting for its removal returns.
            removeAfterFailedStart(id);
          }
          return new Reply(command.replyTo(), error);
        });
    return Behaviors.same();
  }

  private void removeAfterFailedStart(String id) {
    context.pipeToSelf(
        sharding.entityRefFor(Container.TYPE_KEY, id).ask(Container.Get::new, askTimeout),
        (state, error) -> error == null ? new ExitedForRemoval(state) : new AutoRemoved(id, error));
  }

  /**
   * Runs the container with its attached clients listening. A container started again after an
   * exit still has its old runtime state, which the runtime keeps one of per id, so that goes
   * first. NOTE: removing it also drops the earlier run's logs, which Docker would keep.
   * A container that still runs is kept as it is.
   */
  private CompletionStage<Void> run(String id, RuntimeSpec spec, AttachHub hub) {
    CompletionStage<Void> ran;
    if (stillRuns(id)) {
      // Kept as it is, as when it was moved back to this node while the node was thought lost.
      // Starting it again would run it twice, and the old exit report would race the new start.
      log.info("container already running, kept node_id={} container_id={}", nodeId, id);
      ran = CompletableFuture.completedFuture(null);
    } else {
      ran =
          runtime
              .remove(id, true)
              .exceptionally(error -> null)
              .thenCompose(removed -> runtime.run(spec, hub))
              .thenApply(info -> null);
    }
    return ran.thenApply(
        done -> {
          hub.started();
          return null;
        });
  }

  /** Returns true while the runtime has a process of the container that has not exited. */
  private boolean stillRuns(String id) {
    CompletableFuture<ExitStatus> exit = runtime.onExit(id).toCompletableFuture();
    return !exit.isDone();
  }

  private AttachHub hub(String containerId) {
    return hubs.computeIfAbsent(containerId, AttachHub::new);
  }

  private static RuntimeSpec runtimeSpec(String id, ContainerSpec spec) {
    return RuntimeSpec.fromImage(id, spec.image())
        .args(spec.command())
        .env(spec.env())
        .workingDir(spec.workingDir())
        .user(spec.user())
        .hostname(spec.hostname().isEmpty() ? id.substring(0, 12) : spec.hostname())
        .memoryBytes(spec.memoryBytes())
        .nanoCpus(spec.nanoCpus())
        .cpuShares(spec.cpuShares())
        .readOnlyRootfs(spec.readOnlyRootfs())
        .networkMode(NetworkMode.parse(spec.networkMode()))
        .openStdin(spec.openStdin())
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
    AttachHub hub = hub(id);
    var restarted =
        sharding
            .entityRefFor(Container.TYPE_KEY, id)
            .ask(Container.Get::new, askTimeout)
            .thenCompose(
                current -> {
                  // A container moved to another node meanwhile must not run here again.
                  if (current.desired() != Container.DesiredState.RUNNING
                      || current.status() != io.nereid.container.ContainerStatus.EXITED
                      || !current.nodeId().equals(nodeId)) {
                    return java.util.concurrent.CompletableFuture.completedFuture(current);
                  }
                  return run(id, runtimeSpec(id, state.spec()), hub).thenCompose(info -> reportStarted(id));
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
    // The state is read now, so that the kill event goes out before the exit is reported.
    CompletionStage<Container.State> before =
        sharding.entityRefFor(Container.TYPE_KEY, id).ask(Container.Get::new, askTimeout);
    var stopped =
        runtime
            .stop(id, command.signal(), Duration.ofSeconds(command.timeoutSeconds()), () -> killSent(id, before))
            .exceptionallyCompose(error -> exitOfMissing(id, error))
            .thenCompose(status -> reportExit(id, status));
    context.pipeToSelf(stopped, (state, error) -> new Reply(command.replyTo(), error));
    return Behaviors.same();
  }

  /** Reports to the signal observer the SIGKILL that a stop sends once its timeout expired. */
  private void killSent(String id, CompletionStage<Container.State> before) {
    Instant at = Instant.now();
    before.whenComplete(
        (state, error) -> {
          if (error != null) {
            log.warn(
                "kill event not published node_id={} container_id={} error={}",
                nodeId,
                id,
                unwrap(error).toString());
            return;
          }
          signals.signalSent(state, SIGKILL, at);
        });
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

  private Behavior<Command> onPause(Pause command) {
    String id = command.containerId();
    log.info("container pausing node_id={} container_id={}", nodeId, id);
    var paused =
        runtime
            .pause(id)
            .thenCompose(done -> containerAsk(id, replyTo -> new Container.ReportPaused(nodeId, replyTo)))
            .thenCompose(this::recordSummary);
    context.pipeToSelf(paused, (state, error) -> new Reply(command.replyTo(), error));
    return Behaviors.same();
  }

  private Behavior<Command> onUnpause(Unpause command) {
    String id = command.containerId();
    log.info("container unpausing node_id={} container_id={}", nodeId, id);
    var unpaused =
        runtime
            .unpause(id)
            .thenCompose(done -> containerAsk(id, replyTo -> new Container.ReportUnpaused(nodeId, replyTo)))
            .thenCompose(this::recordSummary);
    context.pipeToSelf(unpaused, (state, error) -> new Reply(command.replyTo(), error));
    return Behaviors.same();
  }

  private Behavior<Command> onRemove(Remove command) {
    log.info("container removing node_id={} container_id={}", nodeId, command.containerId());
    forgetHub(command.containerId());
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
                      .filter(command::wants)
                      .map(
                          (LogEntry entry) ->
                              new LogLines.Line(
                                  entry.stream() == LogEntry.Stream.STDERR, entry.time(), entry.line()))
                      .toList();
              command.replyTo().tell(StatusReply.success(new LogLines(lines)));
            });
    return Behaviors.same();
  }

  /** Replies with the stage's value once it completes; the actor goes on at once. */
  private <T> Behavior<Command> replyWhenDone(
      java.util.concurrent.CompletionStage<T> stage, ActorRef<StatusReply<T>> replyTo) {
    stage.whenComplete(
        (value, error) ->
            replyTo.tell(
                error == null
                    ? StatusReply.success(value)
                    : StatusReply.error(String.valueOf(unwrap(error).getMessage()))));
    return Behaviors.same();
  }

  private Behavior<Command> onUpdateLimits(UpdateLimits command) {
    log.info(
        "container limits updating node_id={} container_id={} memory={} nano_cpus={} cpu_shares={}",
        nodeId,
        command.containerId(),
        command.memoryBytes(),
        command.nanoCpus(),
        command.cpuShares());
    context.pipeToSelf(
        runtime.updateLimits(command.containerId(), command.memoryBytes(), command.nanoCpus(), command.cpuShares()),
        (done, error) -> new Reply(command.replyTo(), error));
    return Behaviors.same();
  }

  private Behavior<Command> onDescribe(Describe command) {
    runtime
        .list()
        .whenComplete(
            (containers, error) -> {
              if (error != null) {
                command.replyTo().tell(StatusReply.error(unwrap(error).getMessage()));
                return;
              }
              StatusReply<RuntimeView> reply =
                  containers.stream()
                      .filter(info -> info.id().equals(command.containerId()))
                      .findFirst()
                      .map(info -> StatusReply.success(new RuntimeView(info.state().name().toLowerCase(), info.pid())))
                      .orElseGet(() -> StatusReply.error("no such container on node " + nodeId + ": " + command.containerId()));
              command.replyTo().tell(reply);
            });
    return Behaviors.same();
  }

  private Behavior<Command> onAttach(Attach command) {
    String id = command.containerId();
    AttachHub hub = hub(id);
    ActorSystem<?> system = context.getSystem();
    SourceRef<OutputChunk> output = hub.attach(system).runWith(StreamRefs.sourceRef(), system);
    SinkRef<ByteString> input = null;
    if (command.withStdin()) {
      input =
          stdin(
              id,
              bytes -> hub.whenRunning().thenCompose(running -> runtime.writeStdin(id, bytes)),
              command.closeStdinAtEnd()
                  ? () -> hub.whenRunning().thenCompose(running -> runtime.closeStdin(id))
                  : null);
    }
    log.info("client attached node_id={} container_id={} stdin={}", nodeId, id, command.withStdin());
    command.replyTo().tell(StatusReply.success(new Attached(output, input)));
    return Behaviors.same();
  }

  /**
   * Returns the stdin stream of an attached client, which {@code write} passes on in order; when
   * it ends, {@code close} runs, unless it is null.
   */
  private SinkRef<ByteString> stdin(
      String containerId,
      Function<byte[], CompletionStage<Void>> write,
      Supplier<CompletionStage<Void>> close) {
    Sink<ByteString, CompletionStage<Done>> writer = Sink.foreachAsync(1, bytes -> write.apply(bytes.toArray()));
    Pair<SinkRef<ByteString>, CompletionStage<Done>> stdin =
        StreamRefs.<ByteString>sinkRef().toMat(writer, Keep.both()).run(context.getSystem());
    stdin
        .second()
        .whenComplete(
            (done, error) -> {
              if (error != null) {
                log.info(
                    "attached stdin ended node_id={} container_id={} error={}",
                    nodeId,
                    containerId,
                    unwrap(error).getMessage());
              } else if (close != null) {
                close.get();
              }
            });
    return stdin.first();
  }

  /**
   * Starts the exec'd process; the reply and the streams are set up from the runtime's future,
   * not in the actor, which only starts the work.
   */
  private Behavior<Command> onExec(Exec command) {
    String id = command.containerId();
    ExecRequest request;
    try {
      request = new ExecRequest(command.cmd(), command.env(), command.user(), command.workingDir(), null);
    } catch (IllegalArgumentException e) {
      command.replyTo().tell(StatusReply.error(e.getMessage()));
      return Behaviors.same();
    }
    ActorSystem<?> system = context.getSystem();
    Pair<BoundedSourceQueue<OutputChunk>, Source<OutputChunk, NotUsed>> output =
        Source.<OutputChunk>queue(AttachHub.BUFFERED_CHUNKS).preMaterialize(system);
    BoundedSourceQueue<OutputChunk> queue = output.first();
    OutputListener listener =
        new OutputListener() {
          @Override
          public void output(LogEntry.Stream stream, byte[] bytes) {
            AttachHub.offer(queue, new OutputChunk(stream == LogEntry.Stream.STDERR, bytes, null), id);
          }

          @Override
          public void ended() {
            // The exit code follows as the last chunk.
          }
        };
    log.info("exec starting node_id={} container_id={} command={}", nodeId, id, command.cmd().get(0));
    runtime
        .startExec(id, request, command.withStdin(), listener)
        .whenComplete(
            (process, error) -> {
              if (error != null) {
                AttachHub.complete(queue);
                command.replyTo().tell(StatusReply.error(String.valueOf(unwrap(error).getMessage())));
                return;
              }
              process
                  .exit()
                  .whenComplete(
                      (code, failure) -> {
                        int exitCode = failure == null ? code : ExitStatus.UNKNOWN_EXIT_CODE;
                        AttachHub.offer(queue, new OutputChunk(false, new byte[0], exitCode), id);
                        AttachHub.complete(queue);
                        log.info("exec exited node_id={} container_id={} exit_code={}", nodeId, id, exitCode);
                      });
              SinkRef<ByteString> input =
                  command.withStdin() ? stdin(id, process::writeStdin, process::closeStdin) : null;
              SourceRef<OutputChunk> source = output.second().runWith(StreamRefs.sourceRef(), system);
              command.replyTo().tell(StatusReply.success(new Attached(source, input)));
            });
    return Behaviors.same();
  }

  private void forgetHub(String containerId) {
    AttachHub hub = hubs.remove(containerId);
    if (hub != null) {
      hub.close();
    }
  }

  /**
   * Removes a container that exited and asked for it with AutoRemove ({@code docker run --rm}):
   * its entity, its process and files, its reservation and its entry in the account.
   */
  private void autoRemove(Container.State exited) {
    String id = exited.containerId();
    log.info("container removing itself node_id={} container_id={}", nodeId, id);
    // The account drops the container first, so that a client that sees the container
    // removed finds neither it nor its name listed any more.
    var removed =
        sharding
            .entityRefFor(Account.TYPE_KEY, exited.account())
            .<Done>askWithStatus(replyTo -> new Account.ForgetContainer(id, replyTo), askTimeout)
            .thenCompose(forgotten -> runtime.remove(id, true).exceptionally(error -> null))
            .thenCompose(
                files ->
                    sharding
                        .entityRefFor(ComputeNode.TYPE_KEY, nodeId)
                        .<Done>askWithStatus(replyTo -> new ComputeNode.Release(id, replyTo), askTimeout))
            .thenCompose(released -> containerAsk(id, replyTo -> new Container.Remove(true, replyTo)));
    context.pipeToSelf(removed, (done, error) -> new AutoRemoved(id, error));
  }

  private Behavior<Command> onAutoRemoved(AutoRemoved removed) {
    forgetHub(removed.containerId());
    if (removed.error() != null) {
      log.warn(
          "container auto-remove failed node_id={} container_id={} error={}",
          nodeId,
          removed.containerId(),
          unwrap(removed.error()).getMessage());
    } else {
      log.info("container removed itself node_id={} container_id={}", nodeId, removed.containerId());
    }
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

  /**
   * Reports an exit unless the container runs again. A start that replaced a running process ends
   * that process, and its exit can arrive after the new run was reported started, so reporting it
   * would record a running container as exited.
   */
  private Behavior<Command> onExited(Exited exited) {
    watched.remove(exited.containerId());
    if (stillRuns(exited.containerId())) {
      log.info(
          "exit of an earlier run not reported node_id={} container_id={} exit_code={}",
          nodeId,
          exited.containerId(),
          exited.status().exitCode());
      watchExit(exited.containerId());
      return Behaviors.same();
    }
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
          if (!restart && error == null && state.spec().autoRemove()) {
            return new ExitedForRemoval(state);
          }
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
      AttachHub hub = hub(info.id());
      runtime.attach(info.id(), hub);
      if (info.exit().isEmpty()) {
        hub.started();
      }
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
      if (reconciled.outcome().startsWith("removed")) {
        forgetHub(reconciled.containerId());
      }
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

  /**
   * Returns an unknown exit for a container that the runtime no longer has, so that the stop
   * still ends the container's running state. The process can vanish unreported, for example
   * when its start was rolled back because the entity's member failed, and the exit report to
   * that member was lost as well.
   */
  private java.util.concurrent.CompletionStage<ExitStatus> exitOfMissing(String containerId, Throwable error) {
    if (!(unwrap(error) instanceof NoSuchContainerException)) {
      return CompletableFuture.failedFuture(error);
    }
    log.info("container to stop not found, reporting an unknown exit node_id={} container_id={}", nodeId, containerId);
    return CompletableFuture.completedFuture(
        new ExitStatus(ExitStatus.UNKNOWN_EXIT_CODE, false, Instant.now()));
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
