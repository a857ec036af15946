package io.nereid.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nereid.container.Container;
import io.nereid.container.ContainerSpec;
import io.nereid.container.ContainerStatus;
import io.nereid.container.PlacementRecord;
import io.nereid.entity.EntitySettings;
import io.nereid.entity.EntitySharding;
import io.nereid.node.ComputeNode;
import io.nereid.node.NodeObserver;
import io.nereid.node.Reservation;
import io.nereid.node.Resources;
import io.nereid.persistence.testing.CassandraJournalConfig;
import io.nereid.runtime.ContainerInfo;
import io.nereid.runtime.ExitStatus;
import io.nereid.runtime.RuntimeSpec;
import io.nereid.runtime.SimulatedRuntime;
import com.typesafe.config.Config;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reconciliation when a node agent starts on a runtime that outlived its predecessor: a
 * one-member cluster with the real entities and journal, and the simulated runtime standing for
 * what runc still runs.
 */
class NodeAgentTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final Resources SMALL = new Resources(100, 64L << 20, 0);

  private static ActorTestKit kit;
  private static ClusterSharding sharding;
  private static ScheduledExecutorService timers;

  @BeforeAll
  static void start() {
    Config config =
        CassandraJournalConfig.freshKeyspaces(
            "NodeAgentTest",
            "pekko.actor.provider = cluster\n"
                + "pekko.remote.artery.canonical.hostname = 127.0.0.1\n"
                + "pekko.remote.artery.canonical.port = 0\n"
                + "pekko.cluster.roles = [control]\n");
    kit = ActorTestKit.create("NodeAgentTest", config);
    EntitySharding.init(kit.system(), EntitySettings.fromConfig(config), NodeObserver.NONE);
    sharding = ClusterSharding.get(kit.system());
    Cluster cluster = Cluster.get(kit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    timers = Executors.newSingleThreadScheduledExecutor();
  }

  @AfterAll
  static void stop() {
    timers.shutdownNow();
    kit.shutdownTestKit();
  }

  private static Container.State ask(
      String containerId, Function<ActorRef<StatusReply<Container.State>>, Container.Command> command)
      throws Exception {
    return sharding
        .entityRefFor(Container.TYPE_KEY, containerId)
        .askWithStatus(command::apply, TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  private static Container.State container(String containerId) throws Exception {
    return sharding
        .entityRefFor(Container.TYPE_KEY, containerId)
        .ask(Container.Get::new, TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  /** Creates a container placed on {@code nodeId} and wanted running, with its reservation. */
  private static void placeRunning(String containerId, String nodeId) throws Exception {
    ContainerSpec spec = ContainerSpec.of("busybox", List.of("sleep", "600"));
    ask(containerId, replyTo -> new Container.Create("acct", containerId, spec, replyTo));
    PlacementRecord placement =
        new PlacementRecord(containerId, nodeId, "bin-pack", "test placement", SMALL, List.of(), List.of());
    ask(containerId, replyTo -> new Container.Place(placement, replyTo));
    ask(containerId, Container.RequestStart::new);
    sharding
        .entityRefFor(ComputeNode.TYPE_KEY, nodeId)
        .<Done>askWithStatus(replyTo -> new ComputeNode.Reserve(containerId, Reservation.of(SMALL), replyTo), TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  private static void register(String nodeId) throws Exception {
    sharding
        .entityRefFor(ComputeNode.TYPE_KEY, nodeId)
        .<ComputeNode.State>askWithStatus(
            replyTo -> new ComputeNode.Register("default", new Resources(4000, 8L << 30, 0), Map.of(), replyTo),
            TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  private static void runInRuntime(SimulatedRuntime runtime, String containerId) throws Exception {
    runtime
        .run(RuntimeSpec.fromImage(containerId, "busybox").args("sleep", "600").build())
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  private static List<String> runtimeIds(SimulatedRuntime runtime) throws Exception {
    return runtime.list().toCompletableFuture().get(10, TimeUnit.SECONDS).stream().map(ContainerInfo::id).toList();
  }

  private static void awaitCondition(String description, java.util.concurrent.Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.call()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + description);
      }
      Thread.sleep(50);
    }
  }

  @Test
  void restartedAgentSettlesEveryContainer() throws Exception {
    String node = "reconcile-n1";
    register(node);
    register("reconcile-n2");
    String unreported = "a".repeat(64);
    String vanished = "b".repeat(64);
    String moved = "c".repeat(64);
    String removed = "d".repeat(64);
    String adopted = "e".repeat(64);
    SimulatedRuntime runtime = new SimulatedRuntime(timers, Clock.systemUTC(), Duration.ZERO, Duration.ZERO);

    // Ran, but the agent stopped before the start was recorded.
    placeRunning(unreported, node);
    runInRuntime(runtime, unreported);
    // Recorded running, but the runtime no longer has it.
    placeRunning(vanished, node);
    ask(vanished, replyTo -> new Container.ReportStarted(node, replyTo));
    // Still runs here, but was placed on another node meanwhile.
    placeRunning(moved, "reconcile-n2");
    runInRuntime(runtime, moved);
    // Still runs here, but the user removed it meanwhile.
    placeRunning(removed, node);
    ask(removed, replyTo -> new Container.Remove(true, replyTo));
    runInRuntime(runtime, removed);
    // Runs and is recorded running: adopted as it is.
    placeRunning(adopted, node);
    runInRuntime(runtime, adopted);
    ask(adopted, replyTo -> new Container.ReportStarted(node, replyTo));

    ActorRef<NodeAgent.Command> agent = kit.spawn(NodeAgent.create(node, runtime, sharding, TIMEOUT));

    awaitCondition("the unreported start is recorded", () -> container(unreported).isRunning());
    awaitCondition("the vanished container is recorded exited", () -> !container(vanished).isRunning());
    awaitCondition("the moved and removed copies are gone", () -> !runtimeIds(runtime).contains(moved)
        && !runtimeIds(runtime).contains(removed));

    Container.State vanishedState = container(vanished);
    assertEquals(ContainerStatus.EXITED, vanishedState.status());
    assertEquals(ExitStatus.UNKNOWN_EXIT_CODE, vanishedState.exitCode());
    assertEquals(List.of(unreported, adopted), runtimeIds(runtime).stream().sorted().toList());
    assertTrue(container(adopted).isRunning());
    assertEquals("reconcile-n2", container(moved).nodeId());
    assertFalse(container(moved).isRunning());

    // Inspect queries the agent, which reports an adopted container's pid as it does a started one's.
    long adoptedPid = runtime.list().toCompletableFuture().get(10, TimeUnit.SECONDS).stream()
        .filter(info -> info.id().equals(adopted)).findFirst().orElseThrow().pid();
    NodeAgent.RuntimeView view =
        AskPattern.<NodeAgent.Command, NodeAgent.RuntimeView>askWithStatus(
                agent, replyTo -> new NodeAgent.Describe(adopted, replyTo), TIMEOUT, kit.scheduler())
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    assertEquals("running", view.state());
    assertTrue(adoptedPid > 0);
    assertEquals(adoptedPid, view.pid());
  }

  @Test
  void stopOfVanishedContainerRecordsExit() throws Exception {
    String node = "stop-n1";
    register(node);
    SimulatedRuntime runtime = new SimulatedRuntime(timers, Clock.systemUTC(), Duration.ZERO, Duration.ZERO);
    ActorRef<NodeAgent.Command> agent = kit.spawn(NodeAgent.create(node, runtime, sharding, TIMEOUT));
    // Recorded running after the agent started, while the runtime never had it: its start was
    // rolled back and the exit report lost.
    String vanished = "f".repeat(64);
    placeRunning(vanished, node);
    ask(vanished, replyTo -> new Container.ReportStarted(node, replyTo));

    StatusReply<Done> reply =
        AskPattern.<NodeAgent.Command, StatusReply<Done>>ask(
                agent, replyTo -> new NodeAgent.Stop(vanished, "SIGTERM", 1, replyTo), TIMEOUT, kit.scheduler())
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);

    assertTrue(reply.isSuccess(), () -> "stop failed: " + reply);
    Container.State stopped = container(vanished);
    assertEquals(ContainerStatus.EXITED, stopped.status());
    assertEquals(ExitStatus.UNKNOWN_EXIT_CODE, stopped.exitCode());
  }
}
