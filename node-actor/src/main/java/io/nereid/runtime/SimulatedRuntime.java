package io.nereid.runtime;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulation of a container runtime: containers are entries in memory and no process runs. It
 * serves dev mode's virtual compute nodes and tests of the layers above the runtime, with
 * configurable start and stop latencies and injected failures: a start that fails, a container
 * that exits on its own after a delay, one that ignores the stop signal until SIGKILL.
 *
 * <p>Signals end a simulated container with exit code 128 plus the signal number, as a shell
 * reports a process killed by a signal, except the signals whose default action is to ignore
 * or stop ({@code CHLD}, {@code CONT}, {@code URG}, {@code WINCH}, {@code STOP}, {@code TSTP},
 * {@code TTIN}, {@code TTOU}), which change nothing.
 */
public final class SimulatedRuntime implements ContainerRuntime {

  private static final Logger log = LoggerFactory.getLogger(SimulatedRuntime.class);
  private static final Set<Integer> NON_TERMINATING_SIGNALS = Set.of(17, 18, 19, 20, 21, 22, 23, 28);
  private static final int SIGKILL = 9;

  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final Duration startLatency;
  private final Duration stopLatency;
  private final Map<String, Simulated> containers = new ConcurrentHashMap<>();
  private final Map<String, String> startFailures = new ConcurrentHashMap<>();
  private final Map<String, ScheduledExit> scheduledExits = new ConcurrentHashMap<>();
  private final Set<String> signalIgnorers = ConcurrentHashMap.newKeySet();
  private final AtomicLong nextPid = new AtomicLong(1000);
  private volatile Function<ExecRequest, ExecResult> execHandler =
      request -> new ExecResult(0, new byte[0], new byte[0]);

  private record ScheduledExit(Duration delay, int exitCode, boolean oomKilled) {}

  /**
   * @param scheduler runs the simulated delays
   * @param startLatency how long {@link #run} takes to complete
   * @param stopLatency how long a container takes to exit after a terminating signal
   */
  public SimulatedRuntime(
      ScheduledExecutorService scheduler, Clock clock, Duration startLatency, Duration stopLatency) {
    this.scheduler = scheduler;
    this.clock = clock;
    this.startLatency = startLatency;
    this.stopLatency = stopLatency;
  }

  // Failure injection

  /** Makes the next start of container {@code id} fail with {@code reason}. */
  public void failNextStart(String id, String reason) {
    startFailures.put(id, reason);
  }

  /**
   * Makes container {@code id} exit by itself {@code delay} after it starts, or after now if it
   * already runs, with {@code exitCode}. {@code oomKilled} simulates the kernel's OOM killer.
   */
  public void exitAfter(String id, Duration delay, int exitCode, boolean oomKilled) {
    Simulated container = containers.get(id);
    if (container != null && !container.exit.isDone()) {
      scheduleExit(container, delay, exitCode, oomKilled);
    } else {
      scheduledExits.put(id, new ScheduledExit(delay, exitCode, oomKilled));
    }
  }

  /** Makes container {@code id} ignore every signal but SIGKILL, like a process that traps SIGTERM. */
  public void ignoreSignals(String id) {
    signalIgnorers.add(id);
  }

  /** Sets what every exec returns; the default is exit code 0 with no output. */
  public void setExecHandler(Function<ExecRequest, ExecResult> handler) {
    this.execHandler = handler;
  }

  /** Appends a line to a simulated container's log, as if its process had written it. */
  public void writeOutput(String id, LogEntry.Stream stream, String line) {
    Simulated container = containers.get(id);
    if (container == null) {
      throw new IllegalArgumentException("no simulated container " + id);
    }
    container.logs.add(new LogEntry(stream, clock.instant(), line, false));
  }

  // ContainerRuntime

  @Override
  public CompletionStage<ContainerInfo> run(RuntimeSpec spec) {
    return run(spec, null);
  }

  /** Runs a simulated container; it writes no output, so the listener only hears its exit. */
  @Override
  public CompletionStage<ContainerInfo> run(RuntimeSpec spec, OutputListener listener) {
    CompletableFuture<ContainerInfo> result = new CompletableFuture<>();
    scheduler.schedule(() -> start(spec, listener, result), startLatency.toMillis(), TimeUnit.MILLISECONDS);
    return result;
  }

  @Override
  public CompletionStage<Runnable> attach(String id, OutputListener listener) {
    try {
      Simulated container = find(id);
      container.exit.whenComplete((status, error) -> listener.ended());
      return CompletableFuture.completedFuture(() -> {});
    } catch (ContainerException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletionStage<Void> writeStdin(String id, byte[] bytes) {
    return CompletableFuture.failedFuture(
        new ContainerConflictException("simulated container " + id + " has no stdin"));
  }

  @Override
  public CompletionStage<Void> closeStdin(String id) {
    try {
      find(id);
      return CompletableFuture.completedFuture(null);
    } catch (ContainerException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void start(RuntimeSpec spec, OutputListener listener, CompletableFuture<ContainerInfo> result) {
    String reason = startFailures.remove(spec.id());
    if (reason != null) {
      log.info("simulated container {} failed to start as injected: {}", spec.id(), reason);
      result.completeExceptionally(new ContainerException("simulated start failure of container " + spec.id() + ": " + reason));
      return;
    }
    Simulated container = new Simulated(spec.id(), nextPid.getAndIncrement());
    if (containers.putIfAbsent(spec.id(), container) != null) {
      result.completeExceptionally(
          new ContainerConflictException("container " + spec.id() + " already exists on this node; remove it first"));
      return;
    }
    if (listener != null) {
      container.exit.whenComplete((status, error) -> listener.ended());
    }
    ScheduledExit planned = scheduledExits.remove(spec.id());
    if (planned != null) {
      scheduleExit(container, planned.delay(), planned.exitCode(), planned.oomKilled());
    }
    log.info("simulated container {} started", spec.id());
    result.complete(container.info());
  }

  private void scheduleExit(Simulated container, Duration delay, int exitCode, boolean oomKilled) {
    scheduler.schedule(() -> container.finish(exitCode, oomKilled), delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public CompletionStage<ExitStatus> stop(String id, String signal, Duration timeout, Runnable beforeKill) {
    Simulated container;
    int number;
    try {
      container = find(id);
      number = Signals.parse(signal);
    } catch (ContainerException e) {
      return CompletableFuture.failedFuture(e);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(new ContainerException(e.getMessage(), e));
    }
    deliver(container, number);
    if (number != SIGKILL) {
      scheduler.schedule(
          () -> {
            if (!container.exit.isDone()) {
              beforeKill.run();
              deliver(container, SIGKILL);
            }
          },
          timeout.toMillis(),
          TimeUnit.MILLISECONDS);
    }
    return container.exit.copy();
  }

  @Override
  public CompletionStage<Void> kill(String id, String signal) {
    try {
      Simulated container = find(id);
      if (container.exit.isDone()) {
        throw new ContainerConflictException("container " + id + " is not running");
      }
      deliver(container, Signals.parse(signal));
      return CompletableFuture.completedFuture(null);
    } catch (ContainerException e) {
      return CompletableFuture.failedFuture(e);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(new ContainerException(e.getMessage(), e));
    }
  }

  private void deliver(Simulated container, int signal) {
    if (container.exit.isDone() || NON_TERMINATING_SIGNALS.contains(signal)) {
      return;
    }
    if (signal != SIGKILL && signalIgnorers.contains(container.id)) {
      log.info("simulated container {} ignores signal {}", container.id, signal);
      return;
    }
    Duration latency = signal == SIGKILL ? Duration.ZERO : stopLatency;
    scheduleExit(container, latency, 128 + signal, false);
  }

  /** Accepts the change for a running container: simulated containers have no limits to apply. */
  @Override
  public CompletionStage<Void> updateLimits(String id, long memoryBytes, long nanoCpus, long cpuShares) {
    return transition(id, ContainerState.RUNNING, ContainerState.RUNNING);
  }

  /** Rejected: simulated containers have no processes and no cgroup to read. */
  @Override
  public CompletionStage<ResourceUsage> stats(String id) {
    return CompletableFuture.failedFuture(
        new ContainerException("container " + id + " is simulated and has no cgroup to read statistics from"));
  }

  /** Rejected: simulated containers have no processes to list. */
  @Override
  public CompletionStage<ProcessTable> top(String id, List<String> psArgs) {
    return CompletableFuture.failedFuture(
        new ContainerException("container " + id + " is simulated and has no processes to list"));
  }

  @Override
  public CompletionStage<Void> pause(String id) {
    return transition(id, ContainerState.RUNNING, ContainerState.PAUSED);
  }

  @Override
  public CompletionStage<Void> unpause(String id) {
    return transition(id, ContainerState.PAUSED, ContainerState.RUNNING);
  }

  private CompletionStage<Void> transition(String id, ContainerState from, ContainerState to) {
    try {
      Simulated container = find(id);
      synchronized (container) {
        if (container.state != from) {
          throw new ContainerConflictException(
              "container " + id + " is " + container.state.name().toLowerCase() + ", not " + from.name().toLowerCase());
        }
        container.state = to;
      }
      log.info("simulated container {} is now {}", id, to.name().toLowerCase());
      return CompletableFuture.completedFuture(null);
    } catch (ContainerException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletionStage<Void> remove(String id, boolean force) {
    Simulated container;
    try {
      container = find(id);
    } catch (ContainerException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (!container.exit.isDone() && !force) {
      return CompletableFuture.failedFuture(
          new ContainerConflictException("container " + id + " is running; stop it first or remove it with force"));
    }
    container.finish(128 + SIGKILL, false);
    containers.remove(id);
    log.info("simulated container {} removed", id);
    return CompletableFuture.completedFuture(null);
  }

  /** Runs the simulated exec at once; its output is the exec handler's, and stdin is not read. */
  @Override
  public CompletionStage<ExecProcess> startExec(
      String id, ExecRequest request, boolean openStdin, OutputListener listener) {
    return exec(id, request)
        .thenApply(
            result -> {
              listener.output(LogEntry.Stream.STDOUT, result.stdout());
              listener.output(LogEntry.Stream.STDERR, result.stderr());
              listener.ended();
              CompletableFuture<Integer> exit = CompletableFuture.completedFuture(result.exitCode());
              return new ExecProcess() {
                @Override
                public CompletionStage<Void> writeStdin(byte[] bytes) {
                  return CompletableFuture.completedFuture(null);
                }

                @Override
                public CompletionStage<Void> closeStdin() {
                  return CompletableFuture.completedFuture(null);
                }

                @Override
                public CompletionStage<Integer> exit() {
                  return exit;
                }
              };
            });
  }

  @Override
  public CompletionStage<ExecResult> exec(String id, ExecRequest request) {
    try {
      Simulated container = find(id);
      if (container.state != ContainerState.RUNNING) {
        throw new ContainerConflictException("container " + id + " is " + container.state.name().toLowerCase());
      }
      return CompletableFuture.completedFuture(execHandler.apply(request));
    } catch (ContainerException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletionStage<List<ContainerInfo>> list() {
    List<ContainerInfo> infos = new ArrayList<>();
    containers.values().forEach(container -> infos.add(container.info()));
    infos.sort(Comparator.comparing(ContainerInfo::startedAt));
    return CompletableFuture.completedFuture(infos);
  }

  @Override
  public CompletionStage<ExitStatus> onExit(String id) {
    try {
      return find(id).exit.copy();
    } catch (ContainerException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletionStage<List<LogEntry>> logs(String id) {
    try {
      return CompletableFuture.completedFuture(List.copyOf(find(id).logs));
    } catch (ContainerException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Nothing to release: simulated containers live only in this object. */
  @Override
  public void close() {}

  private Simulated find(String id) throws NoSuchContainerException {
    Simulated container = containers.get(id);
    if (container == null) {
      throw new NoSuchContainerException(id);
    }
    return container;
  }

  /** One simulated container. */
  private final class Simulated {
    final String id;
    final long pid;
    final Instant startedAt = clock.instant();
    final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    final List<LogEntry> logs = new CopyOnWriteArrayList<>();
    volatile ContainerState state = ContainerState.RUNNING;

    Simulated(String id, long pid) {
      this.id = id;
      this.pid = pid;
    }

    synchronized void finish(int exitCode, boolean oomKilled) {
      if (exit.isDone()) {
        return;
      }
      state = ContainerState.STOPPED;
      exit.complete(new ExitStatus(exitCode, oomKilled, clock.instant()));
      log.info("simulated container {} exited with code {}{}", id, exitCode, oomKilled ? ", OOM-killed" : "");
    }

    ContainerInfo info() {
      Optional<ExitStatus> status = exit.isDone() ? Optional.of(exit.join()) : Optional.empty();
      return new ContainerInfo(id, state, exit.isDone() ? 0 : pid, startedAt, status);
    }
  }
}
