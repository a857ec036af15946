package io.nereid.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nereid.entity.EntitySettings;
import io.nereid.entity.JournalTestKit;
import io.nereid.persistence.CborSerializable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ComputeNodeTest {

  private static final long GIB = 1024L * 1024 * 1024;
  private static final Resources CAPACITY = new Resources(4000, 8 * GIB, 100 * GIB);

  private static JournalTestKit kit;

  @BeforeAll
  static void start() {
    kit = JournalTestKit.start("ComputeNodeTest", 4);
  }

  @AfterAll
  static void stop() {
    kit.shutdown();
  }

  private ActorRef<ComputeNode.Command> spawn(String nodeId) {
    return kit.testKit.spawn(ComputeNode.create(nodeId, kit.settings));
  }

  private ComputeNode.State register(ActorRef<ComputeNode.Command> node, Map<String, String> labels) {
    TestProbe<StatusReply<ComputeNode.State>> probe = kit.testKit.createTestProbe();
    node.tell(new ComputeNode.Register("pool-a", CAPACITY, labels, probe.ref()));
    StatusReply<ComputeNode.State> reply = probe.receiveMessage();
    assertTrue(reply.isSuccess(), () -> "registration failed: " + reply);
    return reply.getValue();
  }

  private StatusReply<Done> reserve(ActorRef<ComputeNode.Command> node, String containerId, Resources amount) {
    TestProbe<StatusReply<Done>> probe = kit.testKit.createTestProbe();
    node.tell(new ComputeNode.Reserve(containerId, Reservation.of(amount), probe.ref()));
    return probe.receiveMessage();
  }

  private StatusReply<Done> reserve(
      ActorRef<ComputeNode.Command> node, String containerId, Resources amount, Overcommit overcommit) {
    TestProbe<StatusReply<Done>> probe = kit.testKit.createTestProbe();
    node.tell(new ComputeNode.Reserve(containerId, Reservation.of(amount), overcommit, probe.ref()));
    return probe.receiveMessage();
  }

  private StatusReply<ComputeNode.State> changeStatus(ActorRef<ComputeNode.Command> node, NodeStatus target) {
    TestProbe<StatusReply<ComputeNode.State>> probe = kit.testKit.createTestProbe();
    node.tell(new ComputeNode.ChangeStatus(target, "test", probe.ref()));
    return probe.receiveMessage();
  }

  private ComputeNode.State get(ActorRef<ComputeNode.Command> node) {
    TestProbe<ComputeNode.State> probe = kit.testKit.createTestProbe();
    node.tell(new ComputeNode.Get(probe.ref()));
    return probe.receiveMessage();
  }

  @Test
  void registrationMakesNodeReady() {
    ActorRef<ComputeNode.Command> node = spawn("register-1");
    ComputeNode.State state = register(node, Map.of("rack", "r1"));

    assertEquals(NodeStatus.READY, state.status());
    assertEquals(CAPACITY, state.capacity());
    assertEquals("pool-a", state.pool());
    assertEquals(Map.of("rack", "r1"), state.labels());
  }

  @Test
  void repeatedRegistrationPersistsOnce() {
    ActorRef<ComputeNode.Command> node = spawn("register-twice");
    register(node, Map.of());
    register(node, Map.of());

    assertEquals(1, kit.events("ComputeNode|register-twice").size());
  }

  @Test
  void rejectsReservationBeyondCapacity() {
    ActorRef<ComputeNode.Command> node = spawn("capacity-1");
    register(node, Map.of());

    assertTrue(reserve(node, "c1", new Resources(1000, 6 * GIB, 0)).isSuccess());
    StatusReply<Done> rejected = reserve(node, "c2", new Resources(1000, 3 * GIB, 0));

    assertTrue(rejected.isError());
    assertEquals(
        "node capacity-1 cannot hold container c2: needs 3072 MiB memory, 2048 MiB free",
        rejected.getError().getMessage());
    assertEquals(Map.of("c1", Reservation.of(new Resources(1000, 6 * GIB, 0))), get(node).reservations());
  }

  @Test
  void unsafeSettingSkipsCapacityCheck() {
    EntitySettings unsafe =
        new EntitySettings(kit.settings.snapshotEvery(), kit.settings.snapshotsKept(), kit.settings.clock(), true);
    ActorRef<ComputeNode.Command> node = kit.testKit.spawn(ComputeNode.create("unsafe-1", unsafe));
    register(node, Map.of());

    assertTrue(reserve(node, "c1", new Resources(3000, 6 * GIB, 0)).isSuccess());
    assertTrue(reserve(node, "c2", new Resources(3000, 6 * GIB, 0)).isSuccess());

    assertEquals(2, get(node).reservations().size());
  }

  @Test
  void overcommitRatioBoundsReservations() {
    ActorRef<ComputeNode.Command> node = spawn("overcommit-1");
    register(node, Map.of());
    Overcommit memoryTimesOneAndHalf = new Overcommit(1.0, 1.5, 1.0);

    // 8 GiB of memory times 1.5 allows 12 GiB of reservations.
    assertTrue(reserve(node, "c1", new Resources(1000, 7 * GIB, 0), memoryTimesOneAndHalf).isSuccess());
    assertTrue(reserve(node, "c2", new Resources(1000, 5 * GIB, 0), memoryTimesOneAndHalf).isSuccess());
    StatusReply<Done> beyondRatio =
        reserve(node, "c3", new Resources(100, 1L << 20, 0), memoryTimesOneAndHalf);
    StatusReply<Done> withoutRatio = reserve(node, "c4", new Resources(100, 1L << 20, 0));

    assertEquals(
        "node overcommit-1 cannot hold container c3: needs 1 MiB memory, 0 MiB free",
        beyondRatio.getError().getMessage());
    assertEquals(
        "node overcommit-1 cannot hold container c4: needs 1 MiB memory, 0 MiB free",
        withoutRatio.getError().getMessage());
    assertEquals(new Resources(2000, 12 * GIB, 0), get(node).reserved());
  }

  @Test
  void overcommitBelowOneIsInvalid() {
    IllegalArgumentException error =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> new Overcommit(1.0, 0.5, 1.0));

    assertEquals(
        "invalid memory overcommit ratio 0.5: it must be a finite number of at least 1.0 (1.0 means no overcommit)",
        error.getMessage());
  }

  @Test
  void rejectsReservationBeyondCpu() {
    ActorRef<ComputeNode.Command> node = spawn("capacity-cpu");
    register(node, Map.of());

    StatusReply<Done> rejected = reserve(node, "c1", new Resources(4500, GIB, 0));

    assertEquals(
        "node capacity-cpu cannot hold container c1: needs 4500 CPU millicores, 4000 free",
        rejected.getError().getMessage());
  }

  @Test
  void retriedReservationAppliedOnce() {
    ActorRef<ComputeNode.Command> node = spawn("retry-1");
    register(node, Map.of());
    Resources amount = new Resources(500, GIB, GIB);

    assertTrue(reserve(node, "c1", amount).isSuccess());
    assertTrue(reserve(node, "c1", amount).isSuccess());
    assertTrue(reserve(node, "c1", amount).isSuccess());

    List<Object> events = kit.events("ComputeNode|retry-1");
    assertEquals(2, events.size(), () -> "events: " + events);
    assertEquals(amount, get(node).reserved());
    assertEquals(2, get(node).revision());
  }

  record Observed(ComputeNode.State state, ReservationChanges changes) implements CborSerializable {}

  private ActorRef<ComputeNode.Command> spawnObserved(String nodeId, TestProbe<Observed> observed) {
    return kit.testKit.spawn(
        ComputeNode.create(
            nodeId, kit.settings, (state, changes) -> observed.ref().tell(new Observed(state, changes))));
  }

  @Test
  void observerSeesEveryPersistedState() {
    TestProbe<Observed> observed = kit.testKit.createTestProbe();
    ActorRef<ComputeNode.Command> node = spawnObserved("observed-1", observed);

    register(node, Map.of());
    reserve(node, "c1", new Resources(100, GIB, 0));
    reserve(node, "c1", new Resources(100, GIB, 0));

    Observed registered = observed.receiveMessage();
    assertEquals(NodeStatus.READY, registered.state().status());
    assertEquals(new ReservationChanges(0, Set.of()), registered.changes());
    Observed afterReserve = observed.receiveMessage();
    assertEquals(2, afterReserve.state().revision());
    assertEquals(Map.of("c1", Reservation.of(new Resources(100, GIB, 0))), afterReserve.state().reservations());
    assertEquals(new ReservationChanges(1, Set.of("c1")), afterReserve.changes());
    observed.expectNoMessage(java.time.Duration.ofMillis(300));
  }

  @Test
  void observerSeesContainersOfBatchAndRelease() {
    TestProbe<Observed> observed = kit.testKit.createTestProbe();
    ActorRef<ComputeNode.Command> node = spawnObserved("observed-2", observed);
    register(node, Map.of());
    observed.receiveMessage();

    TestProbe<ComputeNode.ReserveOutcomes> outcomes = kit.testKit.createTestProbe();
    node.tell(
        new ComputeNode.ReserveBatch(
            List.of(
                new ComputeNode.ReserveRequest("c1", Reservation.of(new Resources(100, GIB, 0)), Overcommit.NONE),
                new ComputeNode.ReserveRequest("c2", Reservation.of(new Resources(100, GIB, 0)), Overcommit.NONE),
                new ComputeNode.ReserveRequest("c1", Reservation.of(new Resources(200, GIB, 0)), Overcommit.NONE)),
            outcomes.ref()));
    outcomes.receiveMessage();
    Observed batch = observed.receiveMessage();
    assertEquals(4, batch.state().revision());
    assertEquals(new ReservationChanges(1, Set.of("c1", "c2")), batch.changes());

    TestProbe<StatusReply<Done>> released = kit.testKit.createTestProbe();
    node.tell(new ComputeNode.Release("c2", released.ref()));
    assertTrue(released.receiveMessage().isSuccess());
    assertEquals(new ReservationChanges(4, Set.of("c2")), observed.receiveMessage().changes());
  }

  @Test
  void resizedReservationCountsOnlyOnce() {
    ActorRef<ComputeNode.Command> node = spawn("resize-1");
    register(node, Map.of());

    assertTrue(reserve(node, "c1", new Resources(1000, 7 * GIB, 0)).isSuccess());
    assertTrue(reserve(node, "c1", new Resources(1000, 8 * GIB, 0)).isSuccess());

    assertEquals(8 * GIB, get(node).reserved().memoryBytes());
  }

  @Test
  void cordonedNodeRejectsReservation() {
    ActorRef<ComputeNode.Command> node = spawn("cordon-1");
    register(node, Map.of());
    assertTrue(changeStatus(node, NodeStatus.CORDONED).isSuccess());

    StatusReply<Done> rejected = reserve(node, "c1", new Resources(100, GIB, 0));

    assertEquals("node cordon-1 is cordoned, not ready", rejected.getError().getMessage());
    assertTrue(changeStatus(node, NodeStatus.READY).isSuccess());
    assertTrue(reserve(node, "c1", new Resources(100, GIB, 0)).isSuccess());
  }

  @Test
  void unregisteredNodeRejectsReservation() {
    ActorRef<ComputeNode.Command> node = spawn("never-registered");

    StatusReply<Done> rejected = reserve(node, "c1", new Resources(100, GIB, 0));

    assertEquals("node never-registered is unregistered, not ready", rejected.getError().getMessage());
  }

  @Test
  void statusTransitionsFollowTable() {
    ActorRef<ComputeNode.Command> node = spawn("transitions-1");
    register(node, Map.of());

    assertTrue(changeStatus(node, NodeStatus.DRAINING).isSuccess());
    assertTrue(changeStatus(node, NodeStatus.LOST).isSuccess());
    StatusReply<ComputeNode.State> back = changeStatus(node, NodeStatus.READY);
    assertEquals("node transitions-1 is lost and cannot become ready", back.getError().getMessage());

    ComputeNode.State reRegistered = register(node, Map.of());
    assertEquals(NodeStatus.READY, reRegistered.status());
  }

  @Test
  void reRegistrationKeepsCordon() {
    ActorRef<ComputeNode.Command> node = spawn("keep-cordon");
    register(node, Map.of());
    changeStatus(node, NodeStatus.CORDONED);

    ComputeNode.State state = register(node, Map.of("disk", "ssd"));

    assertEquals(NodeStatus.CORDONED, state.status());
    assertEquals(Map.of("disk", "ssd"), state.labels());
  }

  @Test
  void decommissionRequiresEmptyNode() {
    ActorRef<ComputeNode.Command> node = spawn("decommission-1");
    register(node, Map.of());
    reserve(node, "c1", new Resources(100, GIB, 0));

    StatusReply<ComputeNode.State> busy = changeStatus(node, NodeStatus.DECOMMISSIONED);
    assertEquals(
        "node decommission-1 still holds 1 containers; drain it and remove them before decommissioning",
        busy.getError().getMessage());

    TestProbe<StatusReply<Done>> release = kit.testKit.createTestProbe();
    node.tell(new ComputeNode.Release("c1", release.ref()));
    assertTrue(release.receiveMessage().isSuccess());
    assertTrue(changeStatus(node, NodeStatus.DECOMMISSIONED).isSuccess());

    TestProbe<StatusReply<ComputeNode.State>> probe = kit.testKit.createTestProbe();
    node.tell(new ComputeNode.Register("pool-a", CAPACITY, Map.of(), probe.ref()));
    assertEquals("node decommission-1 is decommissioned", probe.receiveMessage().getError().getMessage());
  }

  @Test
  void recoversFromJournalAfterStop() {
    ActorRef<ComputeNode.Command> node = spawn("recover-1");
    register(node, Map.of("rack", "r2"));
    reserve(node, "c1", new Resources(100, GIB, 0));
    ComputeNode.State before = get(node);
    kit.testKit.stop(node);

    ComputeNode.State after = get(spawn("recover-1"));

    assertEquals(before, after);
  }

  @Test
  void recoversFromSnapshotAfterStop() {
    ActorRef<ComputeNode.Command> node = spawn("snapshot-1");
    register(node, Map.of());
    for (int i = 0; i < 10; i++) {
      assertTrue(reserve(node, "c" + i, new Resources(100, GIB / 4, 0)).isSuccess());
    }
    TestProbe<StatusReply<Done>> release = kit.testKit.createTestProbe();
    node.tell(new ComputeNode.Release("c3", release.ref()));
    release.receiveMessage();
    ComputeNode.State before = get(node);
    kit.testKit.stop(node);

    ComputeNode.State after = get(spawn("snapshot-1"));

    assertEquals(before, after);
    assertEquals(9, after.reservations().size());
    assertTrue(kit.snapshotCount("ComputeNode|snapshot-1") > 0, "a snapshot was saved");
  }

  @Test
  void reserveBatchChecksCapacityInOrder() {
    ActorRef<ComputeNode.Command> node = spawn("batch-1");
    register(node, Map.of());
    Resources half = new Resources(2000, GIB, GIB);
    reserve(node, "c0", half);
    TestProbe<ComputeNode.ReserveOutcomes> probe = kit.testKit.createTestProbe();

    node.tell(
        new ComputeNode.ReserveBatch(
            List.of(
                new ComputeNode.ReserveRequest("c0", Reservation.of(half), null),
                new ComputeNode.ReserveRequest("c1", Reservation.of(half), null),
                new ComputeNode.ReserveRequest("c2", Reservation.of(half), null),
                new ComputeNode.ReserveRequest(
                    "c3", Reservation.of(half), new Overcommit(1.5, 1.0, 1.0))),
            probe.ref()));
    List<String> errors = probe.receiveMessage().errors();

    assertEquals("", errors.get(0), "repeating a granted reservation");
    assertEquals("", errors.get(1), "the second half of the CPUs");
    assertTrue(errors.get(2).startsWith("node batch-1 cannot hold container c2: "), errors.get(2));
    assertEquals("", errors.get(3), "room left by the overcommit ratio");
    assertEquals(Set.of("c0", "c1", "c3"), get(node).reservations().keySet());
    assertTrue(
        reserve(node, "c4", new Resources(1, 0, 0)).isError(), "the batch's reservations count");
    kit.testKit.stop(node);
    assertEquals(Set.of("c0", "c1", "c3"), get(spawn("batch-1")).reservations().keySet());
  }
}
