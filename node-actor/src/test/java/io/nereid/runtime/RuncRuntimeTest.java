package io.nereid.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nereid.image.BusyboxRootfs;
import io.nereid.image.Image;
import io.nereid.image.ImageLoader;
import io.nereid.image.ImageStore;
import io.nereid.image.TarBuilder;
import io.nereid.image.TestImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real containers under runc, as root, from a busybox root file system built from Debian's
 * busybox-static. The tests fail, not skip, when runc, busybox or root is missing.
 */
class RuncRuntimeTest {

  private static final String CGROUP_PARENT = "/nereid-test-" + ThreadLocalRandom.current().nextInt(1 << 20);

  @TempDir static Path shared;
  private static Path rootfs;
  private static ExecutorService executor;

  @TempDir Path temp;
  private final List<RuncRuntime> runtimes = new ArrayList<>();
  private final Set<Path> stateDirectories = new java.util.LinkedHashSet<>();
  private RuncRuntime runtime;

  @BeforeAll
  static void buildRootfs() throws IOException {
    rootfs = BusyboxRootfs.unpack(shared.resolve("rootfs"));
    executor = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void removeCgroupParent() throws IOException {
    executor.shutdownNow();
    for (Path hierarchy : cgroupHierarchies()) {
      Files.deleteIfExists(hierarchy.resolve(CGROUP_PARENT.substring(1)));
    }
  }

  @BeforeEach
  void openRuntime() throws ContainerException {
    runtime = open(temp.resolve("state"), RuncRuntime.RootfsMode.AUTO);
  }

  /** Removes every container the test left, through a fresh runtime that adopts them all. */
  @AfterEach
  void removeContainers() throws ContainerException {
    runtimes.forEach(RuncRuntime::close);
    for (Path state : List.copyOf(stateDirectories)) {
      RuncRuntime cleaner = open(state, RuncRuntime.RootfsMode.AUTO);
      for (ContainerInfo info : join(cleaner.list())) {
        join(cleaner.remove(info.id(), true));
      }
      cleaner.close();
    }
  }

  @Test
  void capturesStdoutAndStderrSeparately() throws Exception {
    String id = newId();

    join(runtime.run(spec(id).args("sh", "-c", "echo out1; echo err1 >&2; echo out2; exit 3").build()));
    ExitStatus exit = join(runtime.onExit(id));

    assertEquals(3, exit.exitCode());
    assertFalse(exit.oomKilled());
    List<LogEntry> logs = join(runtime.logs(id));
    assertEquals(List.of("out1", "out2"), lines(logs, LogEntry.Stream.STDOUT));
    assertEquals(List.of("err1"), lines(logs, LogEntry.Stream.STDERR));
    for (int i = 1; i < logs.size(); i++) {
      assertFalse(logs.get(i).time().isBefore(logs.get(i - 1).time()), "entries are in time order");
    }
    Path stdoutFile = temp.resolve("state/containers/" + id + "/logs/stdout.log");
    assertTrue(Files.readAllLines(stdoutFile).get(0).matches("\\S+Z stdout F out1"), Files.readString(stdoutFile));
  }

  @Test
  void parallelShortRunsKeepOutputAndExit() throws Exception {
    // Busy threads delay the start of the log capture threads, as a loaded machine does, so
    // that containers exit before their captures would otherwise have opened the FIFOs.
    java.util.concurrent.atomic.AtomicBoolean busy = new java.util.concurrent.atomic.AtomicBoolean(true);
    List<Thread> spinners = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Thread spinner = new Thread(() -> {
        while (busy.get()) {
          Thread.onSpinWait();
        }
      });
      spinner.setDaemon(true);
      spinner.start();
      spinners.add(spinner);
    }
    List<String> ids = new ArrayList<>();
    List<java.util.concurrent.CompletableFuture<ContainerInfo>> starts = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        String id = newId();
        ids.add(id);
        starts.add(runtime.run(spec(id).args("echo", "r" + i).build()).toCompletableFuture());
      }
      for (var start : starts) {
        start.get(60, java.util.concurrent.TimeUnit.SECONDS);
      }
    } finally {
      busy.set(false);
      for (Thread spinner : spinners) {
        spinner.join();
      }
    }

    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      ExitStatus exit = runtime.onExit(id).toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(0, exit.exitCode(), id);
      assertEquals(List.of("r" + i), lines(join(runtime.logs(id)), LogEntry.Stream.STDOUT), id);
    }
  }

  @Test
  void passesEnvWorkingDirUserAndHostname() throws Exception {
    String id = newId();
    RuntimeSpec spec =
        spec(id)
            .args("sh", "-c", "echo $FOO; pwd; id -u; id -g; id -G; hostname; echo $HOSTNAME")
            .env(List.of("FOO=bar baz"))
            .workingDir("/work/dir")
            .user("app")
            .hostname("web")
            .build();

    join(runtime.run(spec));
    assertEquals(0, join(runtime.onExit(id)).exitCode());

    assertEquals(
        List.of("bar baz", "/work/dir", "1000", "1000", "1000 50", "web", "web"),
        lines(join(runtime.logs(id)), LogEntry.Stream.STDOUT));
  }

  @Test
  void rootGetsDockerDefaultCapabilitiesAndUserNone() throws Exception {
    String rootId = newId();
    String userId = newId();
    String script = "grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status";

    join(runtime.run(spec(rootId).args("sh", "-c", script).build()));
    join(runtime.run(spec(userId).args("sh", "-c", script).user("1000:1000").build()));
    join(runtime.onExit(rootId));
    join(runtime.onExit(userId));

    // Docker's 14 default capabilities as a bit mask, the value `docker run busybox` shows.
    String dockerDefault = "00000000a80425fb";
    assertEquals(
        List.of("CapEff:\t" + dockerDefault, "CapBnd:\t" + dockerDefault, "NoNewPrivs:\t1"),
        lines(join(runtime.logs(rootId)), LogEntry.Stream.STDOUT));
    assertEquals(
        List.of("CapEff:\t0000000000000000", "CapBnd:\t" + dockerDefault, "NoNewPrivs:\t1"),
        lines(join(runtime.logs(userId)), LogEntry.Stream.STDOUT));
  }

  @Test
  void memoryLimitOomKillIsReported() throws Exception {
    String id = newId();
    // dd allocates a 128 MiB buffer and fills it, far beyond the 32 MiB limit.
    RuntimeSpec spec =
        spec(id).args("dd", "if=/dev/zero", "of=/dev/null", "bs=128M", "count=1").memoryBytes(32L << 20).build();

    join(runtime.run(spec));
    ExitStatus exit = join(runtime.onExit(id));

    assertEquals(137, exit.exitCode(), "killed by SIGKILL: 128 + 9");
    assertTrue(exit.oomKilled());
  }

  @Test
  void stopSendsSigkillAfterTimeout() throws Exception {
    String id = newId();
    // As PID 1 of its namespace, sleep has no handler for SIGTERM, so the kernel ignores it.
    join(runtime.run(spec(id).args("sleep", "1000").build()));

    Instant before = Instant.now();
    java.util.concurrent.atomic.AtomicInteger kills = new java.util.concurrent.atomic.AtomicInteger();
    ExitStatus exit = join(runtime.stop(id, "SIGTERM", Duration.ofSeconds(1), kills::incrementAndGet));
    Duration took = Duration.between(before, Instant.now());

    assertEquals(137, exit.exitCode());
    assertEquals(1, kills.get(), "the callback ran once, before the SIGKILL");
    assertFalse(exit.oomKilled());
    assertTrue(took.compareTo(Duration.ofMillis(900)) >= 0, "stop waited for the timeout, took " + took);
    assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "SIGKILL followed the timeout, took " + took);
  }

  @Test
  void stopLetsTrappingProcessExitCleanly() throws Exception {
    String id = newId();
    String script = "trap 'echo bye; exit 0' TERM; echo ready; while true; do sleep 0.1; done";
    join(runtime.run(spec(id).args("sh", "-c", script).build()));
    awaitLog(id, entry -> entry.line().equals("ready"));

    java.util.concurrent.atomic.AtomicInteger kills = new java.util.concurrent.atomic.AtomicInteger();
    ExitStatus exit = join(runtime.stop(id, "TERM", Duration.ofSeconds(20), kills::incrementAndGet));

    assertEquals(0, exit.exitCode());
    assertEquals(0, kills.get(), "no SIGKILL followed");
    assertTrue(lines(join(runtime.logs(id)), LogEntry.Stream.STDOUT).contains("bye"));
  }

  @Test
  void execRunsProcessInContainer() throws Exception {
    String id = newId();
    join(runtime.run(spec(id).args("sleep", "1000").env(List.of("FOO=container")).build()));

    ExecResult result =
        join(runtime.exec(id, new ExecRequest(
            List.of("sh", "-c", "echo $FOO $EXTRA; pwd; id -u; echo oops >&2"),
            List.of("EXTRA=exec"), "app", "/tmp", null)));
    ExecResult failing = join(runtime.exec(id, ExecRequest.of("sh", "-c", "exit 7")));
    ExecResult missing = join(runtime.exec(id, ExecRequest.of("/no/such/binary")));

    assertEquals(0, result.exitCode());
    assertEquals("container exec\n/tmp\n1000\n", result.stdoutText());
    assertEquals("oops\n", result.stderrText());
    assertEquals(7, failing.exitCode());
    assertTrue(missing.exitCode() != 0);
    assertTrue(missing.stderrText().contains("no such file or directory"), missing.stderrText());
  }

  /** Collects what a container or exec writes, per stream, and notes the end of its output. */
  private static final class RecordingListener implements OutputListener {
    final java.util.Map<LogEntry.Stream, java.io.ByteArrayOutputStream> streams =
        new java.util.concurrent.ConcurrentHashMap<>();
    final java.util.concurrent.CompletableFuture<Void> ended = new java.util.concurrent.CompletableFuture<>();

    @Override
    public void output(LogEntry.Stream stream, byte[] bytes) {
      java.io.ByteArrayOutputStream out = streams.computeIfAbsent(stream, key -> new java.io.ByteArrayOutputStream());
      synchronized (out) {
        out.writeBytes(bytes);
      }
    }

    @Override
    public void ended() {
      ended.complete(null);
    }

    String text(LogEntry.Stream stream) {
      java.io.ByteArrayOutputStream out = streams.getOrDefault(stream, new java.io.ByteArrayOutputStream());
      synchronized (out) {
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
      }
    }
  }

  @Test
  void openStdinFeedsContainerAndListenerGetsOutput() throws Exception {
    String id = newId();
    RecordingListener listener = new RecordingListener();
    String script = "read line; echo got $line; echo warn >&2; cat";
    join(runtime.run(spec(id).args("sh", "-c", script).openStdin(true).build(), listener));

    join(runtime.writeStdin(id, "first\nrest".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    join(runtime.closeStdin(id));
    ExitStatus status = join(runtime.onExit(id));
    listener.ended.get(10, TimeUnit.SECONDS);

    assertEquals(0, status.exitCode());
    assertEquals("got first\nrest", listener.text(LogEntry.Stream.STDOUT));
    assertEquals("warn\n", listener.text(LogEntry.Stream.STDERR));
  }

  @Test
  void containerWithoutOpenStdinRejectsWrites() throws Exception {
    String id = newId();
    join(runtime.run(spec(id).args("sleep", "1000").build()));

    CompletionException rejected =
        assertThrows(CompletionException.class, () -> join(runtime.writeStdin(id, new byte[] {'x'})));

    assertInstanceOf(ContainerConflictException.class, rejected.getCause());
    assertTrue(rejected.getCause().getMessage().contains("has no open stdin"), rejected.getCause().getMessage());
  }

  @Test
  void attachAfterExitEndsAtOnce() throws Exception {
    String id = newId();
    join(runtime.run(spec(id).args("true").build()));
    join(runtime.onExit(id));
    RecordingListener listener = new RecordingListener();

    join(runtime.attach(id, listener));

    assertTrue(listener.ended.isDone());
  }

  @Test
  void startExecStreamsOutputAndStdin() throws Exception {
    String id = newId();
    join(runtime.run(spec(id).args("sleep", "1000").build()));
    RecordingListener listener = new RecordingListener();

    ExecProcess process =
        join(runtime.startExec(id, ExecRequest.of("sh", "-c", "cat; echo bye >&2; exit 3"), true, listener));
    join(process.writeStdin("hello".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    join(process.closeStdin());
    int exitCode = join(process.exit());

    assertEquals(3, exitCode);
    assertEquals("hello", listener.text(LogEntry.Stream.STDOUT));
    assertEquals("bye\n", listener.text(LogEntry.Stream.STDERR));
    assertTrue(listener.ended.isDone(), "the output ended before the exit was reported");
  }

  @Test
  void pauseFreezesAndUnpauseThaws() throws Exception {
    String id = newId();
    join(runtime.run(spec(id).args("sleep", "1000").build()));

    join(runtime.pause(id));
    ContainerState paused = state(runtime, id);
    CompletionException execWhilePaused =
        assertThrows(CompletionException.class, () -> join(runtime.exec(id, ExecRequest.of("true"))));
    join(runtime.unpause(id));

    assertEquals(ContainerState.PAUSED, paused);
    assertInstanceOf(ContainerConflictException.class, execWhilePaused.getCause());
    assertEquals(ContainerState.RUNNING, state(runtime, id));
    assertEquals(0, join(runtime.exec(id, ExecRequest.of("true"))).exitCode());
  }

  @Test
  void freshRuntimeAdoptsRunningContainerAndKeepsLogging() throws Exception {
    String id = newId();
    String ticker = "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done";
    ContainerInfo started = join(runtime.run(spec(id).args("sh", "-c", ticker).build()));
    awaitLog(id, entry -> entry.line().equals("tick 3"));
    runtime.close();
    int lastBefore = lastTick(temp.resolve("state/containers/" + id + "/logs/stdout.log"));

    RuncRuntime adopter = open(temp.resolve("state"), RuncRuntime.RootfsMode.AUTO);
    List<ContainerInfo> listed = join(adopter.list());

    ContainerInfo info = listed.stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
    assertEquals(ContainerState.RUNNING, info.state());
    assertTrue(started.pid() > 0);
    assertEquals(started.pid(), info.pid(), "the adopted container reports the pid its start did");
    int target = lastBefore + 5;
    awaitLog(adopter, id, entry -> entry.line().equals("tick " + target));
    List<String> ticks = lines(join(adopter.logs(id)), LogEntry.Stream.STDOUT);
    for (int i = 0; i <= target; i++) {
      assertEquals("tick " + i, ticks.get(i), "no line lost or doubled across the restart");
    }
    ExitStatus exit = join(adopter.stop(id, "KILL", Duration.ofSeconds(5)));
    assertEquals(137, exit.exitCode());
  }

  @Test
  void freshRuntimeRecordsExitThatHappenedWhileAway() throws Exception {
    String id = newId();
    join(runtime.run(spec(id).args("sleep", "1000").build()));
    runtime.close();
    // With no runtime reading, the container ends: killed by a signal sent directly through runc.
    Commands.check(
        List.of(RuncRuntime.Options.defaults(temp).runcBinary().toString(), "--root",
            temp.resolve("state/runc").toString(), "kill", id, "KILL"),
        Duration.ofSeconds(10));
    awaitFile(temp.resolve("state/containers/" + id + "/exit-code"));

    RuncRuntime adopter = open(temp.resolve("state"), RuncRuntime.RootfsMode.AUTO);
    ContainerInfo info = join(adopter.list()).stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();

    assertEquals(ContainerState.STOPPED, info.state());
    assertEquals(137, info.exit().orElseThrow().exitCode());
    assertEquals(137, join(adopter.onExit(id)).exitCode());
  }

  @Test
  void removeDeletesBundleRootfsAndLogs() throws Exception {
    String id = newId();
    join(runtime.run(spec(id).args("sleep", "1000").build()));
    Path bundle = temp.resolve("state/containers/" + id);
    boolean mountedWhileRunning = RootfsBuilder.isMountPoint(bundle.resolve("rootfs"));

    CompletionException rejection = assertThrows(CompletionException.class, () -> join(runtime.remove(id, false)));
    join(runtime.remove(id, true));

    assertEquals(runtime.rootfsMode() == RuncRuntime.RootfsMode.OVERLAY, mountedWhileRunning);
    assertInstanceOf(ContainerConflictException.class, rejection.getCause());
    assertFalse(Files.exists(bundle), "bundle, rootfs and logs are afterRemoval");
    assertFalse(RootfsBuilder.isMountPoint(bundle.resolve("rootfs")));
    CompletionException afterRemoval = assertThrows(CompletionException.class, () -> join(runtime.logs(id)));
    assertInstanceOf(NoSuchContainerException.class, afterRemoval.getCause());
    assertFalse(join(runtime.list()).stream().anyMatch(c -> c.id().equals(id)));
  }

  @Test
  void runsImageWithWhiteoutLayerAndHoldsItsLayers() throws Exception {
    assertImageContainerRuns(RuncRuntime.RootfsMode.AUTO);
  }

  @Test
  void copyModeRunsImageWithWhiteoutLayer() throws Exception {
    assertImageContainerRuns(RuncRuntime.RootfsMode.COPY);
  }

  private void assertImageContainerRuns(RuncRuntime.RootfsMode mode) throws Exception {
    ImageStore images = ImageStore.open(temp.resolve("images"));
    RuncRuntime withImages = open(options(temp.resolve("image-state")).withRootfsMode(mode), images);
    byte[] top =
        new TarBuilder()
            .file("etc/motd", "welcome\n")
            .file("etc/.wh.group", "")
            .directory("home", 0755)
            .file("home/.wh..wh..opq", "")
            .build();
    TestImage test =
        TestImage.of(
            List.of(BusyboxRootfs.tar(), top), List.of("GREETING=hello", "PATH=/bin"),
            List.of("sh", "-c", "echo $GREETING; cat /etc/motd; ls /etc; ls /home; echo $PATH"));
    Image image =
        new ImageLoader(images, executor, Clock.systemUTC())
            .load(new ByteArrayInputStream(test.dockerArchive(List.of("app:1"), false)), "app.tar")
            .get(0)
            .image();
    String id = newId();

    join(withImages.run(RuntimeSpec.fromImage(id, "app:1").build()));
    ExitStatus exit = join(withImages.onExit(id));

    assertEquals(0, exit.exitCode(), () -> join(withImages.logs(id)).toString());
    assertEquals(
        List.of("hello", "welcome", "hostname", "hosts", "motd", "passwd", "resolv.conf", "/bin"),
        lines(join(withImages.logs(id)), LogEntry.Stream.STDOUT),
        "group is whited out, home/app hidden by the opaque directory, /etc files bind-mounted");
    assertEquals(2, images.layers().references(image.layers().get(0)), "the image and the container");
    join(withImages.remove(id, false));
    assertEquals(1, images.layers().references(image.layers().get(0)));
  }

  @Test
  void readOnlyRootfsRejectsWrites() throws Exception {
    String id = newId();

    join(runtime.run(spec(id).args("sh", "-c", "touch /written").readOnlyRootfs(true).build()));

    assertTrue(join(runtime.onExit(id)).exitCode() != 0);
    assertTrue(join(runtime.logs(id)).toString().contains("Read-only file system"));
  }

  @Test
  void networkNoneHasOnlyUpLoopback() throws Exception {
    String id = newId();

    join(runtime.run(spec(id).args("sh", "-c", "ls /sys/class/net; ping -c 1 -W 2 127.0.0.1 >/dev/null && echo lo-up").build()));
    join(runtime.onExit(id));

    assertEquals(List.of("lo", "lo-up"), lines(join(runtime.logs(id)), LogEntry.Stream.STDOUT));
  }

  @Test
  void hostNetworkSeesHostInterfaces() throws Exception {
    String id = newId();
    Set<String> hostInterfaces = new TreeSet<>();
    try (Stream<Path> interfaces = Files.list(Path.of("/sys/class/net"))) {
      interfaces.forEach(path -> hostInterfaces.add(path.getFileName().toString()));
    }

    join(runtime.run(spec(id).args("ls", "/sys/class/net").networkMode(NetworkMode.HOST).build()));
    join(runtime.onExit(id));

    assertEquals(List.copyOf(hostInterfaces), lines(join(runtime.logs(id)), LogEntry.Stream.STDOUT));
  }

  @Test
  void cpuPidsAndMemoryLimitsReachCgroup() throws Exception {
    String id = newId();
    RuntimeSpec spec =
        spec(id).args("sleep", "1000").nanoCpus(1_500_000_000L).cpuShares(512).pidsLimit(50).memoryBytes(64L << 20).build();

    join(runtime.run(spec));

    String cgroup = CGROUP_PARENT.substring(1) + "/" + id;
    if (Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))) {
      Path directory = Path.of("/sys/fs/cgroup").resolve(cgroup);
      assertEquals("150000 100000", Files.readString(directory.resolve("cpu.max")).trim());
      assertEquals("50", Files.readString(directory.resolve("pids.max")).trim());
      assertEquals(Long.toString(64L << 20), Files.readString(directory.resolve("memory.max")).trim());
    } else {
      Path root = Path.of("/sys/fs/cgroup");
      assertEquals("150000", Files.readString(root.resolve("cpu").resolve(cgroup).resolve("cpu.cfs_quota_us")).trim());
      assertEquals("100000", Files.readString(root.resolve("cpu").resolve(cgroup).resolve("cpu.cfs_period_us")).trim());
      assertEquals("512", Files.readString(root.resolve("cpu").resolve(cgroup).resolve("cpu.shares")).trim());
      assertEquals("50", Files.readString(root.resolve("pids").resolve(cgroup).resolve("pids.max")).trim());
      assertEquals(
          Long.toString(64L << 20),
          Files.readString(root.resolve("memory").resolve(cgroup).resolve("memory.limit_in_bytes")).trim());
    }
  }

  @Test
  void logsRotateBySize() throws Exception {
    RuncRuntime rotating = open(options(temp.resolve("rotating-state")).withLogRotation(1024, 3), null);
    String id = newId();

    join(rotating.run(spec(id).args("sh", "-c", "i=0; while [ $i -lt 200 ]; do echo line $i; i=$((i+1)); done").build()));
    join(rotating.onExit(id));

    Path logs = temp.resolve("rotating-state/containers/" + id + "/logs");
    assertTrue(Files.exists(logs.resolve("stdout.log.1")));
    assertTrue(Files.exists(logs.resolve("stdout.log.2")));
    assertFalse(Files.exists(logs.resolve("stdout.log.3")), "three files in all");
    for (String name : List.of("stdout.log", "stdout.log.1", "stdout.log.2")) {
      assertTrue(Files.size(logs.resolve(name)) <= 1024, name + " stays within the limit");
    }
    List<String> remaining = lines(join(rotating.logs(id)), LogEntry.Stream.STDOUT);
    assertEquals("line 199", remaining.get(remaining.size() - 1));
    assertFalse(remaining.contains("line 0"), "the oldest lines rotated away");
    for (int i = 1; i < remaining.size(); i++) {
      int previous = Integer.parseInt(remaining.get(i - 1).substring(5));
      assertEquals(previous + 1, Integer.parseInt(remaining.get(i).substring(5)), "remaining lines are contiguous");
    }
  }

  @Test
  void longLineIsSplitIntoPartialEntries() throws Exception {
    String id = newId();

    join(runtime.run(spec(id).args("sh", "-c", "head -c 20000 /dev/zero | tr '\\0' a; echo; printf end").build()));
    join(runtime.onExit(id));

    List<LogEntry> logs = join(runtime.logs(id));
    assertEquals(3, logs.size(), logs.toString());
    assertEquals(LogCapture.MAX_LINE_BYTES, logs.get(0).line().length());
    assertTrue(logs.get(0).partial());
    assertEquals(20000 - LogCapture.MAX_LINE_BYTES, logs.get(1).line().length());
    assertFalse(logs.get(1).partial());
    assertEquals("end", logs.get(2).line());
    assertTrue(logs.get(2).partial(), "the stream ended without a newline");
  }

  @Test
  void failedStartNamesCauseAndLeavesNothing() throws Exception {
    String id = newId();

    CompletionException error =
        assertThrows(CompletionException.class, () -> join(runtime.run(spec(id).args("/no/such/binary").build())));

    ContainerException cause = assertInstanceOf(ContainerException.class, error.getCause());
    assertTrue(cause.getMessage().contains("failed to start container " + id), cause.getMessage());
    assertTrue(cause.getMessage().contains("no such file or directory"), cause.getMessage());
    assertFalse(Files.exists(temp.resolve("state/containers/" + id)));
    assertTrue(join(runtime.list()).isEmpty());
  }

  @Test
  void unknownUserFailsBeforeStart() {
    CompletionException error =
        assertThrows(CompletionException.class, () -> join(runtime.run(spec(newId()).args("true").user("ghost").build())));

    assertEquals(
        "unable to find user ghost: no matching entries in the container's /etc/passwd",
        error.getCause().getMessage());
  }

  @Test
  void failedPreparationLeavesNoShimWaiting() throws Exception {
    String id = newId();

    // The shim is spawned while the bundle is prepared, and the unknown user fails that.
    assertThrows(CompletionException.class, () -> join(runtime.run(spec(id).args("true").user("ghost").build())));

    Instant deadline = Instant.now().plusSeconds(20);
    while (!shimsOf(id).isEmpty()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("the shim of " + id + " still waits: " + shimsOf(id));
      }
      Thread.sleep(20);
    }
    assertFalse(Files.exists(temp.resolve("state/containers/" + id)));
  }

  private static List<Long> shimsOf(String id) {
    return ProcessHandle.allProcesses()
        .filter(process -> process.info().arguments().map(arguments -> List.of(arguments).contains(id)).orElse(false))
        .map(ProcessHandle::pid)
        .toList();
  }

  @Test
  void duplicateIdIsRejected() throws Exception {
    String id = newId();
    join(runtime.run(spec(id).args("sleep", "1000").build()));

    CompletionException error = assertThrows(CompletionException.class, () -> join(runtime.run(spec(id).args("true").build())));

    assertInstanceOf(ContainerConflictException.class, error.getCause());
    assertEquals(ContainerState.RUNNING, state(runtime, id));
  }

  @Test
  void killDeliversSignal() throws Exception {
    String id = newId();
    join(runtime.run(spec(id).args("sh", "-c", "trap 'exit 42' USR1; while true; do sleep 0.1; done").build()));

    join(runtime.kill(id, "USR1"));

    assertEquals(42, join(runtime.onExit(id)).exitCode());
  }

  // Helpers

  private RuncRuntime open(Path state, RuncRuntime.RootfsMode mode) throws ContainerException {
    return open(options(state).withRootfsMode(mode), null);
  }

  private RuncRuntime open(RuncRuntime.Options options, ImageStore images) throws ContainerException {
    RuncRuntime opened = RuncRuntime.open(options, images, executor, Clock.systemUTC());
    runtimes.add(opened);
    stateDirectories.add(options.stateDirectory());
    return opened;
  }

  private static RuncRuntime.Options options(Path state) {
    return RuncRuntime.Options.defaults(state).withCgroupParent(CGROUP_PARENT);
  }

  private RuntimeSpec.Builder spec(String id) {
    return RuntimeSpec.fromRootfs(id, rootfs);
  }

  private static String newId() {
    byte[] random = new byte[32];
    ThreadLocalRandom.current().nextBytes(random);
    return HexFormat.of().formatHex(random); // Docker-style 64 hex characters
  }

  private static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(60, TimeUnit.SECONDS).join();
  }

  private static List<String> lines(List<LogEntry> logs, LogEntry.Stream stream) {
    return logs.stream().filter(entry -> entry.stream() == stream).map(LogEntry::line).toList();
  }

  private static ContainerState state(RuncRuntime target, String id) {
    return join(target.list()).stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow().state();
  }

  private void awaitLog(String id, Predicate<LogEntry> expected) throws InterruptedException {
    awaitLog(runtime, id, expected);
  }

  private static void awaitLog(RuncRuntime target, String id, Predicate<LogEntry> expected) throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(20);
    while (Instant.now().isBefore(deadline)) {
      if (join(target.logs(id)).stream().anyMatch(expected)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the expected line did not appear; logs: " + join(target.logs(id)));
  }

  private static void awaitFile(Path file) throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(20);
    while (!Files.exists(file)) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(file + " did not appear");
      }
      Thread.sleep(20);
    }
  }

  private static int lastTick(Path stdoutLog) throws IOException {
    List<String> records = Files.readAllLines(stdoutLog);
    String last = records.get(records.size() - 1);
    return Integer.parseInt(last.substring(last.lastIndexOf(' ') + 1));
  }

  private static List<Path> cgroupHierarchies() throws IOException {
    Path root = Path.of("/sys/fs/cgroup");
    if (Files.exists(root.resolve("cgroup.controllers"))) {
      return List.of(root);
    }
    try (Stream<Path> hierarchies = Files.list(root)) {
      return hierarchies.filter(Files::isDirectory).toList();
    }
  }
}
