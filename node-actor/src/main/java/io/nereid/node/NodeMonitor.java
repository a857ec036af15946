package io.nereid.node;

import io.nereid.persistence.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when a compute node is lost: one instance in the cluster (a singleton on the control
 * members) receives every node agent's heartbeats and keeps the time of the last one in memory.
 * A node whose heartbeats stop for longer than the timeout is moved to {@link NodeStatus#LOST} with {@link ComputeNode.ChangeStatus}, the same command an
 * operator's "lost" sends. Only that transition is persisted, never a heartbeat.
 *
 * <p>The monitor tracks the nodes that were live when it started (each gets one timeout of grace,
 * so a node that died while no monitor ran is still found) and every node that heartbeats. A
 * node registered by hand that never heartbeats is not tracked.
 *
 * <p>The reply to each heartbeat carries the node's status as the monitor last saw it, so an agent
 * whose node was declared lost registers again.
 *
 * <p>A monitor marks nodes lost only while its {@link Quorum} holds. A monitor on a member cut off
 * from the other control members stops hearing the compute members too, and must not move their
 * containers before the member downs itself. While the quorum is missing, the monitor postpones
 * every decision. When the quorum returns, every node's timeout starts again from that moment,
 * because heartbeats that the partition dropped are no evidence against the node.
 */
public final class NodeMonitor {

  private static final Logger log = LoggerFactory.getLogger(NodeMonitor.class);

  public interface Command {}

  /**
   * An agent's sign of life; replies {@link HeartbeatAck}.
   *
   * @param member the address of the cluster member the agent runs on
   */
  public record Heartbeat(String nodeId, String member, ActorRef<HeartbeatAck> replyTo)
      implements Command, CborSerializable {}

  /**
   * @param status the node's status as the monitor last saw it; {@link NodeStatus#UNREGISTERED}
   *     while it does not know yet
   */
  public record HeartbeatAck(NodeStatus status) implements CborSerializable {}

  /** A node's entity persisted a change; keeps the known status current. */
  public record NodeChanged(String nodeId, NodeStatus status) implements Command, CborSerializable {}

  /**
   * A member left the cluster, or the cluster downed it. Either way its nodes are lost only when
   * their heartbeats stay away for the timeout, so an agent that restarts within it keeps its
   * node and its containers.
   */
  public record MemberRemoved(String member, boolean downed) implements Command, CborSerializable {}

  private record Tick() implements Command, NoSerializationVerificationNeeded {}

  private record Loaded(List<ComputeNode.State> nodes, Throwable error)
      implements Command, NoSerializationVerificationNeeded {}

  private record StatusLearned(String nodeId, ComputeNode.State state, Throwable error)
      implements Command, NoSerializationVerificationNeeded {}

  private record MarkedLost(String nodeId, ComputeNode.State state, Throwable error)
      implements Command, NoSerializationVerificationNeeded {}

  /**
   * The condition under which this monitor's member may decide that a node is lost, checked before
   * every search for silent nodes. Implementations must not block.
   */
  @FunctionalInterface
  public interface Quorum {
    /**
     * Returns why this member may not decide now, such as the control members it cannot reach, or
     * empty when it may.
     */
    Optional<String> missing();
  }

  /**
   * @param heartbeatTimeout how long a node may stay silent before it is lost
   * @param checkInterval how often silent nodes are looked for
   * @param watchMembers whether to follow cluster membership, which needs a cluster provider
   */
  public record Settings(
      Duration heartbeatTimeout, Duration checkInterval, Duration askTimeout, Clock clock, boolean watchMembers) {}

  /** The monitor's record of one node. */
  private static final class Tracked {
    Instant lastSeen;
    String member = "";
    NodeStatus status;
    boolean markingLost;

    Tracked(Instant lastSeen, NodeStatus status) {
      this.lastSeen = lastSeen;
      this.status = status;
    }

    boolean live() {
      return isLive(status);
    }
  }

  /**
   * @param nodes the entity of a node by id
   * @param registeredNodes every registered node's state, read once at start
   * @param quorum whether this member may mark nodes lost at the moment
   */
  public static Behavior<Command> create(
      Settings settings,
      Function<String, RecipientRef<ComputeNode.Command>> nodes,
      Supplier<CompletionStage<List<ComputeNode.State>>> registeredNodes,
      Quorum quorum) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> {
                  if (settings.watchMembers()) {
                    watchMembers(context);
                  }
                  timers.startTimerWithFixedDelay(new Tick(), settings.checkInterval());
                  context.pipeToSelf(registeredNodes.get(), Loaded::new);
                  log.info(
                      "node monitor started heartbeat_timeout={}", settings.heartbeatTimeout());
                  return new NodeMonitor(context, settings, nodes, quorum).behavior();
                }));
  }

  private static void watchMembers(ActorContext<Command> context) {
    ActorRef<ClusterEvent.MemberRemoved> adapter =
        context.messageAdapter(
            ClusterEvent.MemberRemoved.class,
            removed ->
                new MemberRemoved(
                    removed.member().address().toString(),
                    removed.previousStatus().equals(MemberStatus.down())));
    Cluster.get(context.getSystem())
        .subscriptions()
        .tell(Subscribe.create(adapter, ClusterEvent.MemberRemoved.class));
  }

  private final ActorContext<Command> context;
  private final Settings settings;
  private final Function<String, RecipientRef<ComputeNode.Command>> nodes;
  private final Quorum quorum;
  private final Map<String, Tracked> tracked = new HashMap<>();
  /**
   * The time that the grace of the nodes read at start counts from, which is the start or the last
   * return of the quorum.
   */
  private Instant graceFrom;
  /** Whether the last check found the quorum missing, so that decisions wait. */
  private boolean postponing;

  private NodeMonitor(
      ActorContext<Command> context,
      Settings settings,
      Function<String, RecipientRef<ComputeNode.Command>> nodes,
      Quorum quorum) {
    this.context = context;
    this.settings = settings;
    this.nodes = nodes;
    this.quorum = quorum;
    this.graceFrom = settings.clock().instant();
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Heartbeat.class, this::onHeartbeat)
        .onMessage(NodeChanged.class, this::onNodeChanged)
        .onMessage(MemberRemoved.class, this::onMemberRemoved)
        .onMessage(Tick.class, this::onTick)
        .onMessage(Loaded.class, this::onLoaded)
        .onMessage(StatusLearned.class, this::onStatusLearned)
        .onMessage(MarkedLost.class, this::onMarkedLost)
        .build();
  }

  private Behavior<Command> onHeartbeat(Heartbeat heartbeat) {
    Instant now = settings.clock().instant();
    Tracked node = tracked.get(heartbeat.nodeId());
    if (node == null) {
      node = new Tracked(now, NodeStatus.UNREGISTERED);
      tracked.put(heartbeat.nodeId(), node);
      learnStatus(heartbeat.nodeId());
      log.info("node heartbeats started node_id={} member={}", heartbeat.nodeId(), heartbeat.member());
    }
    node.lastSeen = now;
    node.member = heartbeat.member();
    heartbeat.replyTo().tell(new HeartbeatAck(node.status));
    return Behaviors.same();
  }

  private void learnStatus(String nodeId) {
    CompletionStage<ComputeNode.State> state =
        AskPattern.ask(
            nodes.apply(nodeId), ComputeNode.Get::new, settings.askTimeout(), context.getSystem().scheduler());
    context.pipeToSelf(state, (found, error) -> new StatusLearned(nodeId, found, error));
  }

  private Behavior<Command> onStatusLearned(StatusLearned learned) {
    Tracked node = tracked.get(learned.nodeId());
    if (node == null) {
      return Behaviors.same();
    }
    if (learned.error() != null) {
      log.warn("node status unknown node_id={} error={}", learned.nodeId(), learned.error().toString());
      return Behaviors.same();
    }
    node.status = learned.state().status();
    return Behaviors.same();
  }

  private Behavior<Command> onNodeChanged(NodeChanged changed) {
    Tracked node = tracked.get(changed.nodeId());
    if (node != null && node.status != changed.status()) {
      if (!node.live() && isLive(changed.status())) {
        // Back from lost or unregistered: the timeout counts from now, not from before the loss.
        node.lastSeen = settings.clock().instant();
      }
      node.status = changed.status();
    }
    return Behaviors.same();
  }

  private Behavior<Command> onLoaded(Loaded loaded) {
    if (loaded.error() != null) {
      log.warn("node monitor could not read the registered nodes error={}", loaded.error().toString());
      return Behaviors.same();
    }
    int live = 0;
    for (ComputeNode.State state : loaded.nodes()) {
      if (!tracked.containsKey(state.nodeId()) && isLive(state.status())) {
        tracked.put(state.nodeId(), new Tracked(graceFrom, state.status()));
        live++;
      }
    }
    log.info("node monitor tracking registered nodes live={}", live);
    return Behaviors.same();
  }

  private Behavior<Command> onTick(Tick tick) {
    // NOTE: a cut-off member notices the partition only when its failure detector marks the others
    // unreachable. A heartbeat timeout shorter than that detection still lets its monitor mark
    // nodes lost before the quorum goes missing.
    Optional<String> missing = quorum.missing();
    if (missing.isPresent()) {
      if (!postponing) {
        postponing = true;
        log.warn(
            "node monitor postponing lost-node decisions, quorum missing reason={} tracked={}",
            missing.get(),
            tracked.size());
      }
      return Behaviors.same();
    }
    if (postponing) {
      postponing = false;
      restartTimeouts();
      return Behaviors.same();
    }
    Instant deadline = settings.clock().instant().minus(settings.heartbeatTimeout());
    for (Map.Entry<String, Tracked> entry : tracked.entrySet()) {
      Tracked node = entry.getValue();
      if (node.live() && !node.markingLost && node.lastSeen.isBefore(deadline)) {
        markLost(entry.getKey(), node, "no heartbeat for " + describe(settings.heartbeatTimeout()));
      }
    }
    return Behaviors.same();
  }

  private void restartTimeouts() {
    Instant now = settings.clock().instant();
    graceFrom = now;
    for (Tracked node : tracked.values()) {
      node.lastSeen = now;
    }
    log.info(
        "node monitor has its quorum again, heartbeat timeouts restarted tracked={} timeout={}",
        tracked.size(),
        describe(settings.heartbeatTimeout()));
  }

  private Behavior<Command> onMemberRemoved(MemberRemoved removed) {
    // The heartbeat timeout decides in both cases, because a downed member may be back within it.
    // After a kill -9 and a restart, the new incarnation joins at the same address, the cluster
    // downs the old one, and the new agent adopts the containers that still run.
    log.info(
        "cluster member {} member={}", removed.downed() ? "downed" : "left", removed.member());
    return Behaviors.same();
  }

  private void markLost(String nodeId, Tracked node, String reason) {
    node.markingLost = true;
    log.warn("node lost node_id={} member={} reason={}", nodeId, node.member, reason);
    CompletionStage<ComputeNode.State> changed =
        AskPattern.<ComputeNode.Command, StatusReply<ComputeNode.State>>ask(
                nodes.apply(nodeId),
                replyTo -> new ComputeNode.ChangeStatus(NodeStatus.LOST, reason, replyTo),
                settings.askTimeout(),
                context.getSystem().scheduler())
            .thenApply(StatusReply::getValue);
    context.pipeToSelf(changed, (state, error) -> new MarkedLost(nodeId, state, error));
  }

  private Behavior<Command> onMarkedLost(MarkedLost marked) {
    Tracked node = tracked.get(marked.nodeId());
    node.markingLost = false;
    if (marked.error() != null) {
      // The next check tries again, as long as the node stays silent.
      log.warn("node could not be marked lost node_id={} error={}", marked.nodeId(), marked.error().toString());
      return Behaviors.same();
    }
    node.status = marked.state().status();
    return Behaviors.same();
  }

  /** Returns a duration as configured, such as 20s or 1500ms. */
  private static String describe(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }

  private static boolean isLive(NodeStatus status) {
    return status == NodeStatus.READY || status == NodeStatus.CORDONED || status == NodeStatus.DRAINING;
  }
}
