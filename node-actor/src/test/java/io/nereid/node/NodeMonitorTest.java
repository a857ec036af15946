package io.nereid.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nereid.entity.JournalTestKit;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The node monitor against real node entities journaling to Cassandra. The monitor's clock is set
 * by each test, so a timeout passes without waiting for it.
 */
class NodeMonitorTest {

  private static final Resources CAPACITY = new Resources(2000, 4L << 30, 50L << 30);
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final String MEMBER = "pekko://nereid@10.0.0.7:25520";

  private static JournalTestKit kit;

  @BeforeAll
  static void start() {
    kit = JournalTestKit.start("NodeMonitorTest", 100);
  }

  @AfterAll
  static void stop() {
    kit.shutdown();
  }

  /** A clock that moves only when a test moves it. */
  private static final class ManualClock extends Clock {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-03-01T00:00:00Z"));

    void advance(Duration duration) {
      now.updateAndGet(instant -> instant.plus(duration));
    }

    @Override
    public Instant instant() {
      return now.get();
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  /**
   * A monitor with its own clock, its own quorum and the node entities it asks, which report their
   * changes to it.
   */
  private static final class Fixture {
    final ManualClock clock = new ManualClock();
    final Map<String, ActorRef<ComputeNode.Command>> nodes = new HashMap<>();
    final AtomicReference<ActorRef<NodeMonitor.Command>> monitor = new AtomicReference<>();
    /** What the monitor's quorum returns, empty while the quorum holds. */
    final AtomicReference<Optional<String>> quorumMissing = new AtomicReference<>(Optional.empty());
    /** How often the monitor has checked its quorum, once per search for silent nodes. */
    final AtomicInteger quorumChecks = new AtomicInteger();

    ActorRef<ComputeNode.Command> node(String nodeId) {
      return nodes.computeIfAbsent(
          nodeId,
          id ->
              kit.testKit.spawn(
                  ComputeNode.create(
                      id,
                      kit.settings,
                      (state, changes) -> {
                        ActorRef<NodeMonitor.Command> current = monitor.get();
                        if (current != null) {
                          current.tell(new NodeMonitor.NodeChanged(state.nodeId(), state.status()));
                        }
                      })));
    }

    ActorRef<NodeMonitor.Command> startMonitor() {
      NodeMonitor.Settings settings =
          new NodeMonitor.Settings(TIMEOUT, Duration.ofMillis(20), Duration.ofSeconds(10), clock, false);
      List<ActorRef<ComputeNode.Command>> known = new ArrayList<>(nodes.values());
      ActorRef<NodeMonitor.Command> started =
          kit.testKit.spawn(NodeMonitor.create(settings, this::node, () -> states(known), this::checkQuorum));
      monitor.set(started);
      // The monitor reads its clock when it starts; a first answer shows it has.
      heartbeat(started, "unregistered");
      return started;
    }

    private Optional<String> checkQuorum() {
      quorumChecks.incrementAndGet();
      return quorumMissing.get();
    }

    /**
     * Waits until the monitor has checked its quorum {@code count} more times. The monitor handles
     * one message at a time, so after two checks the search that read the quorum before them has
     * finished.
     */
    void awaitQuorumChecks(int count) {
      int target = quorumChecks.get() + count;
      kit.testKit
          .createTestProbe()
          .awaitAssert(Duration.ofSeconds(10), () -> {
            assertTrue(quorumChecks.get() >= target, "quorum checked " + quorumChecks.get() + " times");
            return null;
          });
    }
  }

  /** Reads the nodes' states without blocking, as the monitor's loader must. */
  private static CompletionStage<List<ComputeNode.State>> states(List<ActorRef<ComputeNode.Command>> nodes) {
    List<CompletableFuture<ComputeNode.State>> asks = new ArrayList<>();
    for (ActorRef<ComputeNode.Command> node : nodes) {
      asks.add(
          AskPattern.<ComputeNode.Command, ComputeNode.State>ask(
                  node, ComputeNode.Get::new, Duration.ofSeconds(10), kit.testKit.scheduler())
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
        .thenApply(done -> asks.stream().map(CompletableFuture::join).toList());
  }

  private static ComputeNode.State register(ActorRef<ComputeNode.Command> node) {
    TestProbe<StatusReply<ComputeNode.State>> probe = kit.testKit.createTestProbe();
    node.tell(new ComputeNode.Register("default", CAPACITY, Map.of(), probe.ref()));
    StatusReply<ComputeNode.State> reply = probe.receiveMessage(Duration.ofSeconds(10));
    assertTrue(reply.isSuccess(), () -> "registration failed: " + reply);
    return reply.getValue();
  }

  private static ComputeNode.State get(ActorRef<ComputeNode.Command> node) {
    TestProbe<ComputeNode.State> probe = kit.testKit.createTestProbe();
    node.tell(new ComputeNode.Get(probe.ref()));
    return probe.receiveMessage(Duration.ofSeconds(10));
  }

  private static NodeStatus heartbeat(ActorRef<NodeMonitor.Command> monitor, String nodeId) {
    TestProbe<NodeMonitor.HeartbeatAck> probe = kit.testKit.createTestProbe();
    monitor.tell(new NodeMonitor.Heartbeat(nodeId, MEMBER, probe.ref()));
    return probe.receiveMessage(Duration.ofSeconds(10)).status();
  }

  private static void awaitStatus(ActorRef<ComputeNode.Command> node, NodeStatus expected) {
    kit.testKit
        .createTestProbe()
        .awaitAssert(Duration.ofSeconds(10), () -> {
          assertEquals(expected, get(node).status());
          return null;
        });
  }

  private static List<Object> events(String nodeId) {
    return kit.events("ComputeNode|" + nodeId);
  }

  @Test
  void silentNodeMarkedLost() {
    Fixture fixture = new Fixture();
    ActorRef<ComputeNode.Command> node = fixture.node("silent");
    register(node);
    fixture.startMonitor();

    fixture.clock.advance(TIMEOUT.plusSeconds(1));

    awaitStatus(node, NodeStatus.LOST);
    List<Object> events = events("silent");
    assertEquals(2, events.size(), events.toString());
    ComputeNode.NodeStatusChanged lost = (ComputeNode.NodeStatusChanged) events.get(1);
    assertEquals(NodeStatus.LOST, lost.status());
    assertEquals("no heartbeat for 20s", lost.reason());
  }

  @Test
  void heartbeatsKeepNodeReadyWithoutEvents() {
    Fixture fixture = new Fixture();
    ActorRef<ComputeNode.Command> node = fixture.node("beating");
    register(node);
    ActorRef<NodeMonitor.Command> monitor = fixture.startMonitor();

    for (int beat = 0; beat < 4; beat++) {
      fixture.clock.advance(Duration.ofSeconds(15));
      assertEquals(NodeStatus.READY, awaitKnownStatus(monitor, "beating"));
    }
    // Several checks run at 20 ms intervals; none may find the node silent.
    kit.testKit.createTestProbe().expectNoMessage(Duration.ofMillis(200));

    assertEquals(NodeStatus.READY, get(node).status());
    assertEquals(1, events("beating").size(), events("beating").toString());
  }

  /** Sends heartbeats until the monitor has learned the node's status. */
  private static NodeStatus awaitKnownStatus(ActorRef<NodeMonitor.Command> monitor, String nodeId) {
    return awaitHeartbeatAck(monitor, nodeId, status -> status != NodeStatus.UNREGISTERED);
  }

  /** Sends heartbeats until the monitor answers with a status that {@code expected} accepts. */
  private static NodeStatus awaitHeartbeatAck(
      ActorRef<NodeMonitor.Command> monitor, String nodeId, Predicate<NodeStatus> expected) {
    AtomicReference<NodeStatus> status = new AtomicReference<>();
    kit.testKit
        .createTestProbe()
        .awaitAssert(Duration.ofSeconds(10), () -> {
          status.set(heartbeat(monitor, nodeId));
          assertTrue(expected.test(status.get()), "unexpected status " + status.get());
          return null;
        });
    return status.get();
  }

  @Test
  void lostNodeToldToRegisterAgain() {
    Fixture fixture = new Fixture();
    ActorRef<ComputeNode.Command> node = fixture.node("returning");
    register(node);
    ActorRef<NodeMonitor.Command> monitor = fixture.startMonitor();
    fixture.clock.advance(TIMEOUT.plusSeconds(1));
    awaitStatus(node, NodeStatus.LOST);

    assertEquals(NodeStatus.LOST, heartbeat(monitor, "returning"));
    register(node);

    awaitHeartbeatAck(monitor, "returning", status -> status == NodeStatus.READY);
    fixture.clock.advance(Duration.ofSeconds(10));
    assertEquals(NodeStatus.READY, heartbeat(monitor, "returning"));
    assertEquals(3, events("returning").size(), events("returning").toString());
  }

  @Test
  void downedMemberKeepsItsNodeWhileHeartbeatsGoOn() {
    Fixture fixture = new Fixture();
    ActorRef<ComputeNode.Command> node = fixture.node("downed");
    register(node);
    ActorRef<NodeMonitor.Command> monitor = fixture.startMonitor();
    assertEquals(NodeStatus.READY, awaitKnownStatus(monitor, "downed"));

    // A restarted member's new incarnation heartbeats from the same address.
    monitor.tell(new NodeMonitor.MemberRemoved(MEMBER, false));
    assertEquals(NodeStatus.READY, heartbeat(monitor, "downed"));
    monitor.tell(new NodeMonitor.MemberRemoved(MEMBER, true));
    assertEquals(NodeStatus.READY, heartbeat(monitor, "downed"));
    kit.testKit.createTestProbe().expectNoMessage(Duration.ofMillis(500));
    assertEquals(NodeStatus.READY, get(node).status());
    assertEquals(1, events("downed").size(), "nothing but the registration persisted");

    // Silence beyond the timeout still loses it.
    fixture.clock.advance(TIMEOUT.plusSeconds(1));
    awaitStatus(node, NodeStatus.LOST);
  }

  @Test
  void nodeRegisteredLaterNotTrackedUntilHeartbeat() {
    Fixture fixture = new Fixture();
    fixture.startMonitor();
    ActorRef<ComputeNode.Command> node = fixture.node("by-hand");
    register(node);

    fixture.clock.advance(TIMEOUT.multipliedBy(2));
    kit.testKit.createTestProbe().expectNoMessage(Duration.ofMillis(200));

    assertEquals(NodeStatus.READY, get(node).status());
  }

  @Test
  void noNodeLostWithoutQuorum() {
    Fixture fixture = new Fixture();
    ActorRef<ComputeNode.Command> node = fixture.node("cut-off");
    register(node);
    ActorRef<NodeMonitor.Command> monitor = fixture.startMonitor();
    assertEquals(NodeStatus.READY, awaitKnownStatus(monitor, "cut-off"));

    // The monitor's member is cut off, so it hears no heartbeat and reaches no other control member.
    fixture.quorumMissing.set(Optional.of("unreachable control members [b, c] of 3"));
    fixture.awaitQuorumChecks(2);
    fixture.clock.advance(TIMEOUT.multipliedBy(3));
    fixture.awaitQuorumChecks(5);
    assertEquals(NodeStatus.READY, get(node).status());

    // When the partition heals the timeout starts again, so the node is not lost at once.
    fixture.quorumMissing.set(Optional.empty());
    fixture.awaitQuorumChecks(2);
    fixture.clock.advance(TIMEOUT.minusSeconds(1));
    fixture.awaitQuorumChecks(5);
    assertEquals(NodeStatus.READY, get(node).status());
    assertEquals(1, events("cut-off").size(), events("cut-off").toString());

    // Silence for the whole timeout with the quorum in place loses it.
    fixture.clock.advance(Duration.ofSeconds(2));
    awaitStatus(node, NodeStatus.LOST);
    List<Object> events = events("cut-off");
    assertEquals(2, events.size(), events.toString());
    assertEquals("no heartbeat for 20s", ((ComputeNode.NodeStatusChanged) events.get(1)).reason());
  }

  @Test
  void nodeReadAtStartWaitsForQuorum() {
    Fixture fixture = new Fixture();
    ActorRef<ComputeNode.Command> node = fixture.node("read-at-start");
    register(node);
    fixture.quorumMissing.set(Optional.of("member status Joining"));
    fixture.startMonitor();

    fixture.clock.advance(TIMEOUT.multipliedBy(2));
    fixture.awaitQuorumChecks(5);
    assertEquals(NodeStatus.READY, get(node).status());

    fixture.quorumMissing.set(Optional.empty());
    fixture.awaitQuorumChecks(2);
    fixture.clock.advance(TIMEOUT.plusSeconds(1));
    awaitStatus(node, NodeStatus.LOST);
  }
}
