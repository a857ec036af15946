package io.nereid.scheduler;

import static io.nereid.scheduler.SchedulerTestCluster.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nereid.node.ComputeNode;
import io.nereid.node.NodeStatus;
import io.nereid.container.Container;
import io.nereid.container.ContainerSpec;
import io.nereid.container.ContainerStatus;
import io.nereid.container.PlacementRecord;
import io.nereid.node.Reservation;
import io.nereid.node.Resources;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PoolSchedulerTest {

  private static final long GIB = 1L << 30;
  private static final long MIB = 1L << 20;

  private static ActorTestKit kit;
  private static ClusterSharding sharding;

  @BeforeAll
  static void start() throws Exception {
    kit = SchedulerTestCluster.startMember("PoolSchedulerTest", SchedulerTestCluster.config("PoolSchedulerTest"), null);
    SchedulerTestCluster.awaitUp(kit.system(), 1);
    sharding = ClusterSharding.get(kit.system());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static PlacementSpec spec(String containerId, long memory) {
    return new PlacementSpec(containerId, containerId, "busybox", Map.of(), List.of(), memory, 100, 0);
  }

  private static CompletionStage<PlacementRecord> place(String pool, PlacementSpec spec) {
    return sharding
        .entityRefFor(PoolScheduler.TYPE_KEY, pool)
        .askWithStatus(replyTo -> new PoolScheduler.Place(spec, replyTo), TIMEOUT);
  }

  private static PlacementRecord placeNow(String pool, PlacementSpec spec) throws Exception {
    return place(pool, spec).toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static String rejection(String pool, PlacementSpec spec) throws Exception {
    try {
      placeNow(pool, spec);
    } catch (java.util.concurrent.ExecutionException e) {
      assertTrue(e.getCause() instanceof StatusReply.ErrorMessage, () -> "unexpected " + e.getCause());
      return e.getCause().getMessage();
    }
    throw new AssertionError("placement of " + spec.containerId() + " succeeded");
  }

  private static void registerPool(String pool, int nodes, Resources capacity) throws Exception {
    for (int i = 1; i <= nodes; i++) {
      SchedulerTestCluster.register(sharding, pool + "-n" + i, pool, capacity, Map.of("rack", "r" + (i % 2)));
    }
    SchedulerTestCluster.awaitPoolSize(sharding, pool, nodes);
  }

  @Test
  void binPackFillsOneNodeFirst() throws Exception {
    registerPool("pack", 3, new Resources(4000, 4 * GIB, 0));

    PlacementRecord first = placeNow("pack", spec("c1", GIB));
    PlacementRecord second = placeNow("pack", spec("c2", GIB));

    assertEquals(first.nodeId(), second.nodeId());
    assertEquals("bin-pack", first.strategy());
    assertEquals(3, first.candidates().size());
    assertEquals(
        Set.of("c1", "c2"),
        SchedulerTestCluster.persistedReservations(kit.system(), first.nodeId()).keySet());
  }

  @Test
  void retriedPlacementReservesOnce() throws Exception {
    registerPool("retry", 2, new Resources(4000, 4 * GIB, 0));

    PlacementRecord first = placeNow("retry", spec("same", GIB));
    PlacementRecord again = placeNow("retry", spec("same", GIB));

    assertEquals(first.nodeId(), again.nodeId());
    int reservations = 0;
    for (int i = 1; i <= 2; i++) {
      reservations += SchedulerTestCluster.persistedReservations(kit.system(), "retry-n" + i).size();
    }
    assertEquals(1, reservations);
  }

  @Test
  void noNodeFitsNamesReasons() throws Exception {
    registerPool("full", 2, new Resources(4000, 2 * GIB, 0));

    String message = rejection("full", spec("huge", 3 * GIB));

    assertEquals("no node fits container huge: memory exhausted on 2 nodes", message);
  }

  @Test
  void constraintSelectsLabelledNode() throws Exception {
    registerPool("racks", 4, new Resources(4000, 4 * GIB, 0));
    PlacementSpec constrained =
        new PlacementSpec("r1-only", "r1-only", "busybox", Map.of(), List.of("constraint:rack==r1"), GIB, 0, 0);

    PlacementRecord record = placeNow("racks", constrained);

    assertTrue(Set.of("racks-n1", "racks-n3").contains(record.nodeId()), record.toString());
  }

  @Test
  void malformedConstraintPlacesNothing() throws Exception {
    registerPool("malformed", 1, new Resources(4000, 4 * GIB, 0));
    PlacementSpec bad =
        new PlacementSpec("bad", "bad", "busybox", Map.of(), List.of("constraint:rack"), GIB, 0, 0);

    String message = rejection("malformed", bad);

    assertTrue(message.contains("constraint:rack"), message);
    assertEquals(Map.of(), SchedulerTestCluster.persistedReservations(kit.system(), "malformed-n1"));
  }

  @Test
  void cordonedNodeGetsNothing() throws Exception {
    registerPool("cordon", 2, new Resources(4000, 4 * GIB, 0));
    sharding
        .entityRefFor(ComputeNode.TYPE_KEY, "cordon-n1")
        .<ComputeNode.State>askWithStatus(
            replyTo -> new ComputeNode.ChangeStatus(NodeStatus.CORDONED, "test", replyTo), TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);

    for (int i = 0; i < 3; i++) {
      assertEquals("cordon-n2", placeNow("cordon", spec("cordon-c" + i, GIB)).nodeId());
    }
  }

  @Test
  void containerKeepsPlacementDecision() throws Exception {
    registerPool("default", 2, new Resources(4000, 4 * GIB, 0));
    String id = "d".repeat(64);
    ContainerSpec containerSpec = ContainerSpec.of("busybox", List.of("true")).withMemory(GIB);
    sharding
        .entityRefFor(Container.TYPE_KEY, id)
        .<Container.State>askWithStatus(replyTo -> new Container.Create("acct", "web", containerSpec, replyTo), TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    ContainerPlacement placement = new ContainerPlacement(sharding, "default", TIMEOUT);

    Container.State placed = placement.place(id).toCompletableFuture().get(30, TimeUnit.SECONDS);
    Container.State again = placement.place(id).toCompletableFuture().get(30, TimeUnit.SECONDS);

    assertEquals(ContainerStatus.PLACED, placed.status());
    assertEquals(placed.nodeId(), placed.placement().nodeId());
    assertEquals(2, placed.placement().candidates().size());
    assertEquals(GIB, placed.placement().reserved().memoryBytes());
    assertEquals(placed.nodeId(), again.nodeId());
    assertEquals(
        Set.of(id), SchedulerTestCluster.persistedReservations(kit.system(), placed.nodeId()).keySet());
  }

  @Test
  void concurrentPlacementsNeverOverCommit() throws Exception {
    int nodes = 5;
    Resources capacity = new Resources(8000, 4 * GIB, 0);
    registerPool("busy", nodes, capacity);
    // 5 nodes hold 8 containers of 512 MiB each: 40 fit, 60 are turned away.
    List<CompletableFuture<PlacementRecord>> placements = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      placements.add(place("busy", spec("busy-" + i, 512 * MIB)).toCompletableFuture());
    }
    int placed = 0;
    Map<String, String> claimed = new HashMap<>();
    for (CompletableFuture<PlacementRecord> placement : placements) {
      try {
        PlacementRecord record = placement.get(60, TimeUnit.SECONDS);
        placed++;
        claimed.put(record.containerId(), record.nodeId());
      } catch (java.util.concurrent.ExecutionException e) {
        assertTrue(e.getCause() instanceof StatusReply.ErrorMessage, () -> "unexpected " + e.getCause());
      }
    }

    Set<String> persisted = new HashSet<>();
    for (int i = 1; i <= nodes; i++) {
      Map<String, Reservation> held = SchedulerTestCluster.persistedReservations(kit.system(), "busy-n" + i);
      assertTrue(
          SchedulerTestCluster.sum(held).fitsWithin(capacity),
          () -> "node over-committed: " + SchedulerTestCluster.sum(held));
      for (String containerId : held.keySet()) {
        assertTrue(persisted.add(containerId), "container reserved twice: " + containerId);
        assertEquals("busy-n" + i, claimed.get(containerId), "reply and journal agree on " + containerId);
      }
    }
    assertEquals(40, placed);
    assertEquals(claimed.keySet(), persisted);
  }

  private static StatusReply<PoolScheduler.PoolSummary> changePolicy(
      String pool, String strategy, Map<String, Double> overcommit) throws Exception {
    return sharding
        .entityRefFor(PoolScheduler.TYPE_KEY, pool)
        .<StatusReply<PoolScheduler.PoolSummary>>ask(
            replyTo -> new PoolScheduler.ChangePolicy(strategy, overcommit, replyTo), TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @Test
  void overcommitChangedAtRunTimeBoundsReservations() throws Exception {
    int nodes = 2;
    Resources capacity = new Resources(64_000, 4 * GIB, 0);
    registerPool("overcommit", nodes, capacity);

    StatusReply<PoolScheduler.PoolSummary> changed =
        changePolicy("overcommit", null, Map.of("memory", 1.5));
    // 2 nodes of 4 GiB at memory overcommit 1.5 hold 12 containers of 1 GiB; 8 are turned away.
    List<CompletableFuture<PlacementRecord>> placements = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      placements.add(place("overcommit", spec("oc-" + i, GIB)).toCompletableFuture());
    }
    int placed = 0;
    for (CompletableFuture<PlacementRecord> placement : placements) {
      try {
        placement.get(60, TimeUnit.SECONDS);
        placed++;
      } catch (java.util.concurrent.ExecutionException e) {
        assertTrue(e.getCause() instanceof StatusReply.ErrorMessage, () -> "unexpected " + e.getCause());
      }
    }

    assertTrue(changed.isSuccess(), changed::toString);
    assertEquals(1.5, changed.getValue().policy().overcommit().memory());
    assertEquals(1.0, changed.getValue().policy().overcommit().cpu());
    assertEquals(12, placed);
    for (int i = 1; i <= nodes; i++) {
      Resources held =
          SchedulerTestCluster.sum(SchedulerTestCluster.persistedReservations(kit.system(), "overcommit-n" + i));
      assertEquals(6 * GIB, held.memoryBytes(), "memory reserved on overcommit-n" + i);
    }
    List<Object> events = SchedulerTestCluster.persistedEvents(kit.system(), "PoolScheduler|overcommit");
    assertTrue(
        events.stream().anyMatch(event -> event instanceof PoolScheduler.PoolPolicyChanged),
        () -> "events: " + events);

    // A new incarnation, as after a failover, recovers the policy from the journal.
    var recovered =
        kit.spawn(
            PoolScheduler.create(
                "overcommit", SchedulerSettings.fromConfig(kit.system().settings().config()), sharding));
    var probe = kit.<PoolScheduler.PoolSummary>createTestProbe();
    recovered.tell(new PoolScheduler.GetPool(probe.ref()));
    PoolScheduler.PoolSummary summary = probe.receiveMessage(java.time.Duration.ofSeconds(30));
    assertEquals(1.5, summary.policy().overcommit().memory());
    kit.stop(recovered);
  }

  @Test
  void strategyChangedAtRunTime() throws Exception {
    registerPool("switch", 2, new Resources(4000, 4 * GIB, 0));

    PlacementRecord packed1 = placeNow("switch", spec("switch-1", GIB));
    PlacementRecord packed2 = placeNow("switch", spec("switch-2", GIB));
    StatusReply<PoolScheduler.PoolSummary> changed = changePolicy("switch", "spread", null);
    PlacementRecord spread = placeNow("switch", spec("switch-3", GIB));

    assertEquals(packed1.nodeId(), packed2.nodeId());
    assertEquals("spread", changed.getValue().strategy());
    assertEquals("spread", spread.strategy());
    assertTrue(!spread.nodeId().equals(packed1.nodeId()), spread.toString());
  }

  @Test
  void invalidPolicyIsRejected() throws Exception {
    registerPool("strict", 1, new Resources(4000, 4 * GIB, 0));

    StatusReply<PoolScheduler.PoolSummary> belowOne = changePolicy("strict", null, Map.of("memory", 0.5));
    StatusReply<PoolScheduler.PoolSummary> unknownDimension = changePolicy("strict", null, Map.of("gpu", 2.0));
    StatusReply<PoolScheduler.PoolSummary> unknownStrategy = changePolicy("strict", "best", null);

    assertEquals(
        "invalid memory overcommit ratio 0.5: it must be a finite number of at least 1.0 (1.0 means no overcommit)",
        belowOne.getError().getMessage());
    assertEquals(
        "invalid overcommit dimension \"gpu\": use cpu, memory or disk",
        unknownDimension.getError().getMessage());
    assertEquals(
        "invalid strategy \"best\": use bin-pack, spread, first-fit or random",
        unknownStrategy.getError().getMessage());
    assertEquals(1.0, SchedulerTestCluster.pool(sharding, "strict").policy().overcommit().memory());
  }
}
