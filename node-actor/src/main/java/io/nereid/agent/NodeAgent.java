package io.nereid.agent;

import io.nereid.account.Account;
import io.nereid.container.Container;
import io.nereid.container.ContainerSpec;
import io.nereid.persistence.CborSerializable;
import io.nereid.runtime.ContainerInfo;
import io.nereid.runtime.ContainerRuntime;
import io.nereid.runtime.ExitStatus;
import io.nereid.runtime.LogEntry;
import io.nereid.runtime.NetworkMode;
import io.nereid.runtime.NoSuchContainerException;
import io.nereid.runtime.ProcessTable;
import io.nereid.runtime.ResourceUsage;
import io.nereid.runtime.RuntimeSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionException;
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

  /** Replies with the container's log lines, oldest first. */
  public record Logs(String containerId, ActorRef<StatusReply<LogLines>> replyTo)
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

  /** Log lines of one container; {@code stderr} tells the two streams apart. */
  public record LogLines(List<Line> lines) implements CborSerializable {
    public record Line(boolean stderr, Instant time, String text) implements CborSerializable {}
  }

  private record Reply(ActorRef<StatusReply<Done>> replyTo, Throwable error)
      implements Command, NoSerializationVerificationNeeded {}

  private record Exited(String containerId, ExitStatus status)
      implements Command, NoSerializationVerificationNeeded {}

  private record Adopted(List<ContainerInfo> containers, Throwable error)
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

  public static Behavior<Command> create(
      String nodeId, ContainerRuntime runtime, ClusterSharding sharding, Duration askTimeout) {
    return Behaviors.setup(
        context -> {
          context
              .getSystem()
              .receptionist()
              .tell(Receptionist.register(serviceKey(nodeId), context.getSelf()));
          context.pipeToSelf(runtime.list(), Adopted::new);
          log.info("node agent started node_id={}", nodeId);
          return new NodeAgent(context, nodeId, runtime, sharding, askTimeout).behavior();
        });
  }

  private final ActorContext<Command> context;
  private final String nodeId;
  private final ContainerRuntime runtime;
  private final ClusterSharding sharding;
  private final Duration askTimeout;

  private NodeAgent(
      ActorContext<Command> context,
      String nodeId,
      ContainerRuntime runtime,
      ClusterSharding sharding,
      Duration askTimeout) {
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
        .onMessage(Adopted.class, this::onAdopted)
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
        runtime
            .remove(id, true)
            .exceptionally(error -> null)
            .thenCompose(removed -> runtime.run(runtimeSpec))
            .thenCompose(info -> reportStarted(id));
    context.pipeToSelf(started, (state, error) -> new Reply(command.replyTo(), error));
    return Behaviors.same();
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

  private Behavior<Command> onAdopted(Adopted adopted) {
    if (adopted.error() != null) {
      log.warn("node agent could not list containers node_id={} error={}", nodeId, unwrap(adopted.error()).toString());
      return Behaviors.same();
    }
    for (ContainerInfo info : adopted.containers()) {
      watchExit(info.id());
    }
    log.info("node agent adopted containers node_id={} count={}", nodeId, adopted.containers().size());
    return Behaviors.same();
  }

  private void watchExit(String containerId) {
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
