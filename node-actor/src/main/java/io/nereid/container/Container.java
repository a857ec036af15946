package io.nereid.container;

import io.nereid.entity.EntitySettings;
import io.nereid.node.Resources;
import io.nereid.metrics.JournalWrites;
import io.nereid.persistence.CborSerializable;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.Recovery;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One container's life: what the user asked for, where it was placed, what it should be doing
 * and what its node last reported.
 *
 * <p>Every command is idempotent, so a gateway that retries after a timeout or a crash never
 * creates or starts a container twice. Reports from a node other than the one the container is
 * placed on are rejected, which fences an old placement after the container has moved ({@link
 * Move}): the node id of the current placement is the fencing token. NOTE: a container that moves
 * back to a node it left would accept a late report from its earlier run there.
 */
public final class Container
    extends EventSourcedBehaviorWithEnforcedReplies<
        Container.Command, Container.Event, Container.State> {

  // State

  /** The state the user last requested for the container. */
  public enum DesiredState {
    STOPPED,
    RUNNING,
    REMOVED
  }

  /**
   * @param nodeId the node holding the container's reservation; empty before placement
   * @param placement why the scheduler chose that node; null before placement
   * @param restartCount restarts made by the restart policy since the user last started it
   * @param exitCode the last exit code; meaningful once the container has exited
   */
  public record State(
      String containerId,
      ContainerStatus status,
      DesiredState desired,
      String account,
      String name,
      ContainerSpec spec,
      String nodeId,
      PlacementRecord placement,
      int exitCode,
      boolean oomKilled,
      int restartCount,
      Instant createdAt,
      Instant startedAt,
      Instant finishedAt)
      implements CborSerializable {

    static State empty(String containerId) {
      return new State(
          containerId, ContainerStatus.NEW, DesiredState.STOPPED, "", "", null, "", null, 0, false,
          0, Instant.EPOCH, Instant.EPOCH, Instant.EPOCH);
    }

    /** Returns true while the main process exists, paused or not. */
    public boolean isRunning() {
      return status == ContainerStatus.RUNNING || status == ContainerStatus.PAUSED;
    }

    State create(ContainerCreated event) {
      return new State(
          containerId, ContainerStatus.CREATED, DesiredState.STOPPED, event.account(),
          event.name(), event.spec(), "", null, 0, false, 0, event.at(), startedAt, finishedAt);
    }

    State place(ContainerPlaced event) {
      ContainerStatus next =
          status == ContainerStatus.CREATED || status == ContainerStatus.PLACED
              ? ContainerStatus.PLACED
              : status;
      return new State(
          containerId, next, desired, account, name, spec, event.placement().nodeId(),
          event.placement(), exitCode, oomKilled, restartCount, createdAt, startedAt, finishedAt);
    }

    /** Moves the placement; a process that ran on the old node no longer counts as running. */
    State move(ContainerMoved event) {
      ContainerStatus next = isRunning() ? ContainerStatus.PLACED : status;
      return new State(
          containerId, next, desired, account, name, spec, event.placement().nodeId(),
          event.placement(), exitCode, oomKilled, restartCount, createdAt, startedAt, event.at());
    }

    State requestStart(StartRequested event) {
      int restarts = event.byRestartPolicy() ? restartCount + 1 : 0;
      return new State(
          containerId, status, DesiredState.RUNNING, account, name, spec, nodeId,
          placement, exitCode, oomKilled, restarts, createdAt, startedAt, finishedAt);
    }

    State start(ContainerStarted event) {
      return new State(
          containerId, ContainerStatus.RUNNING, desired, account, name, spec, nodeId,
          placement, 0, false, restartCount, createdAt, event.at(), finishedAt);
    }

    /**
     * Records the exit. The container is no longer wanted running unless a {@link
     * StartRequested} from the restart policy follows in the same batch of events.
     */
    State exit(ContainerExited event) {
      return new State(
          containerId, ContainerStatus.EXITED, DesiredState.STOPPED, account, name, spec, nodeId,
          placement, event.exitCode(), event.oomKilled(), restartCount, createdAt,
          startedAt, event.at());
    }

    State requestStop(StopRequested event) {
      return new State(
          containerId, status, DesiredState.STOPPED, account, name, spec, nodeId,
          placement, exitCode, oomKilled, restartCount, createdAt, startedAt, finishedAt);
    }

    State pause(ContainerPaused event) {
      return withStatus(ContainerStatus.PAUSED);
    }

    State unpause(ContainerUnpaused event) {
      return withStatus(ContainerStatus.RUNNING);
    }

    State updateResources(ResourcesUpdated event) {
      PlacementRecord placed = placement == null ? null : placement.withReserved(event.reserved());
      return new State(
          containerId, status, desired, account, name, event.spec(), nodeId,
          placed, exitCode, oomKilled, restartCount, createdAt, startedAt, finishedAt);
    }

    State rename(ContainerRenamed event) {
      return new State(
          containerId, status, desired, account, event.newName(), spec, nodeId,
          placement, exitCode, oomKilled, restartCount, createdAt, startedAt, finishedAt);
    }

    private State withStatus(ContainerStatus next) {
      return new State(
          containerId, next, desired, account, name, spec, nodeId,
          placement, exitCode, oomKilled, restartCount, createdAt, startedAt, finishedAt);
    }

    State remove(ContainerRemoved event) {
      return new State(
          containerId, ContainerStatus.REMOVED, DesiredState.REMOVED, account, name, spec, nodeId,
          placement, exitCode, oomKilled, restartCount, createdAt, startedAt, finishedAt);
    }
  }

  // Commands

  public sealed interface Command extends CborSerializable {}

  /**
   * Creates the container; replies with its state. Repeating the same create replies with the
   * current state; a create with a different account, name or spec is rejected.
   *
   * @param placement the node where the container's resources are already reserved, recorded in
   *     the same journal write as the creation; null to create the container unplaced and {@link
   *     Place} it later
   */
  public record Create(
      String account,
      String name,
      ContainerSpec spec,
      PlacementRecord placement,
      ActorRef<StatusReply<State>> replyTo)
      implements Command {

    /** Creates the container without a placement. */
    public Create(
        String account, String name, ContainerSpec spec, ActorRef<StatusReply<State>> replyTo) {
      this(account, name, spec, null, replyTo);
    }
  }

  /**
   * Records the node that holds the container's reservation and why it was chosen; replies with
   * the new state. A running container cannot move.
   */
  public record Place(PlacementRecord placement, ActorRef<StatusReply<State>> replyTo)
      implements Command {}

  /**
   * Moves the container from {@code fromNode} to the placement's node, running or not, as when
   * its node is lost or drained; replies with the new state. The move is rejected unless the
   * container is on {@code fromNode}, and repeating it replies with the current state. From then
   * on reports from {@code fromNode} are rejected.
   */
  public record Move(
      PlacementRecord placement, String fromNode, ActorRef<StatusReply<State>> replyTo)
      implements Command {}

  /** Marks the container as wanted running; replies with the new state. */
  public record RequestStart(ActorRef<StatusReply<State>> replyTo) implements Command {}

  /** Marks the container as wanted stopped; replies with the new state. */
  public record RequestStop(ActorRef<StatusReply<State>> replyTo) implements Command {}

  /** A node agent's report that the main process runs; replies with the new state. */
  public record ReportStarted(String nodeId, ActorRef<StatusReply<State>> replyTo)
      implements Command {}

  /**
   * A node agent's report that the main process ended; replies with the new state. That state
   * may already request a restart, when the restart policy covers the exit.
   */
  public record ReportExited(
      String nodeId, int exitCode, boolean oomKilled, ActorRef<StatusReply<State>> replyTo)
      implements Command {}

  /**
   * A node agent's report that the container's processes are frozen; replies with the new state.
   * Rejected unless the container runs.
   */
  public record ReportPaused(String nodeId, ActorRef<StatusReply<State>> replyTo)
      implements Command {}

  /** A node agent's report that a paused container runs again; replies with the new state. */
  public record ReportUnpaused(String nodeId, ActorRef<StatusReply<State>> replyTo)
      implements Command {}

  /**
   * Records new resource limits and restart policy, and what the node now reserves for them;
   * replies with the new state. The node must have accepted the new reservation first.
   */
  public record UpdateResources(
      ContainerSpec spec, Resources reserved, ActorRef<StatusReply<State>> replyTo)
      implements Command {}

  /**
   * Changes the container's name; replies with the new state. The account must have claimed the
   * new name for this container first, because names are unique per account.
   */
  public record Rename(String newName, ActorRef<StatusReply<State>> replyTo) implements Command {}

  /**
   * Removes the container; replies with the final state. A running container is removed only
   * with {@code force}.
   */
  public record Remove(boolean force, ActorRef<StatusReply<State>> replyTo) implements Command {}

  /** Replies with the current state. */
  public record Get(ActorRef<State> replyTo) implements Command {}

  // Events

  public sealed interface Event extends CborSerializable {}

  public record ContainerCreated(String account, String name, ContainerSpec spec, Instant at)
      implements Event {}

  public record ContainerPlaced(PlacementRecord placement, Instant at) implements Event {}

  public record ContainerMoved(PlacementRecord placement, String fromNode, Instant at)
      implements Event {}

  /**
   * @param byRestartPolicy true when the restart policy asked, false when the user did
   */
  public record StartRequested(boolean byRestartPolicy, Instant at) implements Event {}

  public record ContainerStarted(String nodeId, Instant at) implements Event {}

  public record ContainerExited(String nodeId, int exitCode, boolean oomKilled, Instant at)
      implements Event {}

  public record StopRequested(Instant at) implements Event {}

  public record ContainerRemoved(Instant at) implements Event {}

  public record ContainerPaused(String nodeId, Instant at) implements Event {}

  public record ContainerUnpaused(String nodeId, Instant at) implements Event {}

  public record ContainerRenamed(String oldName, String newName, Instant at) implements Event {}

  public record ResourcesUpdated(ContainerSpec spec, Resources reserved, Instant at)
      implements Event {}

  // Sharding key and init

  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "Container");

  public static Behavior<Command> create(String containerId, EntitySettings settings) {
    return new Container(containerId, settings, ContainerObserver.NONE, () -> {});
  }

  /**
   * Creates the entity; {@code observer} receives its events once they are persisted, and {@code
   * passivate} sends its shard a request to stop it. The entity stops so after replying to any
   * command but {@link Create} while it has no events, because a container's creation can be
   * written to the journal without its entity ({@link NewContainerWrites}). The next command then
   * recovers the entity again.
   */
  public static Behavior<Command> create(
      String containerId, EntitySettings settings, ContainerObserver observer, Runnable passivate) {
    return new Container(containerId, settings, observer, passivate);
  }

  /** Returns the events of a container's creation, with its placement when it has one. */
  static List<Event> creation(
      String account, String name, ContainerSpec spec, PlacementRecord placement, Instant at) {
    ContainerCreated created = new ContainerCreated(account, name, spec, at);
    return placement == null ? List.of(created) : List.of(created, new ContainerPlaced(placement, at));
  }

  /** Returns the state of a new container after the events of its {@link #creation}. */
  static State created(String containerId, List<Event> creation) {
    State state = State.empty(containerId).create((ContainerCreated) creation.get(0));
    return creation.size() == 1 ? state : state.place((ContainerPlaced) creation.get(1));
  }

  private final String containerId;
  private final EntitySettings settings;
  private final Clock clock;
  private final ContainerObserver observer;
  private final Runnable passivate;

  private Container(
      String containerId, EntitySettings settings, ContainerObserver observer, Runnable passivate) {
    super(PersistenceId.of(TYPE_KEY.name(), containerId));
    this.containerId = containerId;
    this.settings = settings;
    this.clock = settings.clock();
    this.observer = observer;
    this.passivate = passivate;
  }

  @Override
  public State emptyState() {
    return State.empty(containerId);
  }

  /**
   * Saves no snapshots. A container has few events, so replaying all of them costs less than a
   * snapshot. A new container, the most common one to start, then recovers without reading the
   * snapshot store. Events are never deleted, so a container with snapshots from an earlier
   * version recovers the same state from its events alone.
   */
  // NOTE: a container that a restart policy restarts thousands of times replays every restart's
  // events when it recovers.
  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.disabled();
  }

  @Override
  public Recovery recovery() {
    return Recovery.withSnapshotSelectionCriteria(SnapshotSelectionCriteria.none());
  }

  // Handlers

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forState(state -> state.status() == ContainerStatus.NEW)
        .onCommand(Create.class, this::onCreate)
        .onCommand(
            Get.class,
            (state, command) -> Effect().none().thenRun(s -> passivate.run()).thenReply(command.replyTo(), s -> state))
        .onAnyCommand(this::rejectMissing);
    builder
        .forState(state -> state.status() == ContainerStatus.REMOVED)
        .onCommand(Get.class, (state, command) -> Effect().reply(command.replyTo(), state))
        .onCommand(Remove.class, (state, command) -> replyState(command.replyTo(), state))
        .onCommand(ReportExited.class, (state, command) -> replyState(command.replyTo(), state))
        .onAnyCommand(this::rejectRemoved);
    builder
        .forAnyState()
        .onCommand(Create.class, this::onRepeatedCreate)
        .onCommand(Place.class, this::onPlace)
        .onCommand(Move.class, this::onMove)
        .onCommand(RequestStart.class, this::onRequestStart)
        .onCommand(RequestStop.class, this::onRequestStop)
        .onCommand(ReportStarted.class, this::onReportStarted)
        .onCommand(ReportExited.class, this::onReportExited)
        .onCommand(ReportPaused.class, this::onReportPaused)
        .onCommand(ReportUnpaused.class, this::onReportUnpaused)
        .onCommand(Rename.class, this::onRename)
        .onCommand(UpdateResources.class, this::onUpdateResources)
        .onCommand(Remove.class, this::onRemove)
        .onCommand(Get.class, (state, command) -> Effect().reply(command.replyTo(), state));
    return builder.build();
  }

  private ReplyEffect<Event, State> onCreate(State state, Create command) {
    List<Event> events =
        creation(command.account(), command.name(), command.spec(), command.placement(), clock.instant());
    return persist(events).thenReply(command.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, State> onRepeatedCreate(State state, Create command) {
    boolean same =
        state.account().equals(command.account())
            && state.name().equals(command.name())
            && state.spec().equals(command.spec());
    if (!same) {
      return Effect()
          .reply(
              command.replyTo(),
              StatusReply.error("container " + containerId + " already exists with another spec"));
    }
    if (command.placement() == null) {
      return replyState(command.replyTo(), state);
    }
    return place(state, command.placement(), command.replyTo());
  }

  private ReplyEffect<Event, State> onPlace(State state, Place command) {
    return place(state, command.placement(), command.replyTo());
  }

  private ReplyEffect<Event, State> place(
      State state, PlacementRecord placement, ActorRef<StatusReply<State>> replyTo) {
    if (state.nodeId().equals(placement.nodeId())) {
      return replyState(replyTo, state);
    }
    if (state.isRunning()) {
      return Effect()
          .reply(
              replyTo,
              StatusReply.error(
                  "container "
                      + containerId
                      + " is running on node "
                      + state.nodeId()
                      + " and cannot move while it runs"));
    }
    return persist(new ContainerPlaced(placement, clock.instant()))
        .thenReply(replyTo, StatusReply::success);
  }

  private ReplyEffect<Event, State> onMove(State state, Move command) {
    if (state.nodeId().equals(command.placement().nodeId())) {
      return replyState(command.replyTo(), state);
    }
    if (!state.nodeId().equals(command.fromNode())) {
      return rejectStaleNode(command.replyTo(), state, command.fromNode());
    }
    return persist(new ContainerMoved(command.placement(), command.fromNode(), clock.instant()))
        .thenReply(command.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, State> onRequestStart(State state, RequestStart command) {
    if (state.nodeId().isEmpty()) {
      return Effect()
          .reply(
              command.replyTo(),
              StatusReply.error("container " + containerId + " has not been placed on a node"));
    }
    if (state.desired() == DesiredState.RUNNING) {
      return replyState(command.replyTo(), state);
    }
    return persist(new StartRequested(false, clock.instant()))
        .thenReply(command.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, State> onRequestStop(State state, RequestStop command) {
    if (state.desired() == DesiredState.STOPPED) {
      return replyState(command.replyTo(), state);
    }
    return persist(new StopRequested(clock.instant()))
        .thenReply(command.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, State> onReportStarted(State state, ReportStarted command) {
    if (!state.nodeId().equals(command.nodeId())) {
      return rejectStaleNode(command.replyTo(), state, command.nodeId());
    }
    if (state.isRunning()) {
      return replyState(command.replyTo(), state);
    }
    return persist(new ContainerStarted(command.nodeId(), clock.instant()))
        .thenReply(command.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, State> onReportExited(State state, ReportExited command) {
    if (!state.nodeId().equals(command.nodeId())) {
      return rejectStaleNode(command.replyTo(), state, command.nodeId());
    }
    if (!state.isRunning()) {
      // A repeated report of the same exit, for example after the agent restarted.
      return replyState(command.replyTo(), state);
    }
    Instant now = clock.instant();
    ContainerExited exited =
        new ContainerExited(command.nodeId(), command.exitCode(), command.oomKilled(), now);
    boolean restart =
        state.desired() == DesiredState.RUNNING
            && state.spec().restartPolicy().restartsAfter(command.exitCode(), state.restartCount());
    List<Event> events =
        restart ? List.of(exited, new StartRequested(true, now)) : List.of(exited);
    return persist(events).thenReply(command.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, State> onReportPaused(State state, ReportPaused command) {
    if (!state.nodeId().equals(command.nodeId())) {
      return rejectStaleNode(command.replyTo(), state, command.nodeId());
    }
    if (state.status() == ContainerStatus.PAUSED) {
      return replyState(command.replyTo(), state);
    }
    if (state.status() != ContainerStatus.RUNNING) {
      return Effect()
          .reply(command.replyTo(), StatusReply.error("Container " + containerId + " is not running"));
    }
    return persist(new ContainerPaused(command.nodeId(), clock.instant()))
        .thenReply(command.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, State> onReportUnpaused(State state, ReportUnpaused command) {
    if (!state.nodeId().equals(command.nodeId())) {
      return rejectStaleNode(command.replyTo(), state, command.nodeId());
    }
    if (state.status() != ContainerStatus.PAUSED) {
      return replyState(command.replyTo(), state);
    }
    return persist(new ContainerUnpaused(command.nodeId(), clock.instant()))
        .thenReply(command.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, State> onUpdateResources(State state, UpdateResources command) {
    boolean same =
        state.spec().equals(command.spec())
            && state.placement() != null
            && state.placement().reserved().equals(command.reserved());
    if (same) {
      return replyState(command.replyTo(), state);
    }
    return persist(new ResourcesUpdated(command.spec(), command.reserved(), clock.instant()))
        .thenReply(command.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, State> onRename(State state, Rename command) {
    if (state.name().equals(command.newName())) {
      return replyState(command.replyTo(), state);
    }
    return persist(new ContainerRenamed(state.name(), command.newName(), clock.instant()))
        .thenReply(command.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, State> onRemove(State state, Remove command) {
    if (state.isRunning() && !command.force()) {
      return Effect()
          .reply(
              command.replyTo(),
              StatusReply.error(
                  "cannot remove container \"/"
                      + state.name()
                      + "\": container is running: stop the container before removing or force remove"));
    }
    return persist(new ContainerRemoved(clock.instant()))
        .thenReply(command.replyTo(), StatusReply::success);
  }

  /** Persists the events, then notifies the observer, before the caller's reply. */
  private EffectBuilder<Event, State> persist(Event event) {
    return persist(List.of(event));
  }

  private EffectBuilder<Event, State> persist(List<Event> events) {
    return JournalWrites.timed("Container", Effect().persist(events))
        .thenRun(state -> observer.containerChanged(events, state));
  }

  private ReplyEffect<Event, State> replyState(ActorRef<StatusReply<State>> replyTo, State state) {
    return Effect().reply(replyTo, StatusReply.success(state));
  }

  private ReplyEffect<Event, State> rejectStaleNode(
      ActorRef<StatusReply<State>> replyTo, State state, String reportingNode) {
    return Effect()
        .reply(
            replyTo,
            StatusReply.error(
                "container "
                    + containerId
                    + " is placed on node "
                    + state.nodeId()
                    + ", not on "
                    + reportingNode));
  }

  private ReplyEffect<Event, State> rejectMissing(State state, Command command) {
    return Effect()
        .none()
        .thenRun(s -> passivate.run())
        .thenReply(stateReplyTarget(command), s -> StatusReply.error("no such container: " + containerId));
  }

  private ReplyEffect<Event, State> rejectRemoved(State state, Command command) {
    return rejectWith(command, "container " + containerId + " has been removed");
  }

  private ReplyEffect<Event, State> rejectWith(Command command, String message) {
    ActorRef<StatusReply<State>> replyTo = stateReplyTarget(command);
    return Effect().reply(replyTo, StatusReply.error(message));
  }

  private static ActorRef<StatusReply<State>> stateReplyTarget(Command command) {
    if (command instanceof Create c) return c.replyTo();
    if (command instanceof Place c) return c.replyTo();
    if (command instanceof Move c) return c.replyTo();
    if (command instanceof RequestStart c) return c.replyTo();
    if (command instanceof RequestStop c) return c.replyTo();
    if (command instanceof ReportStarted c) return c.replyTo();
    if (command instanceof ReportExited c) return c.replyTo();
    if (command instanceof Remove c) return c.replyTo();
    if (command instanceof ReportPaused c) return c.replyTo();
    if (command instanceof ReportUnpaused c) return c.replyTo();
    if (command instanceof Rename c) return c.replyTo();
    if (command instanceof UpdateResources c) return c.replyTo();
    throw new IllegalArgumentException("no reply target in " + command);
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(ContainerCreated.class, State::create)
        .onEvent(ContainerPlaced.class, State::place)
        .onEvent(ContainerMoved.class, State::move)
        .onEvent(StartRequested.class, State::requestStart)
        .onEvent(ContainerStarted.class, State::start)
        .onEvent(ContainerExited.class, State::exit)
        .onEvent(StopRequested.class, State::requestStop)
        .onEvent(ContainerRemoved.class, State::remove)
        .onEvent(ContainerPaused.class, State::pause)
        .onEvent(ContainerUnpaused.class, State::unpause)
        .onEvent(ContainerRenamed.class, State::rename)
        .onEvent(ResourcesUpdated.class, State::updateResources)
        .build();
  }
}
