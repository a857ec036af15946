package io.nereid.runtime;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Runs containers on one compute node. Every method returns at once, and the work, such as running
 * {@code runc} or touching the disk, happens on the executor the implementation was given, and
 * the returned stage completes when it is done. A failed stage carries a
 * {@link ContainerException}: {@link NoSuchContainerException} for an unknown ID,
 * {@link ContainerConflictException} for an operation the container's state does not allow.
 *
 * <p>Signals are named as in Docker and {@code kill -l}, with or without the {@code SIG} prefix
 * ({@code SIGTERM}, {@code KILL}), or given as numbers ({@code 15}).
 */
public interface ContainerRuntime extends AutoCloseable {

  /** Creates the container's root file system and starts its process; completes once it runs. */
  CompletionStage<ContainerInfo> run(RuntimeSpec spec);

  /** Runs like {@link #run(RuntimeSpec)}, and {@code listener} receives the output from its first byte. */
  CompletionStage<ContainerInfo> run(RuntimeSpec spec, OutputListener listener);

  /**
   * Streams the container's output to {@code listener} from now until the container exits; for
   * a container that already exited, {@link OutputListener#ended} follows at once. Completes with
   * an action that detaches the listener.
   */
  CompletionStage<Runnable> attach(String id, OutputListener listener);

  /**
   * Writes to the stdin of a container created with {@link RuntimeSpec#openStdin}; completes
   * when the pipe took the bytes, which waits while the container does not read.
   */
  CompletionStage<Void> writeStdin(String id, byte[] bytes);

  /** Closes the container's stdin, so that it reads end of file. */
  CompletionStage<Void> closeStdin(String id);

  /**
   * Sends {@code signal}, waits up to {@code timeout} for the container to exit, then sends
   * SIGKILL. Completes with the exit status, at once if the container already exited.
   */
  default CompletionStage<ExitStatus> stop(String id, String signal, Duration timeout) {
    return stop(id, signal, timeout, () -> {});
  }

  /**
   * Stops like {@link #stop(String, String, Duration)}, and runs {@code beforeKill} right before
   * the SIGKILL that follows an expired timeout. It does not run when the container exits in
   * time, nor when {@code signal} is SIGKILL itself. It runs on the runtime's thread and must not
   * block.
   */
  CompletionStage<ExitStatus> stop(String id, String signal, Duration timeout, Runnable beforeKill);

  /** Sends {@code signal} to the container's main process. */
  CompletionStage<Void> kill(String id, String signal);

  /** Freezes every process of the container. */
  CompletionStage<Void> pause(String id);

  /** Thaws a paused container. */
  CompletionStage<Void> unpause(String id);

  /**
   * Deletes the container and its files: bundle, root file system and logs. A running container
   * is rejected with {@link ContainerConflictException} unless {@code force}, which kills it first.
   */
  CompletionStage<Void> remove(String id, boolean force);

  /** Runs a further process inside a running container and collects its output. */
  CompletionStage<ExecResult> exec(String id, ExecRequest request);

  /**
   * Starts a further process inside a running container, with its output going to
   * {@code listener} as it is written and a pipe as its stdin when {@code openStdin}. Unlike
   * {@link #exec}, it has no timeout.
   */
  CompletionStage<ExecProcess> startExec(String id, ExecRequest request, boolean openStdin, OutputListener listener);

  /**
   * Lists the containers this runtime holds, including those an earlier instance on the same
   * state directory started: after an agent restart, this is how it finds what still runs.
   */
  CompletionStage<List<ContainerInfo>> list();

  /**
   * Changes a running container's limits: memory in bytes and CPU in billionths of a core as a
   * quota, plus the relative CPU weight. A value of 0 leaves that limit as it is.
   */
  CompletionStage<Void> updateLimits(String id, long memoryBytes, long nanoCpus, long cpuShares);

  /** Returns one sample of a running container's resource use. */
  CompletionStage<ResourceUsage> stats(String id);

  /** Runs {@code ps} with {@code psArgs} on the node and returns the running container's rows. */
  CompletionStage<ProcessTable> top(String id, List<String> psArgs);

  /** Returns a stage that completes when the container's main process exits. */
  CompletionStage<ExitStatus> onExit(String id);

  /** Returns the lines the container wrote so far, both streams, oldest first. */
  CompletionStage<List<LogEntry>> logs(String id);

  /**
   * Stops watching containers without touching them: they keep running, and a new runtime on the
   * same state directory adopts them.
   */
  @Override
  void close();
}
