package io.nereid.scheduler;

import io.nereid.container.PlacementRecord;
import io.nereid.agent.NodeAgents;
import io.nereid.entity.WriteBatcher;
import io.nereid.node.ComputeNode;
import io.nereid.node.NodeStatus;
import io.nereid.node.Reservation;
import io.nereid.node.ReservationChanges;
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
import java.util.concurrent.CompletionStage;
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
 *
 * <p>When a member node becomes lost, or an operator drains one with the move flag ({@link
 * Evacuate}), the scheduler relocates the containers that hold reservations there ({@link
 * ContainerRelocation}). It does so again after a failover, and whenever another node of the pool
 * becomes ready, for the containers that found no room before. The work to do is read from the
 * node's persisted reservations and status, and the drains with the move flag are persisted
 * here, so the next scheduler resumes a relocation that a crash cut short.
 */
public final class PoolScheduler
    extends EventSourcedBehavior<PoolScheduler.Command, PoolScheduler.Event, PoolScheduler.State> {

  private static final Logger log = LoggerFactory.getLogger(PoolScheduler.class);
  /**
   * The maximum number of reservations sent to one node in one batch. It is the journal's default
   * {@code max-message-batch-size}, so that one batch stays one atomic write.
   */
  private static final int MAX_RESERVE_BATCH = 100;

  // State

  /**
   * @param members the node ids that belong to the pool
   * @param policy the strategy and overcommit ratios an operator set; null until one does, when
   *     the configured defaults apply. Snapshots written before policies existed read as null.
   * @param evacuating draining nodes whose containers are to move to other nodes; snapshots
   *     written before drains could move containers read as empty
   */
  public record State(Set<String> members, PoolPolicy policy, Set<String> evacuating)
      implements CborSerializable {
    public State {
      members = Set.copyOf(members);
      evacuating = evacuating == null ? Set.of() : Set.copyOf(evacuating);
    }

    State join(NodeJoined event) {
      Set<String> next = new HashSet<>(members);
      next.add(event.nodeId());
      return new State(next, policy, evacuating);
    }

    State leave(NodeLeft event) {
      Set<String> next = new HashSet<>(members);
      next.remove(event.nodeId());
      Set<String> nextEvacuating = new HashSet<>(evacuating);
      nextEvacuating.remove(event.nodeId());
      return new State(next, policy, nextEvacuating);
    }

    State changePolicy(PoolPolicyChanged event) {
      return new State(members, event.policy(), evacuating);
    }

    State startEvacuation(NodeEvacuationRequested event) {
      Set<String> next = new HashSet<>(evacuating);
      next.add(event.nodeId());
      return new State(members, policy, next);
    }

    State endEvacuation(NodeEvacuationEnded event) {
      Set<String> next = new HashSet<>(evacuating);
      next.remove(event.nodeId());
      return new State(members, policy, next);
    }
  }

  // Commands

  public interface Command {}

  /**
   * The latest state of a node, sent by the node entity after each change.
   *
   * @param changes the reservations that changed since the revision before the change, so the
   *     scheduler need not compare them all. It is null in a message from a member running a
   *     version that does not send them, and then the scheduler compares every reservation.
   */
  public record NodeUpdated(ComputeNode.State node, ReservationChanges changes)
      implements Command, CborSerializable {

    public NodeUpdated(ComputeNode.State node) {
      this(node, null);
    }
  }

  /**
   * Chooses a node for a container and reserves its resources there; replies with the decision,
   * or an error saying why no node fits.
   *
   * @param movingFrom the node the container leaves, whose reservation does not count as the
   *     container's placement; empty for a new container
   */
  public record Place(
      PlacementSpec spec, String movingFrom, ActorRef<StatusReply<PlacementRecord>> replyTo)
      implements Command, CborSerializable {

    public Place {
      movingFrom = movingFrom == null ? "" : movingFrom;
    }

    public Place(PlacementSpec spec, ActorRef<StatusReply<PlacementRecord>> replyTo) {
      this(spec, "", replyTo);
    }
  }

  /**
   * Moves the containers of a draining node to other nodes of the pool: those to run again are
   * started there, the others are stopped first. Replies Done once the request is persisted; the
   * moves go on in the background until the node is empty or stops draining.
   *
   * @param node the node's state after it became draining
   */
  public record Evacuate(ComputeNode.State node, ActorRef<StatusReply<Done>> replyTo)
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
      String movingFrom,
      PlacementRecord record,
      int attempt,
      Optional<String> error,
      ActorRef<StatusReply<PlacementRecord>> replyTo)
      implements Command, NoSerializationVerificationNeeded {}

  private record RelocationDone(
      String containerId,
      String fromNode,
      Optional<ContainerRelocation.Outcome> outcome,
      Optional<String> error)
      implements Command, NoSerializationVerificationNeeded {}

  private record NodeRefreshed(
      Optional<ComputeNode.State> node,
      PlacementSpec spec,
      String movingFrom,
      int attempt,
      String lastError,
      ActorRef<StatusReply<PlacementRecord>> replyTo)
      implements Command, NoSerializationVerificationNeeded {}

  // Events

  public sealed interface Event extends CborSerializable
      permits NodeJoined,
          NodeLeft,
          PoolPolicyChanged,
          NodeEvacuationRequested,
          NodeEvacuationEnded {}

  public record NodeJoined(String nodeId, Instant at) implements Event {}

  public record NodeLeft(String nodeId, Instant at) implements Event {}

  public record PoolPolicyChanged(PoolPolicy policy, Instant at) implements Event {}

  public record NodeEvacuationRequested(String nodeId, Instant at) implements Event {}

  public record NodeEvacuationEnded(String nodeId, Instant at) implements Event {}

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
  /** Each member node's reservations converted for the placement engine, by node id. */
  private final Map<String, NodeViews.Reserved> reservedByNode = new HashMap<>();
  /** Reservations requested and not yet seen in the node's state, by node id then container id. */
  private final Map<String, Map<String, PlacedContainer>> pending = new HashMap<>();
  /** Containers with a relocation under way, so a second pass over their node skips them. */
  private final Set<String> relocating = new HashSet<>();
  private final ContainerRelocation relocation;
  /**
   * Sends the reservations to the nodes, those made while a node's previous write is in flight
   * in one batch, so a node's journal round trip does not cap the pool's placement rate.
   */
  private final WriteBatcher<ComputeNode.ReserveRequest, String> reservations;
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
    this.relocation =
        new ContainerRelocation(
            sharding,
            new NodeAgents(context.getSystem(), settings.askTimeout()),
            pool,
            settings.askTimeout(),
            settings.agentTimeout());
    this.reservations = new WriteBatcher<>(this::sendReservations, MAX_RESERVE_BATCH);
  }

  private CompletionStage<List<String>> sendReservations(
      String nodeId, List<ComputeNode.ReserveRequest> requests) {
    return sharding
        .entityRefFor(ComputeNode.TYPE_KEY, nodeId)
        .<ComputeNode.ReserveOutcomes>ask(
            replyTo -> new ComputeNode.ReserveBatch(requests, replyTo), settings.askTimeout())
        .thenApply(ComputeNode.ReserveOutcomes::errors);
  }

  @Override
  public State emptyState() {
    return new State(Set.of(), null, Set.of());
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
        .onCommand(Evacuate.class, this::onEvacuate)
        .onCommand(RelocationDone.class, this::onRelocationDone)
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
    ComputeNode.State previous = nodes.get(node.nodeId());
    if (!apply(node, command.changes())) {
      return Effect().none();
    }
    if (!member) {
      log.info("scheduler node joined pool={} node_id={}", pool, node.nodeId());
      return Effect().persist(new NodeJoined(node.nodeId(), Instant.now()));
    }
    boolean statusChanged = previous == null || previous.status() != node.status();
    if (statusChanged) {
      onStatusChanged(state, node);
    }
    if (node.status() != NodeStatus.DRAINING && state.evacuating().contains(node.nodeId())) {
      log.info("node evacuation ended pool={} node_id={} status={}", pool, node.nodeId(), node.status().lowerCase());
      return Effect().persist(new NodeEvacuationEnded(node.nodeId(), Instant.now()));
    }
    return Effect().none();
  }

  /**
   * Starts relocations on a status change: from a node that became lost, and, when a node became
   * ready, from every node still to empty, for the containers that found no room before.
   */
  private void onStatusChanged(State state, ComputeNode.State node) {
    if (node.status() == NodeStatus.LOST) {
      log.info("node lost pool={} node_id={} containers={}", pool, node.nodeId(), node.reservations().size());
      relocateFrom(state, node);
    } else if (node.status() == NodeStatus.READY) {
      for (ComputeNode.State other : nodes.values()) {
        relocateFrom(state, other);
      }
    }
  }

  private Effect<Event, State> onNodeLoaded(State state, NodeLoaded command) {
    command.node().ifPresentOrElse(
        node -> {
          apply(node, null);
          relocateFrom(state, node);
        },
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
    place(command.spec(), command.movingFrom(), 1, "", command.replyTo());
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
                Optional.ofNullable(node),
                command.spec(),
                command.movingFrom(),
                command.attempt() + 1,
                error,
                command.replyTo()));
    return Effect().none();
  }

  private Effect<Event, State> onNodeRefreshed(State state, NodeRefreshed command) {
    command.node().ifPresent(node -> apply(node, null));
    place(command.spec(), command.movingFrom(), command.attempt(), command.lastError(), command.replyTo());
    return Effect().none();
  }

  private Effect<Event, State> onEvacuate(State state, Evacuate command) {
    ComputeNode.State node = command.node();
    if (!node.pool().equals(pool) || !state.members().contains(node.nodeId())) {
      command.replyTo().tell(StatusReply.error("node " + node.nodeId() + " is not in pool " + pool));
      return Effect().none();
    }
    apply(node, null);
    ComputeNode.State current = nodes.get(node.nodeId());
    if (current.status() != NodeStatus.DRAINING) {
      command
          .replyTo()
          .tell(
              StatusReply.error(
                  "node " + node.nodeId() + " is " + current.status().lowerCase() + ", not draining"));
      return Effect().none();
    }
    if (state.evacuating().contains(node.nodeId())) {
      relocateFrom(state, current);
      command.replyTo().tell(StatusReply.ack());
      return Effect().none();
    }
    log.info("node evacuation requested pool={} node_id={} containers={}", pool, node.nodeId(), current.reservations().size());
    return Effect()
        .persist(new NodeEvacuationRequested(node.nodeId(), Instant.now()))
        .thenRun(
            newState -> {
              relocateFrom(newState, nodes.get(node.nodeId()));
              command.replyTo().tell(StatusReply.ack());
            });
  }

  /**
   * Relocates each container of the node that is lost, or draining with its evacuation
   * requested, unless a relocation of that container is already under way.
   */
  private void relocateFrom(State state, ComputeNode.State node) {
    ContainerRelocation.Cause cause;
    if (node.status() == NodeStatus.LOST) {
      cause = ContainerRelocation.Cause.LOST;
    } else if (node.status() == NodeStatus.DRAINING && state.evacuating().contains(node.nodeId())) {
      cause = ContainerRelocation.Cause.DRAINED;
    } else {
      return;
    }
    for (String containerId : node.reservations().keySet()) {
      if (!relocating.add(containerId)) {
        continue;
      }
      String fromNode = node.nodeId();
      context.pipeToSelf(
          relocation.relocate(containerId, fromNode, cause),
          (outcome, error) ->
              new RelocationDone(
                  containerId,
                  fromNode,
                  Optional.ofNullable(outcome),
                  error == null ? Optional.empty() : Optional.of(String.valueOf(rootCause(error).getMessage()))));
    }
  }

  private Effect<Event, State> onRelocationDone(State state, RelocationDone command) {
    relocating.remove(command.containerId());
    if (command.error().isPresent()) {
      log.warn(
          "container relocation failed pool={} container_id={} from_node={} error={}",
          pool,
          command.containerId(),
          command.fromNode(),
          command.error().get());
      return Effect().none();
    }
    ContainerRelocation.Outcome outcome = command.outcome().orElseThrow();
    log.info(
        "container relocated pool={} container_id={} from_node={} node_id={} outcome={}",
        pool,
        command.containerId(),
        command.fromNode(),
        outcome.nodeId(),
        outcome.description());
    Set<String> keep = new HashSet<>(List.of(command.fromNode(), outcome.nodeId()));
    releaseStrays(command.containerId(), keep);
    return Effect().none();
  }

  /**
   * Releases reservations of the container on nodes other than {@code keep}. One is left behind
   * when a relocation reserved on a node, the scheduler failed over before the container moved,
   * and the next attempt chose another node.
   */
  private void releaseStrays(String containerId, Set<String> keep) {
    for (ComputeNode.State node : nodes.values()) {
      if (!keep.contains(node.nodeId()) && node.reservations().containsKey(containerId)) {
        log.info("stray reservation released pool={} container_id={} node_id={}", pool, containerId, node.nodeId());
        sharding
            .entityRefFor(ComputeNode.TYPE_KEY, node.nodeId())
            .<Done>askWithStatus(replyTo -> new ComputeNode.Release(containerId, replyTo), settings.askTimeout());
      }
    }
  }

  private static Throwable rootCause(Throwable error) {
    Throwable cause = error;
    while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
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
      PlacementSpec spec,
      String movingFrom,
      int attempt,
      String lastError,
      ActorRef<StatusReply<PlacementRecord>> replyTo) {
    Optional<PlacementRecord> existing = existingPlacement(spec.containerId(), movingFrom);
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
    PlacementDecision decision = placeAvoiding(request, movingFrom);
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
        reservations.submit(
            nodeId,
            new ComputeNode.ReserveRequest(spec.containerId(), reservation, policy.overcommit())),
        (rejection, error) ->
            new ReserveReplied(
                spec,
                movingFrom,
                record,
                attempt,
                error != null
                    ? Optional.of(String.valueOf(error.getMessage()))
                    : Optional.of(rejection).filter(reason -> !reason.isEmpty()),
                replyTo));
  }

  /**
   * Runs the engine with the node the container leaves taken out of the candidates, which its
   * status does already unless the node is still ready.
   */
  private PlacementDecision placeAvoiding(PlacementRequest request, String movingFrom) {
    ComputeNode.State source = nodes.get(movingFrom);
    if (source == null || source.status() != NodeStatus.READY) {
      return engine.place(request, view);
    }
    view.updateStatus(movingFrom, NodeView.Status.DRAINING);
    try {
      return engine.place(request, view);
    } finally {
      refreshView(movingFrom);
    }
  }

  /**
   * Returns the node that already holds, or is about to hold, the container's reservation, other
   * than the node the container is moving from.
   */
  private Optional<PlacementRecord> existingPlacement(String containerId, String movingFrom) {
    for (ComputeNode.State node : nodes.values()) {
      Reservation held = node.reservations().get(containerId);
      if (held != null && !node.nodeId().equals(movingFrom)) {
        return Optional.of(PlacementRecord.existing(containerId, node.nodeId(), held.resources()));
      }
    }
    for (Map.Entry<String, Map<String, PlacedContainer>> entry : pending.entrySet()) {
      PlacedContainer held = entry.getValue().get(containerId);
      if (held != null && !entry.getKey().equals(movingFrom)) {
        return Optional.of(
            PlacementRecord.existing(containerId, entry.getKey(), NodeViews.resources(held.reserved())));
      }
    }
    return Optional.empty();
  }

  /**
   * Takes a node's state into the view unless a newer one is already there; returns whether it
   * did.
   *
   * @param changes the reservations that changed on the way to this state, or null when unknown
   */
  private boolean apply(ComputeNode.State node, ReservationChanges changes) {
    ComputeNode.State known = nodes.get(node.nodeId());
    if (known != null && known.revision() > node.revision()) {
      return false;
    }
    nodes.put(node.nodeId(), node);
    reservedByNode.computeIfAbsent(node.nodeId(), id -> new NodeViews.Reserved()).update(node, changes);
    Map<String, PlacedContainer> waiting = pending.get(node.nodeId());
    if (waiting != null) {
      waiting.keySet().removeIf(node.reservations()::containsKey);
      if (waiting.isEmpty()) {
        pending.remove(node.nodeId());
      }
    }
    refreshView(node.nodeId());
    return true;
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
    reservedByNode.remove(nodeId);
    pending.remove(nodeId);
    view.removeNode(nodeId);
  }

  private void refreshView(String nodeId) {
    ComputeNode.State node = nodes.get(nodeId);
    if (node == null) {
      return;
    }
    NodeViews.Reserved reserved = reservedByNode.computeIfAbsent(nodeId, id -> new NodeViews.Reserved());
    NodeView nodeView = NodeViews.of(node, pending.getOrDefault(nodeId, Map.of()), reserved);
    view.putNode(nodeView);
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(NodeJoined.class, State::join)
        .onEvent(NodeLeft.class, State::leave)
        .onEvent(PoolPolicyChanged.class, State::changePolicy)
        .onEvent(NodeEvacuationRequested.class, State::startEvacuation)
        .onEvent(NodeEvacuationEnded.class, State::endEvacuation)
        .build();
  }
}
