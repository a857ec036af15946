package io.nereid.runtime;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.nereid.image.FileTrees;
import io.nereid.image.Image;
import io.nereid.image.ImageConfig;
import io.nereid.image.ImageStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs containers with {@code runc}, each from an OCI bundle under the state directory.
 *
 * <p>Each container runs under a small shell shim ({@link Runc#SHIM_SCRIPT}) that is not tied to
 * the JVM: the container's stdout and stderr go to two FIFOs in its bundle, which this runtime
 * copies to log files, and the shim records the exit code. When the JVM stops, containers keep
 * running, and a new {@code RuncRuntime} on the same state directory adopts them in
 * {@link #list()}: it reads their FIFOs again and sees them exit. Output written while no runtime
 * reads waits in the pipe, 64 KiB by default on Linux, after which the container's writes block
 * until a runtime reads again.
 *
 * <p>The end of both output streams is the exit signal: they close only when the shim, and so
 * runc and the container, have exited. The runtime then reads the exit code, checks the
 * container's memory cgroup for OOM kills, and deletes runc's record of it.
 *
 * <p>State directory layout: {@code runc/} is runc's {@code --root}, {@code containers/<id>/}
 * each container's bundle (see {@link Bundle}), {@code scratch/} for probes.
 */
public final class RuncRuntime implements ContainerRuntime {

  private static final Logger log = LoggerFactory.getLogger(RuncRuntime.class);
  // runc takes tens of milliseconds to start a container and each poll is one stat call, so the
  // first second is polled finely to notice the PID file soon after runc writes it.
  private static final long START_POLL_FAST_NANOS = Duration.ofMillis(1).toNanos() / 4;
  private static final Duration START_POLL_FAST_PERIOD = Duration.ofSeconds(1);
  private static final long START_POLL_SLOW_NANOS = Duration.ofMillis(5).toNanos();
  private static final Duration EXIT_POLL = Duration.ofSeconds(1);
  private static final int SIGKILL = 9;

  /** How root file systems are built: overlay mounts, copies, or whichever works here. */
  public enum RootfsMode {
    AUTO,
    OVERLAY,
    COPY
  }

  /**
   * Settings of a runtime instance.
   *
   * @param stateDirectory where bundles, logs and runc's state live; one per runtime instance
   * @param runcBinary the runc executable
   * @param cgroupParent the cgroup under which each container gets {@code <parent>/<id>}
   * @param logMaxBytes the size at which a log file rotates
   * @param logMaxFiles log files kept per stream, the current one included
   * @param startTimeout how long {@link #run} waits for runc to start the process
   */
  public record Options(
      Path stateDirectory,
      Path runcBinary,
      String cgroupParent,
      RootfsMode rootfsMode,
      long logMaxBytes,
      int logMaxFiles,
      Duration startTimeout) {

    /** Defaults: runc from PATH, cgroups under {@code /nereid}, 10 MiB x 5 log files per stream. */
    public static Options defaults(Path stateDirectory) {
      return new Options(
          stateDirectory, findRunc(), "/nereid", RootfsMode.AUTO, 10L << 20, 5, Duration.ofSeconds(30));
    }

    public Options withRootfsMode(RootfsMode mode) {
      return new Options(stateDirectory, runcBinary, cgroupParent, mode, logMaxBytes, logMaxFiles, startTimeout);
    }

    public Options withLogRotation(long maxBytes, int maxFiles) {
      return new Options(stateDirectory, runcBinary, cgroupParent, rootfsMode, maxBytes, maxFiles, startTimeout);
    }

    public Options withCgroupParent(String parent) {
      return new Options(stateDirectory, runcBinary, parent, rootfsMode, logMaxBytes, logMaxFiles, startTimeout);
    }

    private static Path findRunc() {
      List<String> directories = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
      directories.addAll(List.of("/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin"));
      for (String directory : directories) {
        if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, "runc"))) {
          return Path.of(directory, "runc");
        }
      }
      return Path.of("/usr/sbin/runc");
    }
  }

  /** What Nereid records in each bundle, so that a restarted runtime can adopt the container. */
  private record Metadata(
      String id, String cgroupsPath, RootfsBuilder.Mode rootfsMode, String layerOwner, Instant startedAt) {}

  private final Options options;
  private final ImageStore images;
  private final Executor executor;
  private final Clock clock;
  private final Runc runc;
  private final RootfsBuilder.Mode rootfsMode;
  private final ObjectMapper json;
  private final Path containersDirectory;
  private final boolean cgroupV2;
  private final Map<String, Handle> handles = new ConcurrentHashMap<>();
  // IDs whose bundle run() is still creating, which list() must not mistake for crash leftovers.
  private final Set<String> starting = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private RuncRuntime(
      Options options, ImageStore images, Executor executor, Clock clock, RootfsBuilder.Mode rootfsMode,
      ObjectMapper json) {
    this.options = options;
    this.images = images;
    this.executor = executor;
    this.clock = clock;
    this.rootfsMode = rootfsMode;
    this.json = json;
    this.runc = new Runc(options.runcBinary(), options.stateDirectory().resolve("runc"), json);
    this.containersDirectory = options.stateDirectory().resolve("containers");
    this.cgroupV2 = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"));
  }

  /**
   * Opens a runtime on {@code options.stateDirectory()}, checking that runc is there and that this
   * process runs as root, which runc needs to create namespaces and cgroups. Blocks briefly.
   *
   * @param images the store {@link RuntimeSpec#image} names refer to, or null for rootfs-only use
   * @param executor runs runc, mounts and file work; the calls block, so it should have threads
   *     to spare
   * @throws ContainerException if runc is missing or the process is not root
   */
  public static RuncRuntime open(Options options, ImageStore images, Executor executor, Clock clock)
      throws ContainerException {
    if (!Files.isExecutable(options.runcBinary())) {
      throw new ContainerException(
          "runc not found at " + options.runcBinary() + ": install it (Debian package runc) or set Options.runcBinary");
    }
    if (effectiveUid() != 0) {
      throw new ContainerException(
          "RuncRuntime needs root: runc creates namespaces and cgroups, and the runtime mounts overlays");
    }
    try {
      Files.createDirectories(options.stateDirectory().resolve("runc"));
      Files.createDirectories(options.stateDirectory().resolve("containers"));
      Path scratch = Files.createDirectories(options.stateDirectory().resolve("scratch"));
      RootfsBuilder.Mode mode =
          switch (options.rootfsMode()) {
            case OVERLAY -> RootfsBuilder.Mode.OVERLAY;
            case COPY -> RootfsBuilder.Mode.COPY;
            case AUTO -> RootfsBuilder.probe(scratch);
          };
      ObjectMapper json =
          new ObjectMapper()
              .registerModule(new JavaTimeModule())
              .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
              .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
      log.info("runc runtime opened on {} with {} root file systems", options.stateDirectory(), mode);
      return new RuncRuntime(options, images, executor, clock, mode, json);
    } catch (IOException e) {
      throw new ContainerException("failed to open the runtime state directory " + options.stateDirectory(), e);
    }
  }

  private static long effectiveUid() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return Long.parseLong(line.split("\\s+")[2]); // real, effective, saved, file system
        }
      }
    } catch (IOException | NumberFormatException e) {
      log.warn("failed to read the effective UID from /proc/self/status", e);
    }
    return -1;
  }

  /** Returns how this runtime builds root file systems, after probing when the mode was AUTO. */
  public RootfsMode rootfsMode() {
    return rootfsMode == RootfsBuilder.Mode.OVERLAY ? RootfsMode.OVERLAY : RootfsMode.COPY;
  }

  // Run

  @Override
  public CompletionStage<ContainerInfo> run(RuntimeSpec spec) {
    return submit(() -> start(spec, null));
  }

  @Override
  public CompletionStage<ContainerInfo> run(RuntimeSpec spec, OutputListener listener) {
    return submit(() -> start(spec, listener));
  }

  private ContainerInfo start(RuntimeSpec spec, OutputListener listener) throws ContainerException, IOException {
    Bundle bundle = new Bundle(containersDirectory.resolve(spec.id()));
    try {
      // Creating the bundle directory claims the ID, atomically even against a concurrent run.
      Files.createDirectory(bundle.directory());
    } catch (FileAlreadyExistsException e) {
      throw new ContainerConflictException(
          "container " + spec.id() + " already exists on this node; remove it first");
    }
    starting.add(spec.id());
    try {
      return create(spec, bundle, listener);
    } finally {
      starting.remove(spec.id());
    }
  }

  /**
   * Prepares the bundle and starts the container. The shim and the FIFOs need only the bundle
   * directory, so another thread spawns them while this one mounts the root file system and
   * writes config.json, because each process spawn costs about a millisecond (docs/benchmarks.md
   * has the measurements). The shim waits until {@link Runc#release} signals that the bundle is
   * complete.
   */
  private ContainerInfo create(RuntimeSpec spec, Bundle bundle, OutputListener listener)
      throws ContainerException, IOException {
    String layerOwner = null;
    Handle handle = null;
    ShimSpawn shimSpawn = new ShimSpawn(() -> spawnShimAndFifos(spec, bundle));
    try {
      executor.execute(shimSpawn);
    } catch (RejectedExecutionException e) {
      log.debug("executor rejected the shim spawn of container {}, spawning it on this thread", spec.id());
    }
    try {
      ImageConfig imageConfig = null;
      List<Path> layers;
      if (spec.image() != null) {
        Image image = findImage(spec);
        imageConfig = image.config();
        layerOwner = "container-" + spec.id();
        images.use(spec.id(), image);
        layers = images.layerDirectories(image);
      } else {
        layers = List.of(spec.rootfs());
      }
      RootfsBuilder.build(rootfsMode, layers, bundle.directory());
      OciConfig.Process process = ContainerProcess.settle(spec, imageConfig, bundle.rootfs());
      ContainerProcess.writeEtcFiles(spec, bundle.etc());
      String cgroupsPath = options.cgroupParent() + "/" + spec.id();
      ObjectNode config = OciConfig.build(json, spec, process, cgroupsPath, bundle.etc(), cgroupV2);
      json.writerWithDefaultPrettyPrinter().writeValue(bundle.config().toFile(), config);
      Metadata metadata = new Metadata(spec.id(), cgroupsPath, rootfsMode, layerOwner, clock.instant());
      json.writeValue(bundle.metadata().toFile(), metadata);
      Process shim = shimSpawn.await();

      handle = new Handle(spec.id(), bundle, metadata);
      if (listener != null) {
        handle.listeners.add(listener);
      }
      if (spec.openStdin()) {
        // Opened read-write, so the open does not wait for the shim to open it for reading.
        // The container reads end of file once this channel closes.
        handle.stdin = FileChannel.open(bundle.stdinFifo(), StandardOpenOption.READ, StandardOpenOption.WRITE);
      }
      handles.put(spec.id(), handle);
      Files.writeString(bundle.shimPid(), Long.toString(shim.pid()));
      // The FIFOs are open for reading before the shim runs the container. Output in a FIFO
      // that no reader has open is lost when its last writer closes it, which a container that
      // exits at once, and its shim with it, would do before a capture thread opened it. The
      // runtime's own write ends let the read ends open without waiting, and keep the captures
      // from reading end of stream until the shim has the FIFOs open.
      try (FifoWriters writers = FifoWriters.open(bundle)) {
        handle.startCapture(writers.openReaders());
        runc.release(shim);
        Handle started = handle;
        shim.onExit().thenRun(started::unblockCaptures);
        // Once runc has written the PID or the shim has exited, the shim opened the FIFOs.
        waitForStart(handle);
      }
      handle.markStarted();
      log.info("started container {} with pid {}", spec.id(), handle.pid);
      return handle.info();
    } catch (ContainerException | IOException | RuntimeException e) {
      shimSpawn.abandon(spec.id());
      discardFailedStart(spec.id(), bundle, handle, layerOwner, e);
      throw e;
    }
  }

  /** Spawns the shim, which waits for its release, and makes the bundle's FIFOs. */
  private Process spawnShimAndFifos(RuntimeSpec spec, Bundle bundle) throws IOException {
    Process shim = runc.startShim(bundle.directory(), spec.id(), bundle.directory().resolve("shim.log"));
    // One mkfifo for all FIFOs, because each process spawned here adds to the start latency.
    List<String> mkfifo = new ArrayList<>(List.of("mkfifo", "-m", "0600"));
    for (LogEntry.Stream stream : LogEntry.Stream.values()) {
      mkfifo.add(bundle.fifo(stream).toString());
    }
    if (spec.openStdin()) {
      mkfifo.add(bundle.stdinFifo().toString());
    }
    try {
      Commands.check(mkfifo, Duration.ofSeconds(10));
    } catch (IOException e) {
      shim.getOutputStream().close(); // end of file without a release makes the shim exit before runc
      throw e;
    }
    return shim;
  }

  private Image findImage(RuntimeSpec spec) throws ContainerException {
    if (images == null) {
      throw new ContainerException(
          "container " + spec.id() + " names image " + spec.image() + " but this runtime has no image store");
    }
    return images
        .find(spec.image())
        .orElseThrow(() -> new ContainerException(
            "image " + spec.image() + " for container " + spec.id() + " is not on this node; pull or load it first"));
  }

  /** Waits until runc has written the init PID, or the shim has exited because runc failed. */
  private void waitForStart(Handle handle) throws ContainerException, IOException {
    long begin = System.nanoTime();
    Bundle bundle = handle.bundle;
    while (true) {
      if (Files.exists(bundle.initPid())) {
        handle.pid = Long.parseLong(Files.readString(bundle.initPid()).trim());
        handle.state = ContainerState.RUNNING;
        return;
      }
      // A process that exits at once can write its PID and then its exit code between the two
      // checks, so the PID is looked for again before the start counts as failed.
      if (Files.exists(bundle.exitCode()) && !Files.exists(bundle.initPid())) {
        throw new ContainerException(
            "failed to start container " + handle.id + ": " + runcErrors(bundle));
      }
      long waited = System.nanoTime() - begin;
      if (waited > options.startTimeout().toNanos()) {
        throw new ContainerException(
            "container " + handle.id + " did not start within " + options.startTimeout() + ": " + runcErrors(bundle));
      }
      LockSupport.parkNanos(waited < START_POLL_FAST_PERIOD.toNanos() ? START_POLL_FAST_NANOS : START_POLL_SLOW_NANOS);
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new ContainerException("interrupted while starting container " + handle.id);
      }
    }
  }

  /** Returns the error messages runc logged for the bundle, or a pointer to the shim log. */
  private String runcErrors(Bundle bundle) {
    List<String> messages = runcErrors(bundle.runcLog());
    return messages.isEmpty() ? "runc logged no error; see " + bundle.directory().resolve("shim.log") : String.join("; ", messages);
  }

  /** Returns the messages of the error records in {@code runcLog}, a log in runc's JSON format. */
  private List<String> runcErrors(Path runcLog) {
    List<String> messages = new ArrayList<>();
    try {
      if (Files.exists(runcLog)) {
        for (String line : Files.readAllLines(runcLog, StandardCharsets.UTF_8)) {
          JsonNode record = json.readTree(line);
          if (record.path("level").asText().equals("error") || record.path("level").asText().equals("fatal")) {
            messages.add(record.path("msg").asText());
          }
        }
      }
    } catch (IOException e) {
      messages.add("runc's log is unreadable: " + e.getMessage());
    }
    return messages;
  }

  private void discardFailedStart(String id, Bundle bundle, Handle handle, String layerOwner, Exception cause) {
    try {
      if (handle != null) {
        handles.remove(id);
        handle.dropHeldOutput();
        handle.closeCaptures();
        runc.delete(id, true);
      }
      RootfsBuilder.unmount(bundle.rootfs());
      FileTrees.deleteRecursively(bundle.directory());
      if (layerOwner != null) {
        images.release(id);
      }
    } catch (IOException | RuntimeException cleanup) {
      cause.addSuppressed(cleanup);
      log.error("failed to clean up after container {} failed to start", id, cleanup);
    }
  }

  // Signals and state changes

  @Override
  public CompletionStage<ExitStatus> stop(String id, String signal, Duration timeout, Runnable beforeKill) {
    Handle handle;
    int number;
    try {
      handle = handle(id);
      number = Signals.parse(signal);
    } catch (ContainerException e) {
      return CompletableFuture.failedFuture(e);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(new ContainerException(e.getMessage(), e));
    }
    if (handle.exit.isDone()) {
      return handle.exit.copy();
    }
    return submit(() -> {
          signalIfRunning(handle, number);
          return null;
        })
        .thenCompose(ignored -> {
          if (number == SIGKILL) {
            return handle.exit.copy();
          }
          Executor afterTimeout = CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS, executor);
          afterTimeout.execute(() -> {
            if (!handle.exit.isDone()) {
              log.info("container {} still runs {} after signal {}, sending SIGKILL", id, timeout, signal);
              try {
                beforeKill.run();
              } catch (RuntimeException e) {
                log.error("callback before SIGKILL to container {} failed", id, e);
              }
              try {
                signalIfRunning(handle, SIGKILL);
              } catch (IOException e) {
                log.error("SIGKILL to container {} failed", id, e);
              }
            }
          });
          return handle.exit.copy();
        });
  }

  /** Signals the container; a paused one is thawed afterwards so that the signal is delivered. */
  private void signalIfRunning(Handle handle, int signal) throws IOException {
    try {
      runc.kill(handle.id, signal);
      if (handle.state == ContainerState.PAUSED) {
        runc.resume(handle.id);
        handle.state = ContainerState.RUNNING;
      }
    } catch (Runc.RuncException e) {
      if (!e.isNotRunning()) {
        throw e;
      }
    }
  }

  @Override
  public CompletionStage<Void> kill(String id, String signal) {
    return submit(() -> {
      runningHandle(id);
      try {
        runc.kill(id, Signals.parse(signal));
      } catch (IllegalArgumentException e) {
        throw new ContainerException(e.getMessage(), e);
      }
      return null;
    });
  }

  @Override
  public CompletionStage<Void> pause(String id) {
    return submit(() -> {
      Handle handle = runningHandle(id);
      runc.pause(id);
      handle.state = ContainerState.PAUSED;
      log.info("paused container {}", id);
      return null;
    });
  }

  @Override
  public CompletionStage<Void> unpause(String id) {
    return submit(() -> {
      Handle handle = handle(id);
      if (handle.state != ContainerState.PAUSED) {
        throw new ContainerConflictException("container " + id + " is not paused");
      }
      runc.resume(id);
      handle.state = ContainerState.RUNNING;
      log.info("unpaused container {}", id);
      return null;
    });
  }

  @Override
  public CompletionStage<Void> updateLimits(String id, long memoryBytes, long nanoCpus, long cpuShares) {
    return submit(
        () -> {
          runningHandle(id);
          List<String> arguments = new ArrayList<>();
          if (memoryBytes > 0) {
            arguments.addAll(List.of("--memory", Long.toString(memoryBytes)));
          }
          if (nanoCpus > 0) {
            long quota = nanoCpus * OciConfig.CPU_PERIOD_MICROS / 1_000_000_000L;
            arguments.addAll(
                List.of("--cpu-period", Long.toString(OciConfig.CPU_PERIOD_MICROS), "--cpu-quota", Long.toString(quota)));
          }
          if (cpuShares > 0) {
            arguments.addAll(List.of("--cpu-share", Long.toString(cpuShares)));
          }
          if (!arguments.isEmpty()) {
            runc.update(id, arguments);
            log.info("updated limits of container {}: {}", id, arguments);
          }
          return null;
        });
  }

  @Override
  public CompletionStage<ResourceUsage> stats(String id) {
    return submit(() -> cgroups(runningHandle(id)).usage(clock));
  }

  @Override
  public CompletionStage<ProcessTable> top(String id, List<String> psArgs) {
    return submit(
        () -> {
          Handle handle = runningHandle(id);
          return ProcessListing.list(psArgs, Set.copyOf(cgroups(handle).processIds()));
        });
  }

  private Cgroups cgroups(Handle handle) {
    return new Cgroups(handle.metadata.cgroupsPath(), cgroupV2);
  }

  // Remove

  @Override
  public CompletionStage<Void> remove(String id, boolean force) {
    Handle handle;
    try {
      handle = handle(id);
    } catch (ContainerException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletionStage<ExitStatus> stopped;
    if (handle.exit.isDone()) {
      stopped = handle.exit;
    } else if (force) {
      stopped = stop(id, "SIGKILL", Duration.ZERO);
    } else {
      return CompletableFuture.failedFuture(
          new ContainerConflictException(
              "container " + id + " is " + handle.state.name().toLowerCase() + "; stop it first or remove it with force"));
    }
    return stopped.thenCompose(status -> submit(() -> {
      delete(handle);
      return null;
    }));
  }

  private void delete(Handle handle) throws IOException {
    handles.remove(handle.id);
    handle.closeCaptures();
    runc.delete(handle.id, true);
    RootfsBuilder.unmount(handle.bundle.rootfs());
    FileTrees.deleteRecursively(handle.bundle.directory());
    if (handle.metadata.layerOwner() != null) {
      if (images != null) {
        images.release(handle.id);
      } else {
        log.warn("container {} held image layers as {}, but this runtime has no image store to release them",
            handle.id, handle.metadata.layerOwner());
      }
    }
    log.info("removed container {}", handle.id);
  }

  // Exec

  @Override
  public CompletionStage<ExecResult> exec(String id, ExecRequest request) {
    return submit(() -> {
      Handle handle = execHandle(id);
      Path processFile = writeExecProcess(handle, request);
      try {
        Commands.Output output = runc.exec(id, processFile, request.timeout());
        return new ExecResult(output.exitCode(), output.stdoutBytes(), output.stderrBytes());
      } catch (IOException e) {
        throw new ContainerException("exec in container " + id + " failed: " + e.getMessage(), e);
      } finally {
        Files.deleteIfExists(processFile);
      }
    });
  }

  private Handle execHandle(String id) throws ContainerException {
    Handle handle = runningHandle(id);
    if (handle.state == ContainerState.PAUSED) {
      throw new ContainerConflictException("container " + id + " is paused; unpause it before exec");
    }
    return handle;
  }

  /** Writes the exec'd process's settings to a file in the bundle for {@code runc exec --process}. */
  private Path writeExecProcess(Handle handle, ExecRequest request) throws ContainerException, IOException {
    JsonNode containerProcess = json.readTree(handle.bundle.config().toFile()).path("process");
    OciConfig.Process process = execProcess(handle, containerProcess, request);
    Path processFile = handle.bundle.directory().resolve("exec-" + UUID.randomUUID() + ".json");
    json.writeValue(processFile.toFile(), OciConfig.processNode(json, process));
    return processFile;
  }

  /**
   * Starts {@code runc exec} and completes once the process runs. When runc cannot start it, as
   * for a command that is not found, the stage fails with "OCI runtime exec failed: " and runc's
   * message, and nothing that runc wrote reaches the listener.
   */
  @Override
  public CompletionStage<ExecProcess> startExec(
      String id, ExecRequest request, boolean openStdin, OutputListener listener) {
    return submit(() -> {
      Handle handle = execHandle(id);
      Path processFile = writeExecProcess(handle, request);
      String name = processFile.getFileName().toString().replace(".json", "");
      Path pidFile = processFile.resolveSibling(name + ".pid");
      Path runcLog = processFile.resolveSibling(name + ".log");
      List<Path> files = List.of(processFile, pidFile, runcLog);
      try {
        Process process =
            new ProcessBuilder(runc.execCommand(id, processFile, pidFile, runcLog))
                .redirectInput(
                    openStdin
                        ? ProcessBuilder.Redirect.PIPE
                        : ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        if (!openStdin) {
          process.getOutputStream().close();
        }
        awaitExecStart(id, process, pidFile, runcLog);
        log.info("started exec in container {} with runc pid {}", id, process.pid());
        return new StreamingExec(id, process, files, listener, executor);
      } catch (IOException | ContainerException e) {
        for (Path file : files) {
          Files.deleteIfExists(file);
        }
        if (e instanceof ContainerException failed) {
          throw failed;
        }
        throw new ContainerException("exec in container " + id + " failed: " + e.getMessage(), e);
      }
    });
  }

  /**
   * Waits until runc has written the PID of the exec'd process, or has exited without, because it
   * could not start the process. The process's output stays in its pipes meanwhile. After a
   * failed start they hold only runc's error, which is dropped, because the log has it too.
   */
  private void awaitExecStart(String id, Process runcExec, Path pidFile, Path runcLog)
      throws ContainerException, IOException {
    long deadline = System.nanoTime() + options.startTimeout().toNanos();
    while (!Files.exists(pidFile)) {
      if (!runcExec.isAlive()) {
        if (Files.exists(pidFile)) {
          return; // the process ran and exited, and runc with it
        }
        String stderr = new String(runcExec.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        runcExec.getInputStream().close();
        runcExec.getErrorStream().close();
        List<String> messages = runcErrors(runcLog);
        String message = messages.isEmpty() ? Runc.RuncException.message(stderr) : String.join("; ", messages);
        log.info("exec in container {} failed to start: {}", id, message);
        throw new ContainerException("OCI runtime exec failed: " + message);
      }
      if (System.nanoTime() > deadline) {
        runcExec.destroyForcibly();
        throw new ContainerException(
            "starting an exec in container " + id + " timed out after " + options.startTimeout());
      }
      try {
        runcExec.waitFor(1, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        runcExec.destroyForcibly();
        throw new ContainerException("interrupted while starting an exec in container " + id);
      }
    }
  }

  private OciConfig.Process execProcess(Handle handle, JsonNode containerProcess, ExecRequest request)
      throws ContainerException, IOException {
    Map<String, String> env = new LinkedHashMap<>();
    List<String> entries = new ArrayList<>();
    containerProcess.path("env").forEach(entry -> entries.add(entry.asText()));
    entries.addAll(request.env());
    for (String entry : entries) {
      int equals = entry.indexOf('=');
      env.put(equals < 0 ? entry : entry.substring(0, equals), entry);
    }
    String cwd = request.workingDir().isEmpty() ? containerProcess.path("cwd").asText("/") : request.workingDir();
    UserResolver.ResolvedUser user;
    if (request.user().isEmpty()) {
      JsonNode node = containerProcess.path("user");
      List<Long> gids = new ArrayList<>();
      node.path("additionalGids").forEach(gid -> gids.add(gid.asLong()));
      user = new UserResolver.ResolvedUser(node.path("uid").asLong(), node.path("gid").asLong(), gids);
    } else {
      // NOTE: the container runs while its /etc/passwd is read here, so it could swap the file
      // between lookup and read. ScopedPath still keeps the read inside its root file system.
      user = UserResolver.resolve(handle.bundle.rootfs(), request.user());
    }
    return new OciConfig.Process(request.args(), List.copyOf(env.values()), cwd, user);
  }

  // Attach and stdin

  @Override
  public CompletionStage<Runnable> attach(String id, OutputListener listener) {
    try {
      Handle handle = handle(id);
      boolean ended;
      synchronized (handle) {
        ended = handle.outputEnded;
        if (!ended) {
          handle.listeners.add(listener);
        }
      }
      if (ended) {
        listener.ended();
      }
      return CompletableFuture.completedFuture(() -> handle.listeners.remove(listener));
    } catch (ContainerException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletionStage<Void> writeStdin(String id, byte[] bytes) {
    return submit(() -> {
      Handle handle = runningHandle(id);
      synchronized (handle.stdinLock) {
        FileChannel stdin = handle.stdin;
        if (stdin == null || !stdin.isOpen()) {
          throw new ContainerConflictException(
              "container " + id + " has no open stdin: create it with OpenStdin (docker run -i)");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          stdin.write(buffer);
        }
      }
      return null;
    });
  }

  @Override
  public CompletionStage<Void> closeStdin(String id) {
    return submit(() -> {
      handle(id).closeStdin();
      return null;
    });
  }

  // List, exit and logs

  @Override
  public CompletionStage<List<ContainerInfo>> list() {
    return submit(() -> {
      Map<String, Runc.State> states = new HashMap<>();
      for (Runc.State state : runc.list()) {
        states.put(state.id(), state);
      }
      try (DirectoryStream<Path> bundles = Files.newDirectoryStream(containersDirectory)) {
        for (Path directory : bundles) {
          String id = directory.getFileName().toString();
          if (!handles.containsKey(id) && !starting.contains(id)) {
            adopt(id, new Bundle(directory), states.get(id));
          }
        }
      }
      for (Handle handle : handles.values()) {
        Runc.State state = states.get(handle.id);
        if (state != null && !handle.exit.isDone()) {
          handle.state = state.status().equals("paused") ? ContainerState.PAUSED : handle.state;
          handle.state = state.status().equals("running") ? ContainerState.RUNNING : handle.state;
        }
      }
      List<ContainerInfo> infos = new ArrayList<>();
      handles.values().forEach(handle -> infos.add(handle.info()));
      infos.sort(Comparator.comparing(ContainerInfo::startedAt));
      return infos;
    });
  }

  /**
   * Takes over a container that an earlier runtime on this state directory started: resumes
   * reading its output if it still runs, or records how it ended if it exited meanwhile.
   */
  private void adopt(String id, Bundle bundle, Runc.State state) throws IOException {
    if (!Files.exists(bundle.metadata())) {
      log.warn("bundle {} has no metadata, left by a crash during creation; remove it with force", bundle.directory());
      Metadata placeholder = new Metadata(id, options.cgroupParent() + "/" + id, rootfsMode, null, Instant.EPOCH);
      Handle handle = new Handle(id, bundle, placeholder);
      handle.finish(new ExitStatus(ExitStatus.UNKNOWN_EXIT_CODE, false, clock.instant()));
      handles.put(id, handle);
      return;
    }
    Metadata metadata = json.readValue(bundle.metadata().toFile(), Metadata.class);
    Handle handle = new Handle(id, bundle, metadata);
    handle.markAdopted();
    handles.put(id, handle);
    if (Files.exists(bundle.exitStatus())) {
      handle.finish(json.readValue(bundle.exitStatus().toFile(), ExitStatus.class));
    } else if (state == null || state.status().equals("stopped")) {
      finishExit(handle); // exited while no runtime watched; the shim left the exit code
    } else {
      handle.pid = state.pid();
      handle.state = state.status().equals("paused") ? ContainerState.PAUSED : ContainerState.RUNNING;
      handle.startCapture();
      watchShim(handle);
    }
    log.info("adopted container {} ({})", id, handle.state.name().toLowerCase());
  }

  private void watchShim(Handle handle) throws IOException {
    Optional<ProcessHandle> shim = Optional.empty();
    if (Files.exists(handle.bundle.shimPid())) {
      long pid = Long.parseLong(Files.readString(handle.bundle.shimPid()).trim());
      shim = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    }
    if (shim.isPresent()) {
      // Not our child after a restart, so the JDK polls for its exit, which can take seconds. The
      // FIFOs' end of stream is the prompt signal, and this is the fallback.
      shim.get().onExit().thenRun(handle::unblockCaptures);
    } else {
      handle.unblockCaptures();
    }
  }

  /** Reads how the container ended, records it, and deletes runc's state. Runs on the executor. */
  private void finishExit(Handle handle) {
    synchronized (handle) {
      // run() reports a failed start itself, and markStarted() calls back here if needed.
      if (!handle.started || handle.exit.isDone() || handles.get(handle.id) != handle) {
        return;
      }
      recordExit(handle);
    }
  }

  private void recordExit(Handle handle) {
    try {
      Bundle bundle = handle.bundle;
      Optional<Runc.State> state = runc.state(handle.id);
      if (!Files.exists(bundle.exitCode()) && state.isPresent() && !state.get().status().equals("stopped")) {
        // The shim is gone but the process lives on with its output closed, so poll for its end.
        if (!handle.pollingForExit) {
          handle.pollingForExit = true;
          log.warn("container {} closed its output but still runs; polling for its exit", handle.id);
        }
        CompletableFuture.delayedExecutor(EXIT_POLL.toMillis(), TimeUnit.MILLISECONDS, executor)
            .execute(() -> finishExit(handle));
        return;
      }
      int exitCode =
          Files.exists(bundle.exitCode())
              ? Integer.parseInt(Files.readString(bundle.exitCode()).trim())
              : ExitStatus.UNKNOWN_EXIT_CODE;
      boolean oomKilled = state.isPresent() && CgroupMemory.oomKills(handle.metadata.cgroupsPath(), cgroupV2) > 0;
      ExitStatus status = new ExitStatus(exitCode, oomKilled, clock.instant());
      json.writeValue(bundle.exitStatus().toFile(), status);
      runc.delete(handle.id, false);
      handle.finish(status);
      log.info("container {} exited with code {}{}", handle.id, exitCode, oomKilled ? ", OOM-killed" : "");
    } catch (IOException | RuntimeException e) {
      log.error("failed to record the exit of container {}", handle.id, e);
      handle.finish(new ExitStatus(ExitStatus.UNKNOWN_EXIT_CODE, false, clock.instant()));
    }
  }

  @Override
  public CompletionStage<ExitStatus> onExit(String id) {
    try {
      return handle(id).exit.copy();
    } catch (ContainerException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletionStage<List<LogEntry>> logs(String id) {
    return submit(() -> handle(id).logs.read());
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Handle handle : handles.values()) {
      handle.closeCaptures();
    }
    handles.clear();
    log.info("runc runtime on {} closed; its containers keep running", options.stateDirectory());
  }

  // Helpers

  private Handle handle(String id) throws ContainerException {
    if (closed) {
      throw new ContainerException("the runtime on " + options.stateDirectory() + " is closed");
    }
    Handle handle = handles.get(id);
    if (handle == null) {
      throw new NoSuchContainerException(id);
    }
    return handle;
  }

  private Handle runningHandle(String id) throws ContainerException {
    Handle handle = handle(id);
    if (handle.exit.isDone()) {
      throw new ContainerConflictException("container " + id + " is not running");
    }
    return handle;
  }

  private interface Work<T> {
    T call() throws Exception;
  }

  /**
   * Runs {@code work} on the executor. The stage fails with the {@link ContainerException} itself,
   * not a wrapper. An I/O failure, such as runc exiting non-zero, becomes one with its message.
   */
  private <T> CompletableFuture<T> submit(Work<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      executor.execute(() -> {
        try {
          result.complete(work.call());
        } catch (IOException | UncheckedIOException e) {
          result.completeExceptionally(new ContainerException(e.getMessage(), e));
        } catch (Throwable e) {
          result.completeExceptionally(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
        }
      });
    } catch (RuntimeException rejected) {
      result.completeExceptionally(rejected);
    }
    return result;
  }

  /**
   * The spawn of a shim and its FIFOs, handed to the executor. Whichever comes first runs it: an
   * executor thread, or the thread that needs the shim, so a saturated executor cannot leave that
   * thread waiting on its own queue.
   */
  private static final class ShimSpawn implements Runnable {
    private final Callable<Process> spawn;
    private final AtomicBoolean claimed = new AtomicBoolean();
    private final CompletableFuture<Process> shim = new CompletableFuture<>();

    ShimSpawn(Callable<Process> spawn) {
      this.spawn = spawn;
    }

    @Override
    public void run() {
      if (!claimed.compareAndSet(false, true)) {
        return;
      }
      try {
        shim.complete(spawn.call());
      } catch (Throwable e) {
        shim.completeExceptionally(e);
      }
    }

    /** Returns the shim, spawning it on this thread if no executor thread has begun to. */
    Process await() throws ContainerException, IOException {
      run();
      try {
        return shim.get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof IOException io) {
          throw io;
        }
        if (e.getCause() instanceof RuntimeException runtime) {
          throw runtime;
        }
        throw new ContainerException("spawning the shim failed: " + e.getCause(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ContainerException("interrupted while spawning the shim", e);
      }
    }

    /**
     * Makes sure no shim waits for a release that will not come: prevents the spawn if it has not
     * begun, or else waits for it to end and closes the shim's stdin, so it exits without running
     * runc. Closing it again after a release does nothing.
     */
    void abandon(String id) {
      if (claimed.compareAndSet(false, true)) {
        shim.cancel(false);
        return;
      }
      try {
        shim.get().getOutputStream().close();
      } catch (ExecutionException e) {
        // the spawn failed, so no shim waits
      } catch (IOException e) {
        log.warn("failed to close the stdin of the shim of container {}", id, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The runtime's view of one container. */
  /** Bytes a container wrote to {@code stream}. */
  private record HeldOutput(LogEntry.Stream stream, byte[] bytes) {}

  private final class Handle {
    final String id;
    final Bundle bundle;
    final Metadata metadata;
    final ContainerLogs logs;
    final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    final AtomicInteger openStreams = new AtomicInteger(LogEntry.Stream.values().length);
    final List<LogCapture> captures = new ArrayList<>();
    final List<OutputListener> listeners = new CopyOnWriteArrayList<>();
    final Object stdinLock = new Object();
    // NOTE: only the runtime that started a container has its stdin open; an adopted one has none.
    volatile FileChannel stdin;
    boolean outputEnded; // guarded by this
    volatile ContainerState state = ContainerState.CREATED;
    volatile long pid;
    volatile boolean started;
    volatile boolean pollingForExit;
    /**
     * Output read before the start was confirmed, or null once it was. Until then the output may
     * be runc's own error, because runc writes it to the container's stderr, so a failed start
     * drops it rather than showing it to attached clients as the container's output. Guarded by
     * this.
     */
    private List<HeldOutput> heldOutput = new ArrayList<>();

    Handle(String id, Bundle bundle, Metadata metadata) {
      this.id = id;
      this.bundle = bundle;
      this.metadata = metadata;
      this.logs = new ContainerLogs(bundle.logs(), options.logMaxBytes(), options.logMaxFiles());
    }

    /** Starts capturing, each capture opening its FIFO on its own thread. */
    void startCapture() throws IOException {
      startCapture(Map.of());
    }

    /**
     * Starts capturing from the given read ends where there are some. Read ends not yet handed to
     * a capture are closed if this fails.
     */
    void startCapture(Map<LogEntry.Stream, FileChannel> readers) throws IOException {
      Map<LogEntry.Stream, FileChannel> pending = new EnumMap<>(LogEntry.Stream.class);
      pending.putAll(readers);
      try {
        for (LogEntry.Stream stream : LogEntry.Stream.values()) {
          LogCapture capture =
              new LogCapture(
                  id, stream, bundle.fifo(stream), pending.get(stream), logs.open(stream), clock,
                  this::streamEnded, bytes -> deliver(stream, bytes));
          pending.remove(stream);
          captures.add(capture);
          capture.start();
        }
      } finally {
        for (FileChannel reader : pending.values()) {
          reader.close();
        }
      }
    }

    /** Passes output to the attached listeners, or keeps it back while the start is unconfirmed. */
    private void deliver(LogEntry.Stream stream, byte[] bytes) {
      synchronized (this) {
        if (heldOutput != null) {
          heldOutput.add(new HeldOutput(stream, bytes));
          return;
        }
      }
      listeners.forEach(listener -> listener.output(stream, bytes));
    }

    /**
     * Lets the exit be recorded and passes on the output kept back until now. If both streams
     * already ended, it records the exit now, which also ends the output.
     */
    void markStarted() {
      synchronized (this) {
        // Delivered under the lock, so that no later output overtakes it.
        for (HeldOutput held : heldOutput) {
          listeners.forEach(listener -> listener.output(held.stream(), held.bytes()));
        }
        heldOutput = null;
        started = true;
      }
      if (openStreams.get() == 0) {
        executor.execute(() -> finishExit(this));
      }
    }

    /** Marks a container that an earlier runtime started, whose output needs no holding. */
    void markAdopted() {
      synchronized (this) {
        heldOutput = null;
        started = true;
      }
    }

    /** Drops the output of a start that failed and signals its end to the attached listeners. */
    void dropHeldOutput() {
      synchronized (this) {
        heldOutput = null;
      }
      endOutput();
    }

    private void streamEnded() {
      if (openStreams.decrementAndGet() == 0) {
        synchronized (this) {
          if (heldOutput != null) {
            return; // ended through the exit that markStarted records, or by dropHeldOutput
          }
        }
        endOutput();
        executor.execute(() -> finishExit(this));
      }
    }

    /** Tells the attached listeners that the output ended; later ones hear it when they attach. */
    void endOutput() {
      List<OutputListener> attached;
      synchronized (this) {
        outputEnded = true;
        attached = List.copyOf(listeners);
        listeners.clear();
      }
      closeStdin();
      attached.forEach(OutputListener::ended);
    }

    void closeStdin() {
      synchronized (stdinLock) {
        FileChannel channel = stdin;
        stdin = null;
        if (channel != null) {
          try {
            channel.close();
          } catch (IOException e) {
            log.warn("failed to close the stdin of container {}", id, e);
          }
        }
      }
    }

    void unblockCaptures() {
      captures.forEach(LogCapture::unblockOpen);
    }

    void closeCaptures() {
      captures.forEach(LogCapture::close);
      closeStdin();
    }

    void finish(ExitStatus status) {
      boolean outputOpen;
      synchronized (this) {
        outputOpen = !outputEnded;
      }
      if (outputOpen) {
        endOutput(); // the exit was found without the streams' end, as after an adoption
      }
      state = ContainerState.STOPPED;
      pid = 0;
      exit.complete(status);
    }

    ContainerInfo info() {
      Optional<ExitStatus> status = exit.isDone() ? Optional.of(exit.join()) : Optional.empty();
      return new ContainerInfo(id, state, pid, metadata.startedAt(), status);
    }
  }

  /** Write ends of a bundle's output FIFOs that the runtime keeps open while a container starts. */
  private static final class FifoWriters implements AutoCloseable {
    private final Bundle bundle;
    private final List<FileChannel> channels;

    private FifoWriters(Bundle bundle, List<FileChannel> channels) {
      this.bundle = bundle;
      this.channels = channels;
    }

    /**
     * Opens the read end of each output FIFO, without waiting since the write ends are open. The
     * captures own and close them.
     */
    Map<LogEntry.Stream, FileChannel> openReaders() throws IOException {
      Map<LogEntry.Stream, FileChannel> readers = new EnumMap<>(LogEntry.Stream.class);
      try {
        for (LogEntry.Stream stream : LogEntry.Stream.values()) {
          readers.put(stream, FileChannel.open(bundle.fifo(stream), StandardOpenOption.READ));
        }
      } catch (IOException e) {
        for (FileChannel reader : readers.values()) {
          reader.close();
        }
        throw e;
      }
      return readers;
    }

    /** Opens each output FIFO read-write, which on Linux returns without waiting for a reader. */
    static FifoWriters open(Bundle bundle) throws IOException {
      List<FileChannel> channels = new ArrayList<>();
      try {
        for (LogEntry.Stream stream : LogEntry.Stream.values()) {
          channels.add(FileChannel.open(bundle.fifo(stream), StandardOpenOption.READ, StandardOpenOption.WRITE));
        }
      } catch (IOException e) {
        new FifoWriters(bundle, channels).close();
        throw e;
      }
      return new FifoWriters(bundle, channels);
    }

    @Override
    public void close() throws IOException {
      IOException failure = null;
      for (FileChannel channel : channels) {
        try {
          channel.close();
        } catch (IOException e) {
          failure = e;
        }
      }
      if (failure != null) {
        throw failure;
      }
    }
  }
}
