package io.nereid.scheduler;

import io.nereid.container.PlacementRecord;
import io.nereid.node.ComputeNode;
import io.nereid.node.Reservation;
import io.nereid.persistence.CborSerializable;
import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacedContainer;
import io.nereid.scheduler.placement.PlacementDecision;
import io.nereid.scheduler.placement.PlacementEngine;
import io.nereid.scheduler.placement.PlacementRequest;
import io.nereid.scheduler.placement.PoolView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler of one pool of compute nodes, one sharded entity per pool.
 *
 * <p>It keeps a capacity view of the pool in memory and runs the placement engine on it. The view
 * may lag, so the chosen node's {@link ComputeNode} entity makes the reservation and may reject
 * it; the scheduler then refreshes that node and tries again, at most {@code maxAttempts} times.
 * So no node is over-committed even when the view is stale, as after a failover.
 *
 * <p>Only the pool's membership and its {@link PoolPolicy} (strategy and overcommit ratios) are
 * persisted. After a failover the entity replays them and asks each member node for its state,
 * stashing placements until every node has replied or timed out. Nodes keep the view current
 * afterwards by sending every new state ({@link NodeUpdated}). Every reservation request carries
 * the pool's overcommit ratios, and the node checks against them.
 *
 * <p>A placement is idempotent per container id: a container that already holds a reservation in
 * the pool gets that node again, so a retried request never reserves twice.
 */
public final class PoolScheduler
    extends EventSourcedBehavior<PoolScheduler.Command, PoolScheduler.Event, PoolScheduler.State> {

  private static final Logger log = LoggerFactory.getLogger(PoolScheduler.class);

  // State

  /**
   * @param members the node ids that belong to the pool
   * @param policy the strategy and overcommit ratios an operator set; null until one does, when
   *     the configured defaults apply. Snapshots written before policies existed read as null.
   */
  public record State(Set<String> members, PoolPolicy policy) implements CborSerializable {
    public State {
      members = Set.copyOf(members);
    }

    State join(NodeJoined event) {
      Set<String> next = new HashSet<>(members);
      next.add(event.nodeId());
      return new State(next, policy);
    }

    State leave(NodeLeft event) {
      Set<String> next = new HashSet<>(members);
      next.remove(event.nodeId());
      return new State(next, policy);
    }

    State changePolicy(PoolPolicyChanged event) {
      return new State(members, event.policy());
    }
  }

  // Commands

  public interface Command {}

  /** The latest state of a node, sent by the node entity after each change. */
  public record NodeUpdated(ComputeNode.State node) implements Command, CborSerializable {}

  /**
   * Chooses a node for a container and reserves its resources there; replies with the decision,
   * or an error saying why no node fits.
   */
  public record Place(PlacementSpec spec, ActorRef<StatusReply<PlacementRecord>> replyTo)
      implements Command, CborSerializable {}

  /** Replies with the pool's current view. */
  public record GetPool(ActorRef<PoolSummary> replyTo) implements Command, CborSerializable {}

  /**
   * Changes the pool's strategy or overcommit ratios; replies with the pool's new summary, or an
   * error naming the invalid value. Placements from then on use the new policy.
   *
   * @param strategy a strategy name, or null to keep the current one
   * @param overcommit ratios by dimension ({@code cpu}, {@code memory}, {@code disk}); a
   *     dimension not named keeps its ratio
   */
  public record ChangePolicy(
      String strategy, Map<String, Double> overcommit, ActorRef<StatusReply<PoolSummary>> replyTo)
      implements Command, CborSerializable {}

  /**
   * The reply of {@link GetPool}: the pool's policy and the nodes in the scheduler's current view.
   *
   * @param member the address of the cluster member hosting this scheduler
   */
  public record PoolSummary(
      String pool, PoolPolicy policy, String member, List<ComputeNode.State> nodes)
      implements CborSerializable {

    public String strategy() {
      return policy.strategy();
    }
  }

  private record NodeLoaded(String nodeId, Optional<ComputeNode.State> node)
      implements Command, NoSerializationVerificationNeeded {}

  private record ReserveReplied(
      PlacementSpec spec,
      PlacementRecord record,
      int attempt,
      Optional<String> error,
      ActorRef<StatusReply<PlacementRecord>> replyTo)
      implements Command, NoSerializationVerificationNeeded {}

  private record NodeRefreshed(
      Optional<ComputeNode.State> node,
      PlacementSpec spec,
      int attempt,
      String lastError,
      ActorRef<StatusReply<PlacementRecord>> replyTo)
      implements Command, NoSerializationVerificationNeeded {}

  // Events

  public sealed interface Event extends CborSerializable
      permits NodeJoined, NodeLeft, PoolPolicyChanged {}

  public record NodeJoined(String nodeId, Instant at) implements Event {}

  public record NodeLeft(String nodeId, Instant at) implements Event {}

  public record PoolPolicyChanged(PoolPolicy policy, Instant at) implements Event {}

  // Sharding key and init

  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "PoolScheduler");

  public static Behavior<Command> create(
      String pool, SchedulerSettings settings, ClusterSharding sharding) {
    return Behaviors.setup(context -> new PoolScheduler(context, pool, settings, sharding));
  }

  private final ActorContext<Command> context;
  private final String pool;
  private final SchedulerSettings settings;
  private final ClusterSharding sharding;
  private final PlacementEngine engine = new PlacementEngine();
  /** The pool's policy in effect; replaced when an operator changes it. */
  private PoolPolicy policy;
  private PoolView view;
  /** The latest authoritative state of each member node. */
  private final Map<String, ComputeNode.State> nodes = new HashMap<>();
  /** Reservations requested and not yet seen in the node's state, by node id then container id. */
  private final Map<String, Map<String, PlacedContainer>> pending = new HashMap<>();
  private int nodesLoading;

  private PoolScheduler(
      ActorContext<Command> context,
      String pool,
      SchedulerSettings settings,
      ClusterSharding sharding) {
    super(PersistenceId.of(TYPE_KEY.name(), pool));
    this.context = context;
    this.pool = pool;
    this.settings = settings;
    this.sharding = sharding;
    this.policy = PoolPolicy.of(settings.poolSettings());
    this.view = new PoolView(settings.poolSettings());
  }

  @Override
  public State emptyState() {
    return new State(Set.of(), null);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), this::loadMembers).build();
  }

  private void loadMembers(State state) {
    if (state.policy() != null) {
      usePolicy(state.policy());
    }
    nodesLoading = state.members().size();
    log.info("scheduler recovered pool={} members={}", pool, nodesLoading);
    for (String nodeId : state.members()) {
      context.pipeToSelf(
          sharding.entityRefFor(ComputeNode.TYPE_KEY, nodeId).ask(ComputeNode.Get::new, settings.askTimeout()),
          (node, error) -> new NodeLoaded(nodeId, Optional.ofNullable(node)));
    }
  }

  // Handlers

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(NodeUpdated.class, this::onNodeUpdated)
        .onCommand(NodeLoaded.class, this::onNodeLoaded)
        .onCommand(Place.class, this::onPlace)
        .onCommand(ReserveReplied.class, this::onReserveReplied)
        .onCommand(NodeRefreshed.class, this::onNodeRefreshed)
        .onCommand(GetPool.class, this::onGetPool)
        .onCommand(ChangePolicy.class, this::onChangePolicy)
        .build();
  }

  private Effect<Event, State> onNodeUpdated(State state, NodeUpdated command) {
    ComputeNode.State node = command.node();
    boolean member = state.members().contains(node.nodeId());
    if (!node.pool().equals(pool)) {
      if (member) {
        forget(node.nodeId());
        return Effect().persist(new NodeLeft(node.nodeId(), Instant.now()));
      }
      return Effect().none();
    }
    apply(node);
    if (!member) {
      log.info("scheduler node joined pool={} node_id={}", pool, node.nodeId());
      return Effect().persist(new NodeJoined(node.nodeId(), Instant.now()));
    }
    return Effect().none();
  }

  private Effect<Event, State> onNodeLoaded(State state, NodeLoaded command) {
    command.node().ifPresentOrElse(
        this::apply,
        () -> log.warn("scheduler could not load node pool={} node_id={}", pool, command.nodeId()));
    nodesLoading--;
    if (nodesLoading == 0) {
      log.info("scheduler view ready pool={} nodes={}", pool, nodes.size());
      return Effect().unstashAll();
    }
    return Effect().none();
  }

  private Effect<Event, State> onPlace(State state, Place command) {
    if (nodesLoading > 0) {
      return Effect().stash();
    }
    place(command.spec(), 1, "", command.replyTo());
    return Effect().none();
  }

  private Effect<Event, State> onReserveReplied(State state, ReserveReplied command) {
    PlacementRecord record = command.record();
    if (command.error().isEmpty()) {
      log.info(
          "container placed pool={} container_id={} node_id={} attempt={}",
          pool,
          record.containerId(),
          record.nodeId(),
          command.attempt());
      command.replyTo().tell(StatusReply.success(record));
      return Effect().none();
    }
    String error = command.error().get();
    log.info(
        "reservation rejected pool={} container_id={} node_id={} attempt={} error={}",
        pool,
        record.containerId(),
        record.nodeId(),
        command.attempt(),
        error);
    dropPending(record.nodeId(), record.containerId());
    if (command.attempt() >= settings.maxAttempts()) {
      command
          .replyTo()
          .tell(
              StatusReply.error(
                  "placement of container "
                      + record.containerId()
                      + " failed after "
                      + command.attempt()
                      + " attempts: "
                      + error));
      return Effect().none();
    }
    context.pipeToSelf(
        sharding
            .entityRefFor(ComputeNode.TYPE_KEY, record.nodeId())
            .ask(ComputeNode.Get::new, settings.askTimeout()),
        (node, failure) ->
            new NodeRefreshed(
                Optional.ofNullable(node), command.spec(), command.attempt() + 1, error, command.replyTo()));
    return Effect().none();
  }

  private Effect<Event, State> onNodeRefreshed(State state, NodeRefreshed command) {
    command.node().ifPresent(this::apply);
    place(command.spec(), command.attempt(), command.lastError(), command.replyTo());
    return Effect().none();
  }

  private Effect<Event, State> onGetPool(State state, GetPool command) {
    command.replyTo().tell(summary());
    return Effect().none();
  }

  private Effect<Event, State> onChangePolicy(State state, ChangePolicy command) {
    PoolPolicy next;
    try {
      next = policy.update(command.strategy(), command.overcommit());
    } catch (IllegalArgumentException e) {
      command.replyTo().tell(StatusReply.error(e.getMessage()));
      return Effect().none();
    }
    if (next.equals(policy)) {
      command.replyTo().tell(StatusReply.success(summary()));
      return Effect().none();
    }
    log.info(
        "pool policy changed pool={} strategy={} overcommit={}", pool, next.strategy(), next.overcommit());
    return Effect()
        .persist(new PoolPolicyChanged(next, Instant.now()))
        .thenRun(
            newState -> {
              usePolicy(next);
              command.replyTo().tell(StatusReply.success(summary()));
            });
  }

  private PoolSummary summary() {
    List<ComputeNode.State> list = new ArrayList<>(nodes.values());
    list.sort((a, b) -> a.nodeId().compareTo(b.nodeId()));
    return new PoolSummary(
        pool, policy, Cluster.get(context.getSystem()).selfMember().address().toString(), list);
  }

  /** Puts a policy in effect: the view is rebuilt, because its index depends on the ratios. */
  private void usePolicy(PoolPolicy next) {
    policy = next;
    view = new PoolView(next.applyTo(settings.poolSettings()));
    for (String nodeId : nodes.keySet()) {
      refreshView(nodeId);
    }
  }

  /** Runs the engine and sends the chosen node a reservation; its reply returns as a command. */
  private void place(
      PlacementSpec spec, int attempt, String lastError, ActorRef<StatusReply<PlacementRecord>> replyTo) {
    Optional<PlacementRecord> existing = existingPlacement(spec.containerId());
    if (existing.isPresent()) {
      replyTo.tell(StatusReply.success(existing.get()));
      return;
    }
    PlacementRequest request;
    try {
      request = spec.toRequest();
    } catch (IllegalArgumentException e) {
      // InvalidExpressionException included: a malformed constraint places nothing.
      replyTo.tell(StatusReply.error(e.getMessage()));
      return;
    }
    PlacementDecision decision = engine.place(request, view);
    if (!decision.placed()) {
      String message =
          lastError.isEmpty() ? decision.summary() : decision.summary() + " (last rejection: " + lastError + ")";
      log.info("no node fits pool={} container_id={} reason={}", pool, spec.containerId(), message);
      replyTo.tell(StatusReply.error(message));
      return;
    }
    String nodeId = decision.chosenNodeId().orElseThrow();
    PlacementRecord record = PlacementRecords.of(decision, nodeId);
    PlacedContainer placed =
        new PlacedContainer(spec.containerId(), spec.name(), spec.labels(), NodeViews.vector(record.reserved()));
    pending.computeIfAbsent(nodeId, id -> new HashMap<>()).put(spec.containerId(), placed);
    refreshView(nodeId);

    Reservation reservation =
        new Reservation(record.reserved(), spec.name(), spec.image(), spec.labels());
    context.pipeToSelf(
        sharding
            .entityRefFor(ComputeNode.TYPE_KEY, nodeId)
            .<Done>askWithStatus(
                reply ->
                    new ComputeNode.Reserve(
                        spec.containerId(), reservation, policy.overcommit(), reply),
                settings.askTimeout()),
        (done, error) ->
            new ReserveReplied(
                spec,
                record,
                attempt,
                error == null ? Optional.empty() : Optional.of(String.valueOf(error.getMessage())),
                replyTo));
  }

  /** Returns the node that already holds, or is about to hold, the container's reservation. */
  private Optional<PlacementRecord> existingPlacement(String containerId) {
    for (ComputeNode.State node : nodes.values()) {
      Reservation held = node.reservations().get(containerId);
      if (held != null) {
        return Optional.of(PlacementRecord.existing(containerId, node.nodeId(), held.resources()));
      }
    }
    for (Map.Entry<String, Map<String, PlacedContainer>> entry : pending.entrySet()) {
      PlacedContainer held = entry.getValue().get(containerId);
      if (held != null) {
        return Optional.of(
            PlacementRecord.existing(containerId, entry.getKey(), NodeViews.resources(held.reserved())));
      }
    }
    return Optional.empty();
  }

  /** Takes a node's state into the view unless a newer one is already there. */
  private void apply(ComputeNode.State node) {
    ComputeNode.State known = nodes.get(node.nodeId());
    if (known != null && known.revision() > node.revision()) {
      return;
    }
    nodes.put(node.nodeId(), node);
    Map<String, PlacedContainer> waiting = pending.get(node.nodeId());
    if (waiting != null) {
      waiting.keySet().removeIf(node.reservations()::containsKey);
      if (waiting.isEmpty()) {
        pending.remove(node.nodeId());
      }
    }
    refreshView(node.nodeId());
  }

  private void dropPending(String nodeId, String containerId) {
    Map<String, PlacedContainer> waiting = pending.get(nodeId);
    if (waiting != null) {
      waiting.remove(containerId);
      if (waiting.isEmpty()) {
        pending.remove(nodeId);
      }
    }
    refreshView(nodeId);
  }

  private void forget(String nodeId) {
    nodes.remove(nodeId);
    pending.remove(nodeId);
    view.removeNode(nodeId);
  }

  private void refreshView(String nodeId) {
    ComputeNode.State node = nodes.get(nodeId);
    if (node == null) {
      return;
    }
    NodeView nodeView = NodeViews.of(node, pending.getOrDefault(nodeId, Map.of()));
    view.putNode(nodeView);
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(NodeJoined.class, State::join)
        .onEvent(NodeLeft.class, State::leave)
        .onEvent(PoolPolicyChanged.class, State::changePolicy)
        .build();
  }
}
