package io.nereid.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimulatedRuntimeTest {

  private ScheduledExecutorService scheduler;
  private SimulatedRuntime runtime;

  @BeforeEach
  void createRuntime() {
    scheduler = Executors.newScheduledThreadPool(2);
    runtime = new SimulatedRuntime(scheduler, Clock.systemUTC(), Duration.ofMillis(50), Duration.ofMillis(20));
  }

  @AfterEach
  void stopScheduler() {
    scheduler.shutdownNow();
  }

  @Test
  void runTakesStartLatency() {
    Instant before = Instant.now();

    ContainerInfo info = join(runtime.run(spec("a")));

    assertEquals(ContainerState.RUNNING, info.state());
    assertTrue(info.pid() > 0);
    assertTrue(Duration.between(before, Instant.now()).toMillis() >= 50);
  }

  @Test
  void injectedStartFailureFailsOnce() {
    runtime.failNextStart("a", "disk full");

    CompletionException error = assertThrows(CompletionException.class, () -> join(runtime.run(spec("a"))));
    ContainerInfo retried = join(runtime.run(spec("a")));

    assertEquals("simulated start failure of container a: disk full", error.getCause().getMessage());
    assertEquals(ContainerState.RUNNING, retried.state());
  }

  @Test
  void plannedExitHappensAfterDelay() {
    runtime.exitAfter("a", Duration.ofMillis(100), 3, true);
    join(runtime.run(spec("a")));

    ExitStatus exit = join(runtime.onExit("a"));

    assertEquals(3, exit.exitCode());
    assertTrue(exit.oomKilled());
    assertEquals(ContainerState.STOPPED, join(runtime.list()).get(0).state());
  }

  @Test
  void stopEndsWithSignalExitCode() throws Exception {
    join(runtime.run(spec("a")));

    java.util.concurrent.atomic.AtomicInteger kills = new java.util.concurrent.atomic.AtomicInteger();
    ExitStatus exit = join(runtime.stop("a", "SIGTERM", Duration.ofMillis(300), kills::incrementAndGet));

    assertEquals(143, exit.exitCode(), "128 + SIGTERM (15)");
    Thread.sleep(400);
    assertEquals(0, kills.get(), "no SIGKILL followed once the timeout passed");
    assertFalse(exit.oomKilled());
  }

  @Test
  void stopKillsContainerIgnoringSignal() {
    runtime.ignoreSignals("a");
    join(runtime.run(spec("a")));

    Instant before = Instant.now();
    java.util.concurrent.atomic.AtomicInteger kills = new java.util.concurrent.atomic.AtomicInteger();
    ExitStatus exit = join(runtime.stop("a", "TERM", Duration.ofMillis(200), kills::incrementAndGet));

    assertEquals(137, exit.exitCode(), "128 + SIGKILL (9)");
    assertEquals(1, kills.get(), "the callback ran once, before the SIGKILL");
    assertTrue(Duration.between(before, Instant.now()).toMillis() >= 200);
  }

  @Test
  void nonTerminatingSignalChangesNothing() throws Exception {
    join(runtime.run(spec("a")));

    join(runtime.kill("a", "SIGWINCH"));
    Thread.sleep(50);

    assertFalse(runtime.onExit("a").toCompletableFuture().isDone());
  }

  @Test
  void pauseAndUnpauseChangeState() {
    join(runtime.run(spec("a")));

    join(runtime.pause("a"));
    CompletionException execWhilePaused =
        assertThrows(CompletionException.class, () -> join(runtime.exec("a", ExecRequest.of("true"))));
    join(runtime.unpause("a"));

    assertInstanceOf(ContainerConflictException.class, execWhilePaused.getCause());
    assertEquals(ContainerState.RUNNING, join(runtime.list()).get(0).state());
  }

  @Test
  void removeRequiresForceWhileRunning() {
    join(runtime.run(spec("a")));

    CompletionException rejection = assertThrows(CompletionException.class, () -> join(runtime.remove("a", false)));
    join(runtime.remove("a", true));

    assertInstanceOf(ContainerConflictException.class, rejection.getCause());
    assertEquals(List.of(), join(runtime.list()));
    CompletionException afterRemoval = assertThrows(CompletionException.class, () -> join(runtime.onExit("a")));
    assertInstanceOf(NoSuchContainerException.class, afterRemoval.getCause());
  }

  @Test
  void execUsesConfiguredHandlerAndLogsRecordOutput() {
    runtime.setExecHandler(request -> new ExecResult(5, String.join(" ", request.args()).getBytes(), new byte[0]));
    join(runtime.run(spec("a")));
    runtime.writeOutput("a", LogEntry.Stream.STDERR, "warning");

    ExecResult result = join(runtime.exec("a", ExecRequest.of("echo", "hi")));

    assertEquals(5, result.exitCode());
    assertEquals("echo hi", result.stdoutText());
    assertEquals("warning", join(runtime.logs("a")).get(0).line());
  }

  @Test
  void duplicateIdIsRejected() {
    join(runtime.run(spec("a")));

    CompletionException error = assertThrows(CompletionException.class, () -> join(runtime.run(spec("a"))));

    assertInstanceOf(ContainerConflictException.class, error.getCause());
  }

  private static RuntimeSpec spec(String id) {
    return RuntimeSpec.fromRootfs(id, Path.of("/nonexistent")).args("sleep", "1000").build();
  }

  private static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
  }
}
