package io.nereid.agent;

import io.nereid.node.ComputeNode;
import io.nereid.node.NodeMonitor;
import io.nereid.node.NodeStatus;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one node registered and alive in the control plane: it registers the node, sends a
 * heartbeat to the {@link NodeMonitor} every interval, and registers again whenever the monitor
 * answers that the node is lost or unknown. After coming back from lost it asks its agent to
 * reconcile, because the scheduler may have moved containers away meanwhile.
 */
final class NodeHeartbeat {

  private static final Logger log = LoggerFactory.getLogger(NodeHeartbeat.class);

  interface Command {}

  private record Beat() implements Command, NoSerializationVerificationNeeded {}

  private record Acked(NodeMonitor.HeartbeatAck ack, Throwable error)
      implements Command, NoSerializationVerificationNeeded {}

  private record Registered(ComputeNode.State state, boolean afterLoss, Throwable error)
      implements Command, NoSerializationVerificationNeeded {}

  static Behavior<Command> create(
      String nodeId,
      NodeAgent.Liveness liveness,
      RecipientRef<ComputeNode.Command> node,
      Duration askTimeout,
      ActorRef<NodeAgent.Command> agent) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(new Beat(), liveness.interval());
                  NodeHeartbeat heartbeat = new NodeHeartbeat(context, nodeId, liveness, node, askTimeout, agent);
                  if (liveness.inventory().isPresent()) {
                    heartbeat.register(false);
                  }
                  return heartbeat.behavior();
                }));
  }

  private final ActorContext<Command> context;
  private final String nodeId;
  private final NodeAgent.Liveness liveness;
  private final RecipientRef<ComputeNode.Command> node;
  private final Duration askTimeout;
  private final ActorRef<NodeAgent.Command> agent;
  private boolean registering;
  /** Whether a registration with the configured inventory has succeeded since the start. */
  private boolean inventoryRecorded;
  private int missedAcks;

  private NodeHeartbeat(
      ActorContext<Command> context,
      String nodeId,
      NodeAgent.Liveness liveness,
      RecipientRef<ComputeNode.Command> node,
      Duration askTimeout,
      ActorRef<NodeAgent.Command> agent) {
    this.context = context;
    this.nodeId = nodeId;
    this.liveness = liveness;
    this.node = node;
    this.askTimeout = askTimeout;
    this.agent = agent;
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Beat.class, this::onBeat)
        .onMessage(Acked.class, this::onAcked)
        .onMessage(Registered.class, this::onRegistered)
        .build();
  }

  private Behavior<Command> onBeat(Beat beat) {
    if (liveness.inventory().isPresent() && !inventoryRecorded && !registering) {
      register(false);
    }
    context.ask(
        NodeMonitor.HeartbeatAck.class,
        liveness.monitor(),
        liveness.interval(),
        replyTo -> new NodeMonitor.Heartbeat(nodeId, liveness.member(), replyTo),
        Acked::new);
    return Behaviors.same();
  }

  private Behavior<Command> onAcked(Acked acked) {
    if (acked.error() != null) {
      // The monitor moves with its singleton; a few missed replies are normal then.
      if (++missedAcks % 10 == 1) {
        log.info("heartbeat reply missing node_id={} missed={} error={}", nodeId, missedAcks, acked.error().toString());
      }
      return Behaviors.same();
    }
    missedAcks = 0;
    NodeStatus status = acked.ack().status();
    if ((status == NodeStatus.LOST || status == NodeStatus.UNREGISTERED) && !registering) {
      register(status == NodeStatus.LOST);
    }
    return Behaviors.same();
  }

  /**
   * Registers with the configured inventory, or else with what the entity already holds, as the
   * virtual nodes of dev mode do.
   */
  private void register(boolean afterLoss) {
    registering = true;
    var registered =
        inventory()
            .thenCompose(
                inventory ->
                    AskPattern.<ComputeNode.Command, StatusReply<ComputeNode.State>>ask(
                            node,
                            replyTo ->
                                new ComputeNode.Register(
                                    inventory.pool(), inventory.capacity(), inventory.labels(), replyTo),
                            askTimeout,
                            context.getSystem().scheduler())
                        .thenApply(StatusReply::getValue));
    context.pipeToSelf(registered, (state, error) -> new Registered(state, afterLoss, error));
  }

  private java.util.concurrent.CompletionStage<NodeAgent.Inventory> inventory() {
    Optional<NodeAgent.Inventory> configured = liveness.inventory();
    if (configured.isPresent()) {
      return java.util.concurrent.CompletableFuture.completedFuture(configured.get());
    }
    return AskPattern.<ComputeNode.Command, ComputeNode.State>ask(
            node, ComputeNode.Get::new, askTimeout, context.getSystem().scheduler())
        .thenApply(
            state -> {
              if (state.status() == NodeStatus.UNREGISTERED) {
                throw new IllegalStateException("node " + nodeId + " was never registered");
              }
              return new NodeAgent.Inventory(state.pool(), state.capacity(), state.labels());
            });
  }

  private Behavior<Command> onRegistered(Registered registered) {
    registering = false;
    if (registered.error() != null) {
      // The next lost or unknown answer to a heartbeat tries again.
      log.warn("node registration failed node_id={} error={}", nodeId, registered.error().toString());
      return Behaviors.same();
    }
    ComputeNode.State state = registered.state();
    inventoryRecorded = liveness.inventory().isPresent();
    log.info(
        "node registered node_id={} pool={} status={} cpu_millis={} memory_bytes={} disk_bytes={}",
        nodeId,
        state.pool(),
        state.status().lowerCase(),
        state.capacity().cpuMillis(),
        state.capacity().memoryBytes(),
        state.capacity().diskBytes());
    if (registered.afterLoss()) {
      agent.tell(new NodeAgent.Reconcile());
    }
    return Behaviors.same();
  }
}
