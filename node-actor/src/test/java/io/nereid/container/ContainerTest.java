package io.nereid.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nereid.entity.JournalTestKit;
import io.nereid.node.Resources;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ContainerTest {

  private static final ContainerSpec SPEC = ContainerSpec.of("busybox", List.of("httpd", "-f"));

  private static JournalTestKit kit;

  @BeforeAll
  static void start() {
    kit = JournalTestKit.start("ContainerTest", 4);
  }

  @AfterAll
  static void stop() {
    kit.shutdown();
  }

  private static String id(char fill) {
    return String.valueOf(fill).repeat(64);
  }

  private static PlacementRecord on(String nodeId) {
    return new PlacementRecord(
        "test", nodeId, "bin-pack", "chosen by the test", Resources.NONE, List.of(), List.of());
  }

  private ActorRef<Container.Command> spawn(String id) {
    return kit.testKit.spawn(Container.create(id, kit.settings));
  }

  private StatusReply<Container.State> ask(
      ActorRef<Container.Command> container,
      Function<ActorRef<StatusReply<Container.State>>, Container.Command> command) {
    TestProbe<StatusReply<Container.State>> probe = kit.testKit.createTestProbe();
    container.tell(command.apply(probe.ref()));
    return probe.receiveMessage();
  }

  private Container.State ok(
      ActorRef<Container.Command> container,
      Function<ActorRef<StatusReply<Container.State>>, Container.Command> command) {
    StatusReply<Container.State> reply = ask(container, command);
    assertTrue(reply.isSuccess(), () -> "rejected: " + reply);
    return reply.getValue();
  }

  private Container.State get(ActorRef<Container.Command> container) {
    TestProbe<Container.State> probe = kit.testKit.createTestProbe();
    container.tell(new Container.Get(probe.ref()));
    return probe.receiveMessage();
  }

  @Test
  void fullLifecycle() {
    String id = id('a');
    ActorRef<Container.Command> container = spawn(id);

    Container.State created = ok(container, r -> new Container.Create("acct", "web", SPEC, r));
    assertEquals(ContainerStatus.CREATED, created.status());

    Container.State placed = ok(container, r -> new Container.Place(on("n1"), r));
    assertEquals(ContainerStatus.PLACED, placed.status());
    assertEquals("n1", placed.nodeId());

    Container.State startRequested = ok(container, Container.RequestStart::new);
    assertEquals(Container.DesiredState.RUNNING, startRequested.desired());

    Container.State running = ok(container, r -> new Container.ReportStarted("n1", r));
    assertEquals(ContainerStatus.RUNNING, running.status());

    ok(container, Container.RequestStop::new);
    Container.State exited = ok(container, r -> new Container.ReportExited("n1", 137, false, r));
    assertEquals(ContainerStatus.EXITED, exited.status());
    assertEquals(137, exited.exitCode());

    Container.State removed = ok(container, r -> new Container.Remove(false, r));
    assertEquals(ContainerStatus.REMOVED, removed.status());

    List<Object> events = kit.events("Container|" + id);
    assertEquals(7, events.size(), () -> "events: " + events);
  }

  @Test
  void retriedCommandsAppliedOnce() {
    String id = id('b');
    ActorRef<Container.Command> container = spawn(id);

    for (int i = 0; i < 3; i++) {
      ok(container, r -> new Container.Create("acct", "retry", SPEC, r));
      ok(container, r -> new Container.Place(on("n1"), r));
      ok(container, Container.RequestStart::new);
      ok(container, r -> new Container.ReportStarted("n1", r));
    }

    assertEquals(4, kit.events("Container|" + id).size());
  }

  @Test
  void createWithPlacementRecordsBoth() {
    String id = id('p');
    ActorRef<Container.Command> container = spawn(id);

    Container.State placed = ok(container, r -> new Container.Create("acct", "placed", SPEC, on("n1"), r));
    Container.State repeated = ok(container, r -> new Container.Create("acct", "placed", SPEC, on("n1"), r));

    assertEquals(ContainerStatus.PLACED, placed.status());
    assertEquals("n1", placed.nodeId());
    assertEquals(placed, repeated);
    List<Object> events = kit.events("Container|" + id);
    assertEquals(2, events.size(), () -> "events: " + events);
    assertTrue(events.get(0) instanceof Container.ContainerCreated, () -> "events: " + events);
    assertTrue(events.get(1) instanceof Container.ContainerPlaced, () -> "events: " + events);
    kit.testKit.stop(container);
    assertEquals(placed, get(spawn(id)), "recovers created and placed");
  }

  @Test
  void createWithPlacementPlacesAnUnplacedContainer() {
    String id = id('q');
    ActorRef<Container.Command> container = spawn(id);
    ok(container, r -> new Container.Create("acct", "late", SPEC, r));

    Container.State placed = ok(container, r -> new Container.Create("acct", "late", SPEC, on("n2"), r));

    assertEquals(ContainerStatus.PLACED, placed.status());
    assertEquals("n2", placed.nodeId());
    assertEquals(2, kit.events("Container|" + id).size());
  }

  @Test
  void createWithOtherSpecRejected() {
    ActorRef<Container.Command> container = spawn(id('c'));
    ok(container, r -> new Container.Create("acct", "one", SPEC, r));

    StatusReply<Container.State> reply =
        ask(container, r -> new Container.Create("acct", "two", SPEC, r));

    assertEquals(
        "container " + id('c') + " already exists with another spec", reply.getError().getMessage());
  }

  @Test
  void reportFromOtherNodeRejected() {
    ActorRef<Container.Command> container = spawn(id('d'));
    ok(container, r -> new Container.Create("acct", "fenced", SPEC, r));
    ok(container, r -> new Container.Place(on("n1"), r));
    ok(container, Container.RequestStart::new);

    StatusReply<Container.State> reply = ask(container, r -> new Container.ReportStarted("n2", r));

    assertEquals(
        "container " + id('d') + " is placed on node n1, not on n2", reply.getError().getMessage());
    assertEquals(ContainerStatus.PLACED, get(container).status());
  }

  @Test
  void moveFencesOldNode() {
    String id = id('m');
    ActorRef<Container.Command> container = spawn(id);
    ok(container, r -> new Container.Create("acct", "mover", SPEC, r));
    ok(container, r -> new Container.Place(on("n1"), r));
    ok(container, Container.RequestStart::new);
    ok(container, r -> new Container.ReportStarted("n1", r));

    Container.State moved = ok(container, r -> new Container.Move(on("n2"), "n1", r));
    Container.State repeated = ok(container, r -> new Container.Move(on("n2"), "n1", r));
    StatusReply<Container.State> fromWrongNode = ask(container, r -> new Container.Move(on("n3"), "n1", r));
    StatusReply<Container.State> lateExit = ask(container, r -> new Container.ReportExited("n1", 0, false, r));
    StatusReply<Container.State> lateStart = ask(container, r -> new Container.ReportStarted("n1", r));
    Container.State started = ok(container, r -> new Container.ReportStarted("n2", r));

    assertEquals("n2", moved.nodeId());
    assertEquals(ContainerStatus.PLACED, moved.status());
    assertEquals(Container.DesiredState.RUNNING, moved.desired());
    assertEquals(moved, repeated);
    assertEquals("container " + id + " is placed on node n2, not on n1", fromWrongNode.getError().getMessage());
    assertEquals("container " + id + " is placed on node n2, not on n1", lateExit.getError().getMessage());
    assertEquals("container " + id + " is placed on node n2, not on n1", lateStart.getError().getMessage());
    assertEquals(ContainerStatus.RUNNING, started.status());
    assertEquals(1, kit.events("Container|" + id).stream().filter(e -> e instanceof Container.ContainerMoved).count());
  }

  @Test
  void runningContainerCannotMoveOrBeRemoved() {
    ActorRef<Container.Command> container = spawn(id('e'));
    ok(container, r -> new Container.Create("acct", "busy", SPEC, r));
    ok(container, r -> new Container.Place(on("n1"), r));
    ok(container, Container.RequestStart::new);
    ok(container, r -> new Container.ReportStarted("n1", r));

    StatusReply<Container.State> move = ask(container, r -> new Container.Place(on("n2"), r));
    assertEquals(
        "container " + id('e') + " is running on node n1 and cannot move while it runs",
        move.getError().getMessage());

    StatusReply<Container.State> remove = ask(container, r -> new Container.Remove(false, r));
    assertEquals(
        "cannot remove container \"/busy\": container is running: stop the container before removing or force remove",
        remove.getError().getMessage());

    assertEquals(ContainerStatus.REMOVED, ok(container, r -> new Container.Remove(true, r)).status());
  }

  @Test
  void startBeforePlacementRejected() {
    ActorRef<Container.Command> container = spawn(id('f'));
    ok(container, r -> new Container.Create("acct", "unplaced", SPEC, r));

    StatusReply<Container.State> reply = ask(container, Container.RequestStart::new);

    assertEquals(
        "container " + id('f') + " has not been placed on a node", reply.getError().getMessage());
  }

  @Test
  void unknownContainerRejectsCommands() {
    ActorRef<Container.Command> container = spawn(id('0'));

    StatusReply<Container.State> reply = ask(container, Container.RequestStart::new);

    assertEquals("no such container: " + id('0'), reply.getError().getMessage());
  }

  @Test
  void removedContainerRejectsStart() {
    ActorRef<Container.Command> container = spawn(id('1'));
    ok(container, r -> new Container.Create("acct", "gone", SPEC, r));
    ok(container, r -> new Container.Remove(false, r));

    StatusReply<Container.State> reply = ask(container, Container.RequestStart::new);

    assertEquals("container " + id('1') + " has been removed", reply.getError().getMessage());
  }

  @Test
  void onFailurePolicyRestartsUntilLimit() {
    ActorRef<Container.Command> container = spawn(id('2'));
    ContainerSpec spec = SPEC.withRestartPolicy(new RestartPolicy("on-failure", 2));
    ok(container, r -> new Container.Create("acct", "flaky", spec, r));
    ok(container, r -> new Container.Place(on("n1"), r));
    ok(container, Container.RequestStart::new);

    for (int restart = 1; restart <= 2; restart++) {
      ok(container, r -> new Container.ReportStarted("n1", r));
      Container.State afterExit = ok(container, r -> new Container.ReportExited("n1", 1, false, r));
      assertEquals(Container.DesiredState.RUNNING, afterExit.desired());
      assertEquals(restart, afterExit.restartCount());
    }
    ok(container, r -> new Container.ReportStarted("n1", r));
    Container.State last = ok(container, r -> new Container.ReportExited("n1", 1, false, r));

    assertEquals(2, last.restartCount());
    assertEquals(ContainerStatus.EXITED, last.status());
    assertEquals(Container.DesiredState.STOPPED, last.desired());
    List<Object> events = kit.events("Container|" + id('2'));
    long restarts =
        events.stream()
            .filter(e -> e instanceof Container.StartRequested s && s.byRestartPolicy())
            .count();
    assertEquals(2, restarts);
  }

  @Test
  void pauseUnpauseAndRename() {
    String id = id('4');
    ActorRef<Container.Command> container = spawn(id);
    ok(container, r -> new Container.Create("acct", "frozen", SPEC, r));
    ok(container, r -> new Container.Place(on("n1"), r));
    StatusReply<Container.State> notRunning = ask(container, r -> new Container.ReportPaused("n1", r));
    ok(container, Container.RequestStart::new);
    ok(container, r -> new Container.ReportStarted("n1", r));

    Container.State paused = ok(container, r -> new Container.ReportPaused("n1", r));
    Container.State renamed = ok(container, r -> new Container.Rename("thawed", r));
    StatusReply<Container.State> removeRunning = ask(container, r -> new Container.Remove(false, r));
    Container.State unpaused = ok(container, r -> new Container.ReportUnpaused("n1", r));

    assertTrue(notRunning.isError());
    assertEquals(ContainerStatus.PAUSED, paused.status());
    assertTrue(paused.isRunning(), "a paused container still runs");
    assertEquals("thawed", renamed.name());
    assertTrue(removeRunning.isError(), "a paused container is removed only with force");
    assertEquals(ContainerStatus.RUNNING, unpaused.status());
    kit.testKit.stop(container);
    assertEquals(unpaused, get(spawn(id)), "pause, unpause and rename survive recovery");
  }

  @Test
  void recoversFromJournalWithoutSnapshots() {
    String id = id('3');
    ActorRef<Container.Command> container = spawn(id);
    ok(container, r -> new Container.Create("acct", "recover", SPEC.withMemory(1 << 28), r));
    ok(container, r -> new Container.Place(on("n1"), r));
    for (int i = 0; i < 4; i++) {
      ok(container, Container.RequestStart::new);
      ok(container, r -> new Container.ReportStarted("n1", r));
      ok(container, Container.RequestStop::new);
      ok(container, r -> new Container.ReportExited("n1", 0, false, r));
    }
    Container.State before = get(container);
    kit.testKit.stop(container);

    Container.State after = get(spawn(id));

    assertEquals(before, after);
    assertEquals(0, kit.snapshotCount("Container|" + id), "containers save no snapshots");
  }

  @Test
  void createWrittenWithoutEntityIsRecovered() throws Exception {
    String id = id('6');
    List<Container.Event> observed = new java.util.concurrent.CopyOnWriteArrayList<>();
    NewContainerWrites writes =
        NewContainerWrites.start(
            kit.testKit.system(), Duration.ofSeconds(15), (events, state) -> observed.addAll(events), Clock.systemUTC());

    Container.State written =
        writes.create(id, "acct", "direct", SPEC, on("n1")).toCompletableFuture().get(20, TimeUnit.SECONDS);
    ActorRef<Container.Command> container = spawn(id);
    Container.State recovered = get(container);
    Container.State started = ok(container, Container.RequestStart::new);

    assertEquals(ContainerStatus.PLACED, written.status());
    assertEquals(written, recovered, "the entity recovers the state the write returned");
    assertEquals(2, observed.size(), "the observer saw the creation and the placement");
    assertEquals(Container.DesiredState.RUNNING, started.desired());
    assertEquals(
        List.of(Container.ContainerCreated.class, Container.ContainerPlaced.class, Container.StartRequested.class),
        kit.events("Container|" + id).stream().map(Object::getClass).toList(),
        "the entity's own write follows the two events under the next sequence number");
  }

  @Test
  void entityWithoutEventsStopsAfterReplying() {
    String id = id('7');
    AtomicInteger passivations = new AtomicInteger();
    ActorRef<Container.Command> container =
        kit.testKit.spawn(Container.create(id, kit.settings, ContainerObserver.NONE, passivations::incrementAndGet));

    Container.State state = get(container);
    StatusReply<Container.State> start = ask(container, Container.RequestStart::new);

    assertEquals(ContainerStatus.NEW, state.status());
    assertTrue(start.isError());
    assertEquals(
        2,
        passivations.get(),
        "a lookup of a container without events asks to stop, so that a create written meanwhile is recovered");
  }
}
