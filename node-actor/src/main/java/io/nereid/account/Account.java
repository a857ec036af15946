package io.nereid.account;

import io.nereid.container.ContainerStatus;
import io.nereid.entity.EntitySettings;
import io.nereid.persistence.CborSerializable;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One tenant: the container names it holds and a summary of each of its containers.
 *
 * <p>Names are claimed here before a container is created, so two concurrent creates with the
 * same {@code --name} conflict exactly once. The summaries let a container listing be one ask to
 * this entity instead of a scan of the cluster.
 */
public final class Account
    extends EventSourcedBehaviorWithEnforcedReplies<Account.Command, Account.Event, Account.State> {

  // State

  /**
   * One line of a container listing. The fields after {@code createdAt} came later: summaries
   * journaled before them read back with an empty command, exit code 0 and the epoch as times.
   *
   * @param status the container's status in lower case, as the Container entity names it
   * @param command the entrypoint and command joined with spaces, as {@code docker ps} shows it
   * @param exitCode the last exit code; meaningful once the container has exited
   * @param startedAt the last start; the epoch when it never ran
   * @param finishedAt the last exit; the epoch when it never exited
   */
  public record ContainerSummary(
      String containerId,
      String name,
      String image,
      String status,
      String nodeId,
      Map<String, String> labels,
      Instant createdAt,
      String command,
      int exitCode,
      Instant startedAt,
      Instant finishedAt)
      implements CborSerializable {

    public ContainerSummary {
      labels = labels == null ? Map.of() : Map.copyOf(labels);
      command = command == null ? "" : command;
      startedAt = startedAt == null ? Instant.EPOCH : startedAt;
      finishedAt = finishedAt == null ? Instant.EPOCH : finishedAt;
    }

    ContainerSummary withName(String newName) {
      return new ContainerSummary(
          containerId, newName, image, status, nodeId, labels, createdAt, command, exitCode,
          startedAt, finishedAt);
    }

    /** Summarises a container's current state. */
    public static ContainerSummary of(io.nereid.container.Container.State state) {
      return new ContainerSummary(
          state.containerId(),
          state.name(),
          state.spec().image(),
          state.status().lowerCase(),
          state.nodeId(),
          state.spec().labels(),
          state.createdAt(),
          String.join(" ", state.spec().command()),
          state.exitCode(),
          state.startedAt(),
          state.finishedAt());
    }
  }

  /**
   * @param names container name to container id
   * @param containers container id to summary
   */
  public record State(Map<String, String> names, Map<String, ContainerSummary> containers)
      implements CborSerializable {

    public State {
      names = Map.copyOf(names);
      containers = Map.copyOf(containers);
    }

    static final State EMPTY = new State(Map.of(), Map.of());

    State claim(NameClaimed event) {
      Map<String, String> next = new HashMap<>(names);
      next.put(event.name(), event.containerId());
      return new State(next, containers);
    }

    State release(NameReleased event) {
      Map<String, String> next = new HashMap<>(names);
      next.remove(event.name(), event.containerId());
      return new State(next, containers);
    }

    State record(ContainerRecorded event) {
      Map<String, ContainerSummary> next = new HashMap<>(containers);
      next.put(event.summary().containerId(), event.summary());
      return new State(names, next);
    }

    State rename(ContainerRenamed event) {
      Map<String, String> nextNames = new HashMap<>(names);
      nextNames.remove(event.oldName(), event.containerId());
      nextNames.put(event.newName(), event.containerId());
      Map<String, ContainerSummary> next = new HashMap<>(containers);
      ContainerSummary summary = containers.get(event.containerId());
      if (summary != null) {
        next.put(event.containerId(), summary.withName(event.newName()));
      }
      return new State(nextNames, next);
    }

    State forget(ContainerForgotten event) {
      Map<String, ContainerSummary> next = new HashMap<>(containers);
      next.remove(event.containerId());
      Map<String, String> remainingNames = new HashMap<>(names);
      remainingNames.values().removeIf(id -> id.equals(event.containerId()));
      return new State(remainingNames, next);
    }
  }

  // Commands

  public sealed interface Command extends CborSerializable {}

  /**
   * Reserves a container name for a container id; replies Done, or an error naming the
   * container that already holds it. Claiming a name again for the same id replies Done.
   */
  public record ClaimName(String name, String containerId, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** Frees a name if the given container holds it; replies Done either way. */
  public record ReleaseName(String name, String containerId, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /**
   * Moves a container from one name to another in one step; replies Done, or the same conflict
   * error as {@link ClaimName} when another container holds the new name.
   */
  public record RenameContainer(
      String containerId, String oldName, String newName, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** Adds or replaces a container's summary; replies Done. */
  public record RecordContainer(ContainerSummary summary, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** Drops a container's summary and frees its name; replies Done. */
  public record ForgetContainer(String containerId, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** Replies with the id of the container holding a name, if any. */
  public record ResolveName(String name, ActorRef<NameResolution> replyTo) implements Command {}

  /** Replies with every container summary, oldest first. */
  public record ListContainers(ActorRef<ContainerList> replyTo) implements Command {}

  // Replies

  public record NameResolution(String name, Optional<String> containerId)
      implements CborSerializable {}

  public record ContainerList(List<ContainerSummary> containers) implements CborSerializable {}

  // Events

  public sealed interface Event extends CborSerializable {}

  public record NameClaimed(String name, String containerId, Instant at) implements Event {}

  public record NameReleased(String name, String containerId, Instant at) implements Event {}

  public record ContainerRecorded(ContainerSummary summary, Instant at) implements Event {}

  public record ContainerForgotten(String containerId, Instant at) implements Event {}

  public record ContainerRenamed(String containerId, String oldName, String newName, Instant at)
      implements Event {}

  // Sharding key and init

  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "Account");

  public static Behavior<Command> create(String accountId, EntitySettings settings) {
    return new Account(accountId, settings);
  }

  private final EntitySettings settings;
  private final Clock clock;

  private Account(String accountId, EntitySettings settings) {
    super(PersistenceId.of(TYPE_KEY.name(), accountId));
    this.settings = settings;
    this.clock = settings.clock();
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), settings.snapshotsKept());
  }

  // Handlers

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(ClaimName.class, this::onClaimName)
        .onCommand(ReleaseName.class, this::onReleaseName)
        .onCommand(RecordContainer.class, this::onRecordContainer)
        .onCommand(ForgetContainer.class, this::onForgetContainer)
        .onCommand(RenameContainer.class, this::onRenameContainer)
        .onCommand(ResolveName.class, this::onResolveName)
        .onCommand(ListContainers.class, this::onListContainers)
        .build();
  }

  private ReplyEffect<Event, State> onClaimName(State state, ClaimName command) {
    String holder = state.names().get(command.name());
    if (command.containerId().equals(holder)) {
      return Effect().reply(command.replyTo(), StatusReply.ack());
    }
    if (holder != null) {
      return Effect().reply(command.replyTo(), nameInUse(command.name(), holder));
    }
    return Effect()
        .persist(new NameClaimed(command.name(), command.containerId(), clock.instant()))
        .thenReply(command.replyTo(), state2 -> StatusReply.ack());
  }

  private static StatusReply<Done> nameInUse(String name, String holder) {
    return StatusReply.error(
        "Conflict. The container name \"/"
            + name
            + "\" is already in use by container \""
            + holder
            + "\". You have to remove (or rename) that container to be able to reuse that name.");
  }

  private ReplyEffect<Event, State> onRenameContainer(State state, RenameContainer command) {
    String holder = state.names().get(command.newName());
    if (command.containerId().equals(holder)) {
      return Effect().reply(command.replyTo(), StatusReply.ack());
    }
    if (holder != null) {
      return Effect().reply(command.replyTo(), nameInUse(command.newName(), holder));
    }
    return Effect()
        .persist(
            new ContainerRenamed(
                command.containerId(), command.oldName(), command.newName(), clock.instant()))
        .thenReply(command.replyTo(), state2 -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onReleaseName(State state, ReleaseName command) {
    if (!command.containerId().equals(state.names().get(command.name()))) {
      return Effect().reply(command.replyTo(), StatusReply.ack());
    }
    return Effect()
        .persist(new NameReleased(command.name(), command.containerId(), clock.instant()))
        .thenReply(command.replyTo(), state2 -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onRecordContainer(State state, RecordContainer command) {
    ContainerSummary summary = command.summary();
    if (summary.equals(state.containers().get(summary.containerId()))) {
      return Effect().reply(command.replyTo(), StatusReply.ack());
    }
    // Only ForgetContainer takes a removed container out of the listing. The exit report of a
    // force-removed container can arrive after that, and recording it would list the container again.
    if (summary.status().equals(ContainerStatus.REMOVED.lowerCase())) {
      return Effect().reply(command.replyTo(), StatusReply.ack());
    }
    return Effect()
        .persist(new ContainerRecorded(summary, clock.instant()))
        .thenReply(command.replyTo(), state2 -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onForgetContainer(State state, ForgetContainer command) {
    boolean known =
        state.containers().containsKey(command.containerId())
            || state.names().containsValue(command.containerId());
    if (!known) {
      return Effect().reply(command.replyTo(), StatusReply.ack());
    }
    return Effect()
        .persist(new ContainerForgotten(command.containerId(), clock.instant()))
        .thenReply(command.replyTo(), state2 -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onResolveName(State state, ResolveName command) {
    Optional<String> id = Optional.ofNullable(state.names().get(command.name()));
    return Effect().reply(command.replyTo(), new NameResolution(command.name(), id));
  }

  private ReplyEffect<Event, State> onListContainers(State state, ListContainers command) {
    List<ContainerSummary> list = new ArrayList<>(state.containers().values());
    list.sort(
        Comparator.comparing(ContainerSummary::createdAt)
            .thenComparing(ContainerSummary::containerId));
    return Effect().reply(command.replyTo(), new ContainerList(list));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(NameClaimed.class, State::claim)
        .onEvent(NameReleased.class, State::release)
        .onEvent(ContainerRecorded.class, State::record)
        .onEvent(ContainerForgotten.class, State::forget)
        .onEvent(ContainerRenamed.class, State::rename)
        .build();
  }
}
