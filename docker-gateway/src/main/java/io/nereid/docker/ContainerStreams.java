package io.nereid.docker;

import io.nereid.agent.NodeAgent;
import io.nereid.container.Container;
import io.nereid.container.ContainerStatus;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The container operations of the Docker API that stream: attach, wait, exec and logs. The streams come from
 * the node agent of the container's node, through stream references, so the gateway and the
 * container may be on different members.
 */
final class ContainerStreams {

  /** How often a wait checks the container's state. */
  private static final Duration WAIT_POLL = Duration.ofMillis(100);
  /** The interval at which a followed log fetches new lines from the node. */
  private static final Duration FOLLOW_POLL = Duration.ofMillis(200);

  private static final Logger log = LoggerFactory.getLogger(ContainerStreams.class);

  private final ContainerService containers;
  private final ExecInstances execs;

  ContainerStreams(ContainerService containers, Clock clock) {
    this.containers = containers;
    this.execs = new ExecInstances(clock);
  }

  /**
   * Attaches to a container as {@code docker attach} does. Returns the flow of the upgraded
   * connection: the client's bytes go to the container's stdin when {@code stdin} is asked for
   * and the container has an open stdin (otherwise they are dropped, as Docker drops them), and
   * the container's output comes back in Docker's multiplexed framing. The output ends when the
   * container exits; for a container that is not running yet, it starts with the next start.
   * Once the node accepted the attach, an {@code attach} event is published, as Docker does.
   */
  CompletionStage<Flow<ByteString, ByteString, NotUsed>> attach(
      String account, String reference, boolean stdin, boolean stdout, boolean stderr) {
    return containers
        .find(account, reference)
        .thenCompose(
            state -> {
              if (state.nodeId().isEmpty()) {
                return CompletableFuture.failedFuture(
                    DockerApiException.conflict("container " + state.containerId() + " is not placed on a node"));
              }
              boolean withStdin = stdin && state.spec().openStdin();
              return this.<NodeAgent.Attached>askAgent(
                      state.nodeId(),
                      replyTo -> new NodeAgent.Attach(state.containerId(), withStdin, state.spec().stdinOnce(), replyTo))
                  .thenApply(
                      attached -> {
                        containers.events().publishContainerAction(state, "attach", Map.of());
                        return connection(attached, stdout, stderr);
                      });
            });
  }

  private static Flow<ByteString, ByteString, NotUsed> connection(
      NodeAgent.Attached attached, boolean stdout, boolean stderr) {
    Sink<ByteString, ?> input = attached.input() == null ? Sink.ignore() : attached.input().getSink();
    Source<ByteString, NotUsed> output =
        attached
            .output()
            .getSource()
            .filter(chunk -> chunk.stderr() ? stderr : stdout)
            .map(chunk -> LogFrames.frame(chunk.stderr(), chunk.bytes()));
    return Flow.fromSinkAndSource(input, output);
  }

  /**
   * Registers a wait as {@code docker wait} does and completes once it is registered, with the
   * stage of the exit code. The condition is checked against the state at registration, so an
   * exit that happens between the registration and the client's next request is not missed:
   * {@code not-running} completes at once for a container that does not run, {@code next-exit}
   * waits for an exit after the registration, {@code removed} for the container's removal.
   */
  CompletionStage<CompletableFuture<Integer>> waitFor(String account, String reference, String condition) {
    if (!List.of("not-running", "next-exit", "removed").contains(condition)) {
      return CompletableFuture.failedFuture(
          DockerApiException.badRequest(
              "invalid condition: \"" + condition + "\", use not-running, next-exit or removed"));
    }
    return containers
        .find(account, reference)
        .thenApply(
            state -> {
              CompletableFuture<Integer> exit = new CompletableFuture<>();
              pollUntil(exit, state.containerId(), condition, state.finishedAt());
              return exit;
            });
  }

  /**
   * Completes {@code exit} once the condition is met. Polling stops when {@code exit} is done
   * otherwise, as when the client went away and the caller cancelled it.
   */
  // NOTE: a wait polls the container entity; an event subscription would return sooner and with
  // less load.
  private void pollUntil(
      CompletableFuture<Integer> exit, String containerId, String condition, Instant finishedAtRegistration) {
    if (exit.isDone()) {
      return;
    }
    containers
        .sharding()
        .entityRefFor(Container.TYPE_KEY, containerId)
        .ask(Container.Get::new, containers.askTimeout())
        .whenComplete(
            (state, error) -> {
              if (error != null) {
                exit.completeExceptionally(error);
              } else if (conditionMet(state, condition, finishedAtRegistration)) {
                exit.complete(exitCode(state));
              } else {
                containers
                    .system()
                    .scheduler()
                    .scheduleOnce(
                        WAIT_POLL,
                        () -> pollUntil(exit, containerId, condition, finishedAtRegistration),
                        containers.system().executionContext());
              }
            });
  }

  /** Returns whether a wait's condition is met; a removal meets every condition, as in Docker. */
  private static boolean conditionMet(Container.State state, String condition, Instant finishedAtRegistration) {
    if (state.status() == ContainerStatus.REMOVED) {
      return true;
    }
    return switch (condition) {
      case "removed" -> false;
      case "next-exit" -> state.finishedAt().isAfter(finishedAtRegistration) && !state.isRunning();
      default -> !state.isRunning();
    };
  }

  /**
   * Returns the exit code a wait reports. A forced removal of a running container records no
   * exit, which shows as a start later than the last exit, so the wait reports what Docker does
   * for the SIGKILL sent then: 128 + 9.
   */
  static int exitCode(Container.State state) {
    return DockerEvents.killedByRemoval(state) ? 128 + 9 : state.exitCode();
  }

  /**
   * Returns a container's log in Docker's multiplexed framing. With {@code follow}, the stream
   * goes on with the lines written later, polling the node every {@link #FOLLOW_POLL}, until the
   * container stops running or the {@code until} time passes.
   */
  CompletionStage<Source<ByteString, NotUsed>> logs(String account, String reference, LogQuery query) {
    return containers
        .find(account, reference)
        .thenCompose(
            state -> {
              if (ContainerService.neverStarted(state)) {
                return CompletableFuture.completedFuture(Source.<ByteString>empty());
              }
              return fetchLogs(state, LogCursor.START)
                  .thenApply(
                      lines -> {
                        Source<ByteString, NotUsed> history = Source.single(frames(query.select(lines), query));
                        if (!query.follow()) {
                          return history;
                        }
                        Source<ByteString, NotUsed> later =
                            Source.unfoldAsync(LogCursor.START.after(lines), cursor -> follow(state, query, cursor));
                        return history.concat(later).filter(bytes -> !bytes.isEmpty());
                      });
            });
  }

  /** The time of the last line sent of each stream; null when none was. */
  private record LogCursor(Instant stdout, Instant stderr, boolean done) {
    static final LogCursor START = new LogCursor(null, null, false);

    LogCursor after(List<NodeAgent.LogLines.Line> lines) {
      Instant lastStdout = stdout;
      Instant lastStderr = stderr;
      for (NodeAgent.LogLines.Line line : lines) {
        if (line.stderr()) {
          lastStderr = line.time();
        } else {
          lastStdout = line.time();
        }
      }
      return new LogCursor(lastStdout, lastStderr, done);
    }

    LogCursor finished() {
      return new LogCursor(stdout, stderr, true);
    }
  }

  /**
   * Fetches the lines written since the cursor, after checking whether the container still runs:
   * lines fetched after it stopped are its last ones, so the stream ends with them.
   */
  private CompletionStage<Optional<Pair<LogCursor, ByteString>>> follow(
      Container.State state, LogQuery query, LogCursor cursor) {
    if (cursor.done()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return Patterns.after(
            FOLLOW_POLL,
            containers.system().classicSystem().scheduler(),
            containers.system().executionContext(),
            () ->
                containers
                    .sharding()
                    .entityRefFor(Container.TYPE_KEY, state.containerId())
                    .ask(Container.Get::new, containers.askTimeout()))
        .thenCompose(
            current ->
                fetchLogs(state, cursor)
                    .thenApply(
                        lines -> {
                          boolean ended =
                              !current.isRunning()
                                  || (query.until() != null && !Instant.now().isBefore(query.until()));
                          LogCursor next = ended ? cursor.after(lines).finished() : cursor.after(lines);
                          List<NodeAgent.LogLines.Line> wanted = lines.stream().filter(query::inTimeRange).toList();
                          return Optional.of(Pair.create(next, frames(wanted, query)));
                        }))
        .exceptionally(
            error -> {
              // The container was removed meanwhile, or its node went away: the log ends here.
              log.info(
                  "log follow ended container_id={} error={}",
                  state.containerId(),
                  ContainerService.unwrap(error).getMessage());
              return Optional.empty();
            });
  }

  private CompletionStage<List<NodeAgent.LogLines.Line>> fetchLogs(Container.State state, LogCursor cursor) {
    return this.<NodeAgent.LogLines>askAgent(
            state.nodeId(),
            replyTo -> new NodeAgent.Logs(state.containerId(), cursor.stdout(), cursor.stderr(), replyTo))
        .thenApply(NodeAgent.LogLines::lines);
  }

  private static ByteString frames(List<NodeAgent.LogLines.Line> lines, LogQuery query) {
    return ByteString.fromArray(
        LogFrames.encode(new NodeAgent.LogLines(lines), query.stdout(), query.stderr(), query.timestamps()));
  }

  /** Creates an exec instance in a running container, as {@code docker exec} does; returns its id. */
  CompletionStage<String> createExec(String account, String reference, ExecInstances.Config config) {
    return containers
        .find(account, reference)
        .thenApply(
            state -> {
              if (state.status() == ContainerStatus.PAUSED) {
                throw DockerApiException.conflict(
                    "Container " + state.containerId() + " is paused, unpause the container before exec");
              }
              if (state.status() != ContainerStatus.RUNNING) {
                throw DockerApiException.conflict("Container " + state.containerId() + " is not running");
              }
              ExecInstances.Instance instance = execs.create(state.containerId(), state.nodeId(), config);
              log.info("exec created container_id={} exec_id={}", state.containerId(), instance.id);
              return instance.id;
            });
  }

  /** Returns an exec instance; fails with a 404 for an unknown id. */
  ExecInstances.Instance exec(String execId) {
    return execs.find(execId);
  }

  /**
   * Starts an exec instance and returns the flow of its upgraded connection, framed as attach
   * frames it. The output ends after the process exited and its exit code is recorded, so an
   * inspect after the end of the stream returns the exit code, as {@code docker exec} expects.
   * When {@code detach}, the output is dropped and the returned flow carries nothing.
   *
   * <p>A start that fails records Docker's exit code for the error. Attached, the flow then
   * carries the error as a line of stdout, because the Docker daemon writes it there after the
   * upgrade. Detached, the stage fails with the error.
   */
  CompletionStage<Flow<ByteString, ByteString, NotUsed>> startExec(String execId, boolean detach) {
    ExecInstances.Instance instance;
    try {
      instance = execs.find(execId);
    } catch (DockerApiException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (!instance.start()) {
      return CompletableFuture.failedFuture(
          DockerApiException.conflict("exec instance " + execId + " has already been started"));
    }
    ExecInstances.Config config = instance.config;
    boolean withStdin = config.attachStdin() && !detach;
    return this.<NodeAgent.Attached>askAgent(
            instance.nodeId,
            replyTo ->
                new NodeAgent.Exec(
                    instance.containerId,
                    config.cmd(),
                    config.env(),
                    config.user(),
                    config.workingDir(),
                    withStdin,
                    replyTo))
        .handle(
            (attached, error) -> {
              if (error != null) {
                Throwable cause = ContainerService.unwrap(error);
                String message = ExecInstances.startFailureMessage(String.valueOf(cause.getMessage()));
                int exitCode = ExecInstances.startFailureExitCode(message);
                instance.failed(exitCode, execs.now());
                log.info(
                    "exec failed to start container_id={} exec_id={} exit_code={} error={}",
                    instance.containerId, instance.id, exitCode, message);
                if (detach) {
                  throw new CompletionException(detachedStartFailure(cause, message, exitCode));
                }
                ByteString line = LogFrames.frame(false, (message + "\r\n").getBytes(StandardCharsets.UTF_8));
                return Flow.fromSinkAndSource(Sink.<ByteString>ignore(), Source.single(line));
              }
              Source<ByteString, NotUsed> output =
                  attached
                      .output()
                      .getSource()
                      .map(chunk -> execFrame(instance, chunk, detach))
                      .filter(bytes -> !bytes.isEmpty());
              if (detach) {
                output.runWith(Sink.ignore(), containers.system());
                return Flow.fromSinkAndSource(Sink.<ByteString>ignore(), Source.<ByteString>empty());
              }
              Sink<ByteString, ?> input = attached.input() == null ? Sink.ignore() : attached.input().getSink();
              return Flow.fromSinkAndSource(input, output);
            });
  }

  /**
   * Returns the error of a failed detached exec start. For a runtime error, the Docker daemon
   * responds with the message that an attached start prints, and with 400 when the command cannot
   * be found or run (exit code 126 or 127), 500 otherwise. Other errors are returned unchanged.
   */
  private static Throwable detachedStartFailure(Throwable cause, String message, int exitCode) {
    if (!message.startsWith(ExecInstances.RUNTIME_ERROR_PREFIX)) {
      return cause;
    }
    StatusCode status = exitCode == 126 || exitCode == 127 ? StatusCodes.BAD_REQUEST : StatusCodes.INTERNAL_SERVER_ERROR;
    return new DockerApiException(status, message);
  }

  /** Frames an exec's output chunk, or records the exit code that the last chunk carries. */
  private ByteString execFrame(ExecInstances.Instance instance, NodeAgent.OutputChunk chunk, boolean detach) {
    if (chunk.exitCode() != null) {
      instance.exited(chunk.exitCode(), execs.now());
      log.info("exec exited container_id={} exec_id={} exit_code={}", instance.containerId, instance.id, chunk.exitCode());
      return ByteString.emptyByteString();
    }
    boolean wanted = chunk.stderr() ? instance.config.attachStderr() : instance.config.attachStdout();
    return wanted && !detach ? LogFrames.frame(chunk.stderr(), chunk.bytes()) : ByteString.emptyByteString();
  }

  private <T> CompletionStage<T> askAgent(String nodeId, Function<ActorRef<StatusReply<T>>, NodeAgent.Command> command) {
    return containers.agentQuery(nodeId, command, containers.askTimeout());
  }

}
