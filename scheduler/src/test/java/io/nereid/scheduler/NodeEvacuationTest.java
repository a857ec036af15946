package io.nereid.scheduler;

import static io.nereid.scheduler.SchedulerTestCluster.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nereid.agent.NodeAgent;
import io.nereid.agent.NodeAgents;
import io.nereid.container.Container;
import io.nereid.container.ContainerSpec;
import io.nereid.container.ContainerStatus;
import io.nereid.container.PlacementRecord;
import io.nereid.container.RestartPolicy;
import io.nereid.node.ComputeNode;
import io.nereid.node.NodeStatus;
import io.nereid.node.Reservation;
import io.nereid.node.Resources;
import io.nereid.runtime.ContainerInfo;
import io.nereid.runtime.SimulatedRuntime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node becomes lost: its restartable containers run again on other nodes of the pool, exactly
 * once, and the old node is fenced. A node drained with the move flag ends up empty. Node agents run on simulated runtimes; the entities and the
 * scheduler journal to the test Cassandra, which the checks read back.
 */
class NodeEvacuationTest {

  private static final long MIB = 1L << 20;
  private static final String POOL = "loss";
  private static final String DRAIN_POOL = "drain";
  private static final Resources CAPACITY = new Resources(4000, 2048 * MIB, 0);

  private static ActorTestKit kit;
  private static ClusterSharding sharding;
  private static NodeAgents agents;
  private static ScheduledExecutorService timers;
  private static final Map<String, SimulatedRuntime> runtimes = new HashMap<>();
  private static final Map<String, ActorRef<NodeAgent.Command>> agentRefs = new HashMap<>();

  @BeforeAll
  static void start() throws Exception {
    kit = SchedulerTestCluster.startMember("NodeEvacuationTest", SchedulerTestCluster.config("NodeEvacuationTest"), null);
    SchedulerTestCluster.awaitUp(kit.system(), 1);
    sharding = ClusterSharding.get(kit.system());
    agents = new NodeAgents(kit.system(), TIMEOUT);
    timers = Executors.newSingleThreadScheduledExecutor();
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
    timers.shutdownNow();
  }

  /** Starts the agent of a node on the node's runtime, made on first use. */
  static void startAgent(String nodeId) throws Exception {
    SimulatedRuntime runtime =
        runtimes.computeIfAbsent(
            nodeId,
            id -> new SimulatedRuntime(timers, Clock.systemUTC(), Duration.ofMillis(10), Duration.ofMillis(10)));
    agentRefs.put(
        nodeId, kit.spawn(NodeAgent.create(nodeId, runtime, sharding, TIMEOUT), "agent-" + nodeId + "-" + System.nanoTime()));
    // The agent registers with the receptionist asynchronously.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try {
        agents.find(nodeId).toCompletableFuture().get(10, TimeUnit.SECONDS);
        return;
      } catch (java.util.concurrent.ExecutionException e) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("agent of " + nodeId + " never registered", e);
        }
        Thread.sleep(50);
      }
    }
  }

  static Container.State containerAsk(
      String id, Function<ActorRef<StatusReply<Container.State>>, Container.Command> command) throws Exception {
    return sharding
        .entityRefFor(Container.TYPE_KEY, id)
        .askWithStatus(command::apply, TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  static Container.State container(String id) throws Exception {
    return sharding.entityRefFor(Container.TYPE_KEY, id).ask(Container.Get::new, TIMEOUT).toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Creates and places a container; starts it when {@code run}. */
  static Container.State create(String id, String name, RestartPolicy policy, boolean run) throws Exception {
    return create(POOL, id, name, policy, run);
  }

  static Container.State create(String pool, String id, String name, RestartPolicy policy, boolean run)
      throws Exception {
    ContainerSpec spec =
        ContainerSpec.of("busybox", List.of("httpd", "-f")).withMemory(256 * MIB).withRestartPolicy(policy);
    containerAsk(id, replyTo -> new Container.Create("acct", name, spec, replyTo));
    Container.State placed =
        new ContainerPlacement(sharding, pool, TIMEOUT).place(id).toCompletableFuture().get(30, TimeUnit.SECONDS);
    if (!run) {
      return placed;
    }
    containerAsk(id, Container.RequestStart::new);
    agents.ask(placed.nodeId(), replyTo -> new NodeAgent.Start(id, spec, replyTo), TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    return container(id);
  }

  static String id(char fill) {
    return String.valueOf(fill).repeat(64);
  }

  static Container.State await(String id, Predicate<Container.State> condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      Container.State state = container(id);
      if (condition.test(state)) {
        return state;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("container " + id + " never reached the expected state: " + state);
      }
      Thread.sleep(100);
    }
  }

  /** Returns the persisted nodes holding a reservation of each container, from the journal. */
  static Map<String, List<String>> persistedHolders(List<String> nodeIds) {
    Map<String, List<String>> holders = new HashMap<>();
    for (String nodeId : nodeIds) {
      Map<String, Reservation> held = SchedulerTestCluster.persistedReservations(kit.system(), nodeId);
      for (String containerId : held.keySet()) {
        holders.computeIfAbsent(containerId, id -> new ArrayList<>()).add(nodeId);
      }
    }
    return holders;
  }

  /** Returns whether the node's runtime has the container's process alive. */
  static boolean runsOn(String nodeId, String containerId) throws Exception {
    SimulatedRuntime runtime = runtimes.get(nodeId);
    for (ContainerInfo info : runtime.list().toCompletableFuture().get(10, TimeUnit.SECONDS)) {
      if (info.id().equals(containerId) && info.exit().isEmpty()) {
        return true;
      }
    }
    return false;
  }

  @Test
  void lostNodeContainersRunElsewhereOnce() throws Exception {
    SchedulerTestCluster.register(sharding, "loss-n1", POOL, CAPACITY, Map.of());
    SchedulerTestCluster.awaitPoolSize(sharding, POOL, 1);
    startAgent("loss-n1");
    String always = id('a');
    String onFailure = id('b');
    String never = id('c');
    String userStopped = id('d');
    String interrupted = id('e');
    create(always, "always", new RestartPolicy("always", 0), true);
    create(onFailure, "on-failure", new RestartPolicy("on-failure", 0), true);
    create(never, "never", RestartPolicy.NO, true);
    create(userStopped, "user-stopped", new RestartPolicy("unless-stopped", 0), false);
    Container.State interruptedBefore = create(interrupted, "interrupted", new RestartPolicy("always", 0), true);
    for (int i = 2; i <= 3; i++) {
      SchedulerTestCluster.register(sharding, "loss-n" + i, POOL, CAPACITY, Map.of());
      startAgent("loss-n" + i);
    }
    SchedulerTestCluster.awaitPoolSize(sharding, POOL, 3);
    // A relocation interrupted after its reservation: the container has one on another node too.
    PlacementRecord halfway =
        sharding
            .entityRefFor(PoolScheduler.TYPE_KEY, POOL)
            .<PlacementRecord>askWithStatus(
                replyTo -> new PoolScheduler.Place(PlacementSpec.of(interruptedBefore), "loss-n1", replyTo), TIMEOUT)
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    // The machine goes away: its agent stops, and its runtime keeps what ran.
    kit.stop(agentRefs.get("loss-n1"));

    sharding
        .entityRefFor(ComputeNode.TYPE_KEY, "loss-n1")
        .<ComputeNode.State>askWithStatus(
            replyTo -> new ComputeNode.ChangeStatus(NodeStatus.LOST, "test", replyTo), TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);

    Map<String, Container.State> moved = new HashMap<>();
    for (String id : List.of(always, onFailure, interrupted)) {
      moved.put(id, await(id, state -> state.isRunning() && !state.nodeId().equals("loss-n1")));
    }
    Container.State neverState = await(never, state -> state.status() == ContainerStatus.EXITED);
    // Wait for the old reservations to go, which is the relocation's last step.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    Map<String, List<String>> holders = persistedHolders(List.of("loss-n1", "loss-n2", "loss-n3"));
    while (holders.get(always).size() + holders.get(onFailure).size() + holders.get(interrupted).size() > 3
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
      holders = persistedHolders(List.of("loss-n1", "loss-n2", "loss-n3"));
    }

    for (String id : moved.keySet()) {
      Container.State state = moved.get(id);
      assertEquals(List.of(state.nodeId()), holders.get(id), "persisted reservations of " + id);
      assertTrue(runsOn(state.nodeId(), id), id + " runs on " + state.nodeId());
      assertTrue(
          SchedulerTestCluster.persistedEvents(kit.system(), "Container|" + id).stream()
              .anyMatch(event -> event instanceof Container.ContainerMoved),
          "ContainerMoved persisted for " + id);
    }
    assertEquals(halfway.nodeId(), moved.get(interrupted).nodeId());
    assertEquals("loss-n1", neverState.nodeId());
    assertEquals(Container.DesiredState.STOPPED, neverState.desired());
    assertEquals(List.of("loss-n1"), holders.get(never));
    assertEquals(List.of("loss-n1"), holders.get(userStopped));
    assertEquals(ContainerStatus.PLACED, container(userStopped).status());

    // A late report from the old node is rejected.
    StatusReply<Container.State> late =
        sharding
            .entityRefFor(Container.TYPE_KEY, always)
            .<StatusReply<Container.State>>ask(
                replyTo -> new Container.ReportExited("loss-n1", 0, false, replyTo), TIMEOUT)
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    assertTrue(late.isError(), late::toString);
    assertEquals(
        "container " + always + " is placed on node " + moved.get(always).nodeId() + ", not on loss-n1",
        late.getError().getMessage());
    assertTrue(container(always).isRunning());

    // The old machine's agent comes back and ends what must not run there any more.
    assertTrue(runsOn("loss-n1", always));
    startAgent("loss-n1");
    long fenceDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while ((runsOn("loss-n1", always) || runsOn("loss-n1", never)) && System.nanoTime() < fenceDeadline) {
      Thread.sleep(100);
    }
    for (String id : List.of(always, onFailure, never, interrupted)) {
      assertTrue(!runsOn("loss-n1", id), id + " ended on the old node");
    }
    for (String id : moved.keySet()) {
      assertNotEquals("loss-n1", container(id).nodeId());
      assertTrue(container(id).isRunning(), id + " still runs on its new node");
    }
  }

  @Test
  void drainWithMoveEmptiesNode() throws Exception {
    SchedulerTestCluster.register(sharding, "drain-n1", DRAIN_POOL, CAPACITY, Map.of());
    SchedulerTestCluster.awaitPoolSize(sharding, DRAIN_POOL, 1);
    startAgent("drain-n1");
    String restarted = id('1');
    String stopped = id('2');
    String idle = id('3');
    create(DRAIN_POOL, restarted, "restarted", new RestartPolicy("unless-stopped", 0), true);
    create(DRAIN_POOL, stopped, "stopped", RestartPolicy.NO, true);
    create(DRAIN_POOL, idle, "idle", RestartPolicy.NO, false);
    SchedulerTestCluster.register(sharding, "drain-n2", DRAIN_POOL, CAPACITY, Map.of());
    startAgent("drain-n2");
    SchedulerTestCluster.awaitPoolSize(sharding, DRAIN_POOL, 2);

    ComputeNode.State draining =
        sharding
            .entityRefFor(ComputeNode.TYPE_KEY, "drain-n1")
            .<ComputeNode.State>askWithStatus(
                replyTo -> new ComputeNode.ChangeStatus(NodeStatus.DRAINING, "test", replyTo), TIMEOUT)
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    sharding
        .entityRefFor(PoolScheduler.TYPE_KEY, DRAIN_POOL)
        .<Done>askWithStatus(replyTo -> new PoolScheduler.Evacuate(draining, replyTo), TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!SchedulerTestCluster.persistedReservations(kit.system(), "drain-n1").isEmpty()
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    Container.State restartedState = await(restarted, Container.State::isRunning);

    assertEquals(Map.of(), SchedulerTestCluster.persistedReservations(kit.system(), "drain-n1"));
    assertEquals(
        java.util.Set.of(restarted, stopped, idle),
        SchedulerTestCluster.persistedReservations(kit.system(), "drain-n2").keySet());
    assertEquals("drain-n2", restartedState.nodeId());
    assertEquals("restarted", restartedState.name());
    assertTrue(runsOn("drain-n2", restarted));
    assertTrue(!runsOn("drain-n1", restarted), "restarted removed from the drained node");
    Container.State stoppedState = container(stopped);
    assertEquals("drain-n2", stoppedState.nodeId());
    assertEquals("stopped", stoppedState.name());
    assertEquals(ContainerStatus.EXITED, stoppedState.status());
    assertEquals(Container.DesiredState.STOPPED, stoppedState.desired());
    assertTrue(!runsOn("drain-n1", stopped), "stopped removed from the drained node");
    assertTrue(!runsOn("drain-n2", stopped), "stopped not started on its new node");
    Container.State idleState = container(idle);
    assertEquals("drain-n2", idleState.nodeId());
    assertEquals("idle", idleState.name());
    assertEquals(ContainerStatus.PLACED, idleState.status());
    List<Object> events = SchedulerTestCluster.persistedEvents(kit.system(), "PoolScheduler|" + DRAIN_POOL);
    assertTrue(
        events.stream().anyMatch(event -> event instanceof PoolScheduler.NodeEvacuationRequested),
        () -> "events: " + events);
  }
}
