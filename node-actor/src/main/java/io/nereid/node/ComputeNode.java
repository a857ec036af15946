package io.nereid.node;

import io.nereid.entity.EntitySettings;
import io.nereid.entity.SharedMap;
import io.nereid.metrics.JournalWrites;
import io.nereid.persistence.CborSerializable;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authoritative record of one compute machine: its inventory, labels, status and the
 * resources reserved by every container placed on it.
 *
 * <p>The entity is the last word on capacity. The scheduler works from a view that may lag, so it
 * asks this entity to reserve, and the entity rejects any reservation that would make the sum of
 * reservations exceed the inventory times the pool's overcommit ratios, which each reservation
 * request carries, or that arrives while the node is not ready. Heartbeats are
 * not persisted; only status transitions are.
 */
public final class ComputeNode
    extends EventSourcedBehaviorWithEnforcedReplies<
        ComputeNode.Command, ComputeNode.Event, ComputeNode.State> {

  // State

  /**
   * @param reservations what each container holds, by container id
   * @param revision the number of events applied, so a reader can tell a newer state from an
   *     older one that arrived late
   */
  public record State(
      String nodeId,
      NodeStatus status,
      String pool,
      Resources capacity,
      Map<String, String> labels,
      Map<String, Reservation> reservations,
      Instant statusChangedAt,
      long revision)
      implements CborSerializable {

    public State {
      labels = Map.copyOf(labels);
      // A shared map, because every reservation changes one entry of a map with thousands.
      reservations = SharedMap.copyOf(reservations);
    }

    public static State unregistered(String nodeId) {
      return new State(
          nodeId, NodeStatus.UNREGISTERED, "", Resources.NONE, Map.of(), Map.of(), Instant.EPOCH,
          0);
    }

    public Resources reserved() {
      Resources sum = Resources.NONE;
      for (Reservation each : reservations.values()) {
        sum = sum.plus(each.resources());
      }
      return sum;
    }

    public Resources free() {
      return capacity.minus(reserved());
    }

    /** Returns what is left for reservations when they may reach capacity times the ratios. */
    public Resources free(Overcommit overcommit) {
      return overcommit.limit(capacity).minus(reserved());
    }

    State register(NodeRegistered event) {
      return new State(
          nodeId,
          NodeStatus.READY,
          event.pool(),
          event.capacity(),
          event.labels(),
          reservations,
          event.at(),
          revision + 1);
    }

    State changeStatus(NodeStatusChanged event) {
      return new State(
          nodeId, event.status(), pool, capacity, labels, reservations, event.at(), revision + 1);
    }

    State relabel(NodeLabelsUpdated event) {
      return new State(
          nodeId, status, pool, capacity, event.labels(), reservations, statusChangedAt,
          revision + 1);
    }

    State reserve(ResourcesReserved event) {
      Map<String, Reservation> next = SharedMap.with(reservations, event.containerId(), event.reservation());
      return new State(nodeId, status, pool, capacity, labels, next, statusChangedAt, revision + 1);
    }

    State release(ResourcesReleased event) {
      Map<String, Reservation> next = SharedMap.without(reservations, event.containerId());
      return new State(nodeId, status, pool, capacity, labels, next, statusChangedAt, revision + 1);
    }
  }

  // Commands

  public sealed interface Command extends CborSerializable {}

  /**
   * Records the node's inventory and moves an unregistered or lost node to ready; replies with
   * the new state. A repeated registration with the same values persists nothing.
   */
  public record Register(
      String pool,
      Resources capacity,
      Map<String, String> labels,
      ActorRef<StatusReply<State>> replyTo)
      implements Command {}

  /** Moves the node to another status; replies with the new state or the reason it may not. */
  public record ChangeStatus(
      NodeStatus target, String reason, ActorRef<StatusReply<State>> replyTo)
      implements Command {}

  /** Replaces the node's labels; replies with the new state. */
  public record UpdateLabels(Map<String, String> labels, ActorRef<StatusReply<State>> replyTo)
      implements Command {}

  /**
   * Reserves resources for one container, or changes that container's reservation; replies Done,
   * or an error when the node is not ready or lacks the capacity. Repeating a granted
   * reservation persists nothing and replies Done again.
   *
   * @param overcommit the ratios of the node's pool. The reservations may reach capacity times
   *     these ratios and no further. Null means {@link Overcommit#NONE}.
   */
  public record Reserve(
      String containerId,
      Reservation reservation,
      Overcommit overcommit,
      ActorRef<StatusReply<Done>> replyTo)
      implements Command {

    public Reserve {
      overcommit = overcommit == null ? Overcommit.NONE : overcommit;
    }

    /** Reserves without overcommit. */
    public Reserve(String containerId, Reservation reservation, ActorRef<StatusReply<Done>> replyTo) {
      this(containerId, reservation, Overcommit.NONE, replyTo);
    }
  }

  /**
   * Makes several reservations in order, each as {@link Reserve} would, and persists them in one
   * journal write. Replies with one outcome per request, in order.
   */
  public record ReserveBatch(List<ReserveRequest> requests, ActorRef<ReserveOutcomes> replyTo)
      implements Command {}

  /** One reservation of a {@link ReserveBatch}; a null overcommit means {@link Overcommit#NONE}. */
  public record ReserveRequest(String containerId, Reservation reservation, Overcommit overcommit)
      implements CborSerializable {

    public ReserveRequest {
      overcommit = overcommit == null ? Overcommit.NONE : overcommit;
    }
  }

  /** Per request of a {@link ReserveBatch}, in order: empty when reserved, else why not. */
  public record ReserveOutcomes(List<String> errors) implements CborSerializable {}

  /** Gives back a container's reservation; replies Done also when there was none. */
  public record Release(String containerId, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** Replies with the current state. */
  public record Get(ActorRef<State> replyTo) implements Command {}

  // Events

  public sealed interface Event extends CborSerializable {}

  public record NodeRegistered(
      String pool, Resources capacity, Map<String, String> labels, Instant at) implements Event {}

  public record NodeStatusChanged(NodeStatus status, String reason, Instant at) implements Event {}

  public record NodeLabelsUpdated(Map<String, String> labels, Instant at) implements Event {}

  public record ResourcesReserved(String containerId, Reservation reservation, Instant at)
      implements Event {}

  public record ResourcesReleased(String containerId, Instant at) implements Event {}

  // Sharding key and init

  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "ComputeNode");

  public static Behavior<Command> create(String nodeId, EntitySettings settings) {
    return new ComputeNode(nodeId, settings, NodeObserver.NONE);
  }

  public static Behavior<Command> create(
      String nodeId, EntitySettings settings, NodeObserver observer) {
    return new ComputeNode(nodeId, settings, observer);
  }

  private static final Logger log = LoggerFactory.getLogger(ComputeNode.class);

  private final String nodeId;
  private final EntitySettings settings;
  private final Clock clock;
  private final NodeObserver observer;
  /**
   * The sum of the reservations at state revision {@link #reservedRevision}. Summing walks every
   * reservation, thousands on a dense node, so each batch sums at most once. It carries the sum
   * forward to the revision its events lead to.
   */
  private Resources reservedSum = Resources.NONE;
  private long reservedRevision = -1;

  private ComputeNode(String nodeId, EntitySettings settings, NodeObserver observer) {
    super(PersistenceId.of(TYPE_KEY.name(), nodeId));
    this.nodeId = nodeId;
    this.settings = settings;
    this.clock = settings.clock();
    this.observer = observer;
  }

  @Override
  public State emptyState() {
    return State.unregistered(nodeId);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), settings.snapshotsKept());
  }

  // Handlers

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forState(state -> state.status() == NodeStatus.DECOMMISSIONED)
        .onCommand(Register.class, (state, command) -> reject(command.replyTo(), "is decommissioned"))
        .onCommand(ChangeStatus.class, this::onChangeStatus)
        .onCommand(
            UpdateLabels.class, (state, command) -> reject(command.replyTo(), "is decommissioned"));
    builder
        .forState(state -> state.status() == NodeStatus.UNREGISTERED)
        .onCommand(Register.class, this::onRegister)
        .onCommand(ChangeStatus.class, this::onChangeStatus)
        .onCommand(
            UpdateLabels.class, (state, command) -> reject(command.replyTo(), "is not registered"));
    builder
        .forAnyState()
        .onCommand(Register.class, this::onRegister)
        .onCommand(ChangeStatus.class, this::onChangeStatus)
        .onCommand(UpdateLabels.class, this::onUpdateLabels)
        .onCommand(Reserve.class, this::onReserve)
        .onCommand(ReserveBatch.class, this::onReserveBatch)
        .onCommand(Release.class, this::onRelease)
        .onCommand(Get.class, (state, command) -> Effect().reply(command.replyTo(), state));
    return builder.build();
  }

  private ReplyEffect<Event, State> onRegister(State state, Register command) {
    boolean unchanged =
        state.status() != NodeStatus.UNREGISTERED
            && state.status() != NodeStatus.LOST
            && state.pool().equals(command.pool())
            && state.capacity().equals(command.capacity())
            && state.labels().equals(command.labels());
    if (unchanged) {
      return Effect().reply(command.replyTo(), StatusReply.success(state));
    }
    NodeRegistered registered =
        new NodeRegistered(command.pool(), command.capacity(), command.labels(), clock.instant());
    if (state.status() == NodeStatus.CORDONED || state.status() == NodeStatus.DRAINING) {
      // An agent that restarts must not undo an operator's cordon or drain.
      NodeStatusChanged kept =
          new NodeStatusChanged(state.status(), "kept across re-registration", registered.at());
      return persistAndNotify(List.of(registered, kept))
          .thenReply(command.replyTo(), StatusReply::success);
    }
    return persistAndNotify(List.of(registered)).thenReply(command.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, State> onChangeStatus(State state, ChangeStatus command) {
    NodeStatus target = command.target();
    if (target == state.status()) {
      return Effect().reply(command.replyTo(), StatusReply.success(state));
    }
    if (!state.status().allowedTargets().contains(target)) {
      return Effect()
          .reply(
              command.replyTo(),
              StatusReply.error(
                  "node "
                      + nodeId
                      + " is "
                      + state.status().lowerCase()
                      + " and cannot become "
                      + target.lowerCase()));
    }
    if (target == NodeStatus.DECOMMISSIONED && !state.reservations().isEmpty()) {
      return Effect()
          .reply(
              command.replyTo(),
              StatusReply.error(
                  "node "
                      + nodeId
                      + " still holds "
                      + state.reservations().size()
                      + " containers; drain it and remove them before decommissioning"));
    }
    return persistAndNotify(List.of(new NodeStatusChanged(target, command.reason(), clock.instant())))
        .thenReply(command.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, State> onUpdateLabels(State state, UpdateLabels command) {
    if (state.labels().equals(command.labels())) {
      return Effect().reply(command.replyTo(), StatusReply.success(state));
    }
    return persistAndNotify(List.of(new NodeLabelsUpdated(command.labels(), clock.instant())))
        .thenReply(command.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, State> onReserve(State state, Reserve command) {
    Decision decision =
        decideReservation(
            state,
            reserved(state),
            new ReserveRequest(command.containerId(), command.reservation(), command.overcommit()));
    if (!decision.error().isEmpty()) {
      return Effect().reply(command.replyTo(), StatusReply.error(decision.error()));
    }
    if (decision.event().isEmpty()) {
      return Effect().reply(command.replyTo(), StatusReply.ack());
    }
    return persistAndNotify(List.of(decision.event().get()))
        .thenReply(command.replyTo(), newState -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onReserveBatch(State state, ReserveBatch command) {
    EventHandler<State, Event> apply = eventHandler();
    State current = state;
    List<Event> events = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    Resources reserved = reserved(state);
    for (ReserveRequest request : command.requests()) {
      Decision decision = decideReservation(current, reserved, request);
      if (decision.event().isPresent()) {
        events.add(decision.event().get());
        Reservation held = current.reservations().get(request.containerId());
        reserved =
            reserved
                .plus(request.reservation().resources())
                .minus(held == null ? Resources.NONE : held.resources());
        current = apply.apply(current, decision.event().get());
      }
      errors.add(decision.error());
    }
    ReserveOutcomes outcomes = new ReserveOutcomes(errors);
    if (events.isEmpty()) {
      return Effect().reply(command.replyTo(), outcomes);
    }
    // Each event adds one to the revision, so the state after the write has current's revision.
    reservedSum = reserved;
    reservedRevision = current.revision();
    return persistAndNotify(events).thenReply(command.replyTo(), newState -> outcomes);
  }

  private Resources reserved(State state) {
    if (state.revision() != reservedRevision) {
      reservedSum = state.reserved();
      reservedRevision = state.revision();
    }
    return reservedSum;
  }

  /** The event a reservation persists, if any, or why it is rejected; empty when granted. */
  private record Decision(Optional<Event> event, String error) {}

  /** @param reserved the sum of the state's reservations */
  private Decision decideReservation(State state, Resources reserved, ReserveRequest request) {
    Reservation held = state.reservations().get(request.containerId());
    if (request.reservation().equals(held)) {
      return new Decision(Optional.empty(), "");
    }
    if (state.status() != NodeStatus.READY) {
      return new Decision(
          Optional.empty(), "node " + nodeId + " is " + state.status().lowerCase() + ", not ready");
    }
    Resources requested = request.reservation().resources();
    Resources free =
        request
            .overcommit()
            .limit(state.capacity())
            .minus(reserved)
            .plus(held == null ? Resources.NONE : held.resources());
    if (!requested.fitsWithin(free) && settings.skipCapacityCheck()) {
      log.warn(
          "reservation over capacity accepted, nereid.unsafe.skip-capacity-check is on node_id={} container_id={} shortfall={}",
          nodeId,
          request.containerId(),
          requested.shortfall(free));
    } else if (!requested.fitsWithin(free)) {
      return new Decision(
          Optional.empty(),
          "node "
              + nodeId
              + " cannot hold container "
              + request.containerId()
              + ": "
              + requested.shortfall(free));
    }
    return new Decision(
        Optional.of(
            new ResourcesReserved(request.containerId(), request.reservation(), clock.instant())),
        "");
  }

  private ReplyEffect<Event, State> onRelease(State state, Release command) {
    if (!state.reservations().containsKey(command.containerId())) {
      return Effect().reply(command.replyTo(), StatusReply.ack());
    }
    return persistAndNotify(List.of(new ResourcesReleased(command.containerId(), clock.instant())))
        .thenReply(command.replyTo(), newState -> StatusReply.ack());
  }

  /**
   * Persists the events, then passes the new state and the containers whose reservations the
   * events touched to the observer, before the caller's reply. A new event type that changes
   * reservations must add its container ids here, or the scheduler's view misses the change.
   */
  private EffectBuilder<Event, State> persistAndNotify(List<Event> events) {
    Set<String> touched = new HashSet<>();
    for (Event event : events) {
      if (event instanceof ResourcesReserved reserved) {
        touched.add(reserved.containerId());
      } else if (event instanceof ResourcesReleased released) {
        touched.add(released.containerId());
      }
    }
    return JournalWrites.timed("ComputeNode", Effect().persist(events))
        .thenRun(
            newState -> {
              // Each event adds one to the revision.
              long fromRevision = newState.revision() - events.size();
              observer.nodeChanged(newState, new ReservationChanges(fromRevision, touched));
            });
  }

  private ReplyEffect<Event, State> reject(ActorRef<StatusReply<State>> replyTo, String problem) {
    return Effect().reply(replyTo, StatusReply.error("node " + nodeId + " " + problem));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(NodeRegistered.class, State::register)
        .onEvent(NodeStatusChanged.class, State::changeStatus)
        .onEvent(NodeLabelsUpdated.class, State::relabel)
        .onEvent(ResourcesReserved.class, State::reserve)
        .onEvent(ResourcesReleased.class, State::release)
        .build();
  }
}
