package io.nereid.account;

import io.nereid.container.ContainerStatus;
import io.nereid.entity.EntitySettings;
import io.nereid.entity.SharedMap;
import io.nereid.metrics.JournalWrites;
import io.nereid.persistence.CborSerializable;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
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

/**
 * One tenant: the container names it holds, a summary of each of its containers and its quota.
 *
 * <p>Names are claimed here before a container is created, so two concurrent creates with the
 * same {@code --name} conflict exactly once. The summaries let a container listing be one ask to
 * this entity instead of a scan of the cluster. The quota is checked in the same step as the
 * name claim, so concurrent creates cannot together exceed it.
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

    /**
     * Returns a container's command as Docker lists it: the arguments after the first that contain
     * a space are in single quotes, so {@code sh -c 'exit 3'} stays readable.
     */
    public static String commandLine(List<String> command) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < command.size(); i++) {
        String part = command.get(i);
        if (i > 0) {
          line.append(' ');
        }
        line.append(i > 0 && part.contains(" ") ? "'" + part + "'" : part);
      }
      return line.toString();
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
          commandLine(state.spec().command()),
          state.exitCode(),
          state.startedAt(),
          state.finishedAt());
    }
  }

  /**
   * The maximum an account may use; a null limit means no limit.
   *
   * @param containers containers in any status but removed
   * @param memoryBytes the sum of the containers' memory requests
   * @param cpuMillis the sum of the containers' CPU limits, in thousandths of a core
   */
  public record Quota(Long containers, Long memoryBytes, Long cpuMillis)
      implements CborSerializable {

    public static final Quota UNLIMITED = new Quota(null, null, null);

    public Quota {
      for (Long limit : new Long[] {containers, memoryBytes, cpuMillis}) {
        if (limit != null && limit < 0) {
          throw new IllegalArgumentException("quota limits must not be negative");
        }
      }
    }
  }

  /**
   * The amount one container counts against its account's quota.
   *
   * @param memoryBytes its memory limit, or the pool's default memory request without one
   * @param cpuMillis its CPU limit in thousandths of a core; 0 without one
   */
  public record ResourceRequest(long memoryBytes, long cpuMillis) implements CborSerializable {

    public static final ResourceRequest NONE = new ResourceRequest(0, 0);

    ResourceRequest plus(ResourceRequest other) {
      return new ResourceRequest(memoryBytes + other.memoryBytes, cpuMillis + other.cpuMillis);
    }
  }

  /**
   * The amount an account uses against its quota.
   *
   * @param containers containers in any status but removed, counting those being created
   */
  public record Usage(long containers, long memoryBytes, long cpuMillis)
      implements CborSerializable {}

  /**
   * @param names container name to container id
   * @param containers container id to summary
   * @param requests container id to what it counts against the quota; containers created
   *     before quotas existed have no entry and count only as a container
   */
  public record State(
      Map<String, String> names,
      Map<String, ContainerSummary> containers,
      Quota quota,
      Map<String, ResourceRequest> requests)
      implements CborSerializable {

    public State {
      // Shared maps, because every create changes one entry of maps with thousands.
      names = SharedMap.copyOf(names);
      containers = SharedMap.copyOf(containers);
      // Snapshots written before quotas existed have neither field.
      quota = quota == null ? Quota.UNLIMITED : quota;
      requests = requests == null ? SharedMap.of() : SharedMap.copyOf(requests);
    }

    public State(Map<String, String> names, Map<String, ContainerSummary> containers) {
      this(names, containers, Quota.UNLIMITED, Map.of());
    }

    static final State EMPTY = new State(Map.of(), Map.of());

    /** Returns what the account's containers use, those being created included. */
    public Usage usage() {
      Set<String> ids = new HashSet<>(names.values());
      ids.addAll(containers.keySet());
      ResourceRequest sum = ResourceRequest.NONE;
      for (ResourceRequest request : requests.values()) {
        sum = sum.plus(request);
      }
      return new Usage(ids.size(), sum.memoryBytes(), sum.cpuMillis());
    }

    /**
     * Returns why one more container with {@code request} would exceed the quota, or an empty
     * string when it fits.
     */
    String quotaShortfall(ResourceRequest request) {
      if (quota.equals(Quota.UNLIMITED)) {
        // Counting the usage walks every container, which an account without limits never needs.
        return "";
      }
      Usage usage = usage();
      if (quota.containers() != null && usage.containers() + 1 > quota.containers()) {
        return usage.containers() + " of " + quota.containers() + " containers in use";
      }
      if (quota.memoryBytes() != null
          && usage.memoryBytes() + request.memoryBytes() > quota.memoryBytes()) {
        return "the container requests "
            + mebibytes(request.memoryBytes())
            + " of memory and "
            + mebibytes(usage.memoryBytes())
            + " of the "
            + mebibytes(quota.memoryBytes())
            + " memory quota are in use";
      }
      if (quota.cpuMillis() != null
          && usage.cpuMillis() + request.cpuMillis() > quota.cpuMillis()) {
        return "the container requests "
            + request.cpuMillis() / 1000.0
            + " CPUs and "
            + usage.cpuMillis() / 1000.0
            + " of the "
            + quota.cpuMillis() / 1000.0
            + " CPU quota are in use";
      }
      return "";
    }

    private static String mebibytes(long bytes) {
      return (bytes / (1024 * 1024)) + " MiB";
    }

    State claim(NameClaimed event) {
      return new State(SharedMap.with(names, event.name(), event.containerId()), containers, quota, requests);
    }

    State admit(ContainerAdmitted event) {
      return new State(
          SharedMap.with(names, event.name(), event.containerId()),
          containers,
          quota,
          SharedMap.with(requests, event.containerId(), event.request()));
    }

    State release(NameReleased event) {
      if (!event.containerId().equals(names.get(event.name()))) {
        return this;
      }
      return new State(SharedMap.without(names, event.name()), containers, quota, requests);
    }

    State record(ContainerRecorded event) {
      return new State(
          names, SharedMap.with(containers, event.summary().containerId(), event.summary()), quota, requests);
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
      Map<String, ResourceRequest> remainingRequests = new HashMap<>(requests);
      remainingRequests.remove(event.containerId());
      return new State(remainingNames, next, quota, remainingRequests);
    }

    State limit(QuotaSet event) {
      return new State(names, containers, event.quota(), requests);
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

  /**
   * Claims a name for a new container and counts its request against the quota, in one step;
   * replies with the outcome. Admitting the same name and id again replies admitted.
   */
  public record AdmitContainer(
      String name, String containerId, ResourceRequest request, ActorRef<Admission> replyTo)
      implements Command {}

  /** Replaces the account's quota; replies with the new state. */
  public record SetQuota(Quota quota, ActorRef<State> replyTo) implements Command {}

  /** Replies with the current state. */
  public record Get(ActorRef<State> replyTo) implements Command {}

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

  /**
   * Replies with the container a reference names, as Docker resolves one: its full id or its name
   * (with or without a leading slash) first, then a prefix of one id.
   */
  public record FindContainer(String reference, ActorRef<ContainerLookup> replyTo)
      implements Command {}

  /**
   * Carries out admissions and then summary records, as {@link AdmitContainer} and {@link
   * RecordContainer} would one by one, and persists their events in one journal write. Replies
   * with the admissions' outcomes in order.
   */
  public record WriteBatch(
      List<Admit> admits, List<ContainerSummary> records, ActorRef<BatchOutcome> replyTo)
      implements Command {}

  /**
   * One admission of a {@link WriteBatch}, with the fields of {@link AdmitContainer}.
   *
   * @param summary recorded as {@link RecordContainer} would, in the same write, if and only if
   *     the container is admitted; null to record nothing
   */
  public record Admit(String name, String containerId, ResourceRequest request, ContainerSummary summary)
      implements CborSerializable {

    /** Creates an admission that records no summary. */
    public Admit(String name, String containerId, ResourceRequest request) {
      this(name, containerId, request, null);
    }
  }

  // Replies

  public record NameResolution(String name, Optional<String> containerId)
      implements CborSerializable {}

  public record ContainerList(List<ContainerSummary> containers) implements CborSerializable {}

  /**
   * The result of a {@link FindContainer}.
   *
   * @param found the container, or null when the reference names none or is an ambiguous prefix
   * @param prefixMatches how many ids the reference is a prefix of, when it is neither an id nor a
   *     name
   */
  public record ContainerLookup(ContainerSummary found, int prefixMatches) implements CborSerializable {}

  /** The outcomes of a {@link WriteBatch}'s admissions, in their order. */
  public record BatchOutcome(List<Admission> admissions) implements CborSerializable {}

  /** The outcome of {@link AdmitContainer}, with a message for the user unless admitted. */
  public record Admission(Outcome outcome, String message) implements CborSerializable {

    public enum Outcome {
      ADMITTED,
      NAME_IN_USE,
      QUOTA_EXCEEDED
    }

    public static final Admission ADMITTED = new Admission(Outcome.ADMITTED, "");
  }

  // Events

  public sealed interface Event extends CborSerializable {}

  public record NameClaimed(String name, String containerId, Instant at) implements Event {}

  public record NameReleased(String name, String containerId, Instant at) implements Event {}

  public record ContainerRecorded(ContainerSummary summary, Instant at) implements Event {}

  public record ContainerForgotten(String containerId, Instant at) implements Event {}

  public record ContainerRenamed(String containerId, String oldName, String newName, Instant at)
      implements Event {}
  public record ContainerAdmitted(
      String name, String containerId, ResourceRequest request, Instant at) implements Event {}

  public record QuotaSet(Quota quota, Instant at) implements Event {}

  // Sharding key and init

  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "Account");

  public static Behavior<Command> create(String accountId, EntitySettings settings) {
    return new Account(accountId, settings);
  }

  private final EntitySettings settings;
  private final Clock clock;

  private final String accountId;

  private Account(String accountId, EntitySettings settings) {
    super(PersistenceId.of(TYPE_KEY.name(), accountId));
    this.accountId = accountId;
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
        .onCommand(AdmitContainer.class, this::onAdmitContainer)
        .onCommand(SetQuota.class, this::onSetQuota)
        .onCommand(Get.class, (state, command) -> Effect().reply(command.replyTo(), state))
        .onCommand(ReleaseName.class, this::onReleaseName)
        .onCommand(RecordContainer.class, this::onRecordContainer)
        .onCommand(ForgetContainer.class, this::onForgetContainer)
        .onCommand(RenameContainer.class, this::onRenameContainer)
        .onCommand(ResolveName.class, this::onResolveName)
        .onCommand(ListContainers.class, this::onListContainers)
        .onCommand(FindContainer.class, this::onFindContainer)
        .onCommand(WriteBatch.class, this::onWriteBatch)
        .build();
  }

  private ReplyEffect<Event, State> onClaimName(State state, ClaimName command) {
    String holder = state.names().get(command.name());
    if (command.containerId().equals(holder)) {
      return Effect().reply(command.replyTo(), StatusReply.ack());
    }
    if (holder != null) {
      return Effect().reply(command.replyTo(), StatusReply.error(nameInUse(command.name(), holder)));
    }
    return persist(new NameClaimed(command.name(), command.containerId(), clock.instant()))
        .thenReply(command.replyTo(), state2 -> StatusReply.ack());
  }

  /** Docker's message for a name conflict, which the docker CLI shows as it is. */
  private static String nameInUse(String name, String holder) {
    return "Conflict. The container name \"/"
        + name
        + "\" is already in use by container \""
        + holder
        + "\". You have to remove (or rename) that container to be able to reuse that name.";
  }

  private ReplyEffect<Event, State> onAdmitContainer(State state, AdmitContainer command) {
    Decision decision =
        decideAdmission(state, new Admit(command.name(), command.containerId(), command.request()));
    if (decision.event().isEmpty()) {
      return Effect().reply(command.replyTo(), decision.outcome());
    }
    return persist(decision.event().get()).thenReply(command.replyTo(), next -> decision.outcome());
  }

  /** The event one write persists, if any, and the outcome its caller gets. */
  private record Decision(Optional<Event> event, Admission outcome) {}

  private Decision decideAdmission(State state, Admit admit) {
    String holder = state.names().get(admit.name());
    if (admit.containerId().equals(holder)) {
      return new Decision(Optional.empty(), Admission.ADMITTED);
    }
    if (holder != null) {
      return new Decision(
          Optional.empty(),
          new Admission(Admission.Outcome.NAME_IN_USE, nameInUse(admit.name(), holder)));
    }
    String shortfall = state.quotaShortfall(admit.request());
    if (!shortfall.isEmpty()) {
      return new Decision(
          Optional.empty(),
          new Admission(
              Admission.Outcome.QUOTA_EXCEEDED,
              "quota exceeded for account "
                  + accountId
                  + ": "
                  + shortfall
                  + "; remove a container or ask an operator to raise the quota"));
    }
    ContainerAdmitted admitted =
        new ContainerAdmitted(admit.name(), admit.containerId(), admit.request(), clock.instant());
    return new Decision(Optional.of(admitted), Admission.ADMITTED);
  }

  private ReplyEffect<Event, State> onWriteBatch(State state, WriteBatch command) {
    EventHandler<State, Event> apply = eventHandler();
    State current = state;
    List<Event> events = new ArrayList<>();
    List<Admission> outcomes = new ArrayList<>();
    List<ContainerSummary> records = new ArrayList<>();
    for (Admit admit : command.admits()) {
      Decision decision = decideAdmission(current, admit);
      if (decision.event().isPresent()) {
        events.add(decision.event().get());
        current = apply.apply(current, decision.event().get());
      }
      outcomes.add(decision.outcome());
      if (admit.summary() != null && decision.outcome().outcome() == Admission.Outcome.ADMITTED) {
        records.add(admit.summary());
      }
    }
    records.addAll(command.records());
    for (ContainerSummary summary : records) {
      Optional<Event> recorded = recordEvent(current, summary);
      if (recorded.isPresent()) {
        events.add(recorded.get());
        current = apply.apply(current, recorded.get());
      }
    }
    BatchOutcome outcome = new BatchOutcome(outcomes);
    if (events.isEmpty()) {
      return Effect().reply(command.replyTo(), outcome);
    }
    return JournalWrites.timed("Account", Effect().persist(events))
        .thenReply(command.replyTo(), next -> outcome);
  }

  private ReplyEffect<Event, State> onSetQuota(State state, SetQuota command) {
    if (state.quota().equals(command.quota())) {
      return Effect().reply(command.replyTo(), state);
    }
    return persist(new QuotaSet(command.quota(), clock.instant()))
        .thenReply(command.replyTo(), next -> next);
  }

  private ReplyEffect<Event, State> onRenameContainer(State state, RenameContainer command) {
    String holder = state.names().get(command.newName());
    if (command.containerId().equals(holder)) {
      return Effect().reply(command.replyTo(), StatusReply.ack());
    }
    if (holder != null) {
      return Effect().reply(command.replyTo(), StatusReply.error(nameInUse(command.newName(), holder)));
    }
    return persist(
            new ContainerRenamed(
                command.containerId(), command.oldName(), command.newName(), clock.instant()))
        .thenReply(command.replyTo(), state2 -> StatusReply.ack());
  }

  private EffectBuilder<Event, State> persist(Event event) {
    return JournalWrites.timed("Account", Effect().persist(event));
  }

  private ReplyEffect<Event, State> onReleaseName(State state, ReleaseName command) {
    if (!command.containerId().equals(state.names().get(command.name()))) {
      return Effect().reply(command.replyTo(), StatusReply.ack());
    }
    return persist(new NameReleased(command.name(), command.containerId(), clock.instant()))
        .thenReply(command.replyTo(), state2 -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onRecordContainer(State state, RecordContainer command) {
    Optional<Event> event = recordEvent(state, command.summary());
    if (event.isEmpty()) {
      return Effect().reply(command.replyTo(), StatusReply.ack());
    }
    return persist(event.get()).thenReply(command.replyTo(), state2 -> StatusReply.ack());
  }

  /** Returns the event that records a summary, or none when there is nothing to record. */
  private Optional<Event> recordEvent(State state, ContainerSummary summary) {
    if (summary.equals(state.containers().get(summary.containerId()))) {
      return Optional.empty();
    }
    // Only a container that owns its name is listed. A record sent before the container was
    // forgotten, such as the summary a start read just before a `docker run --rm` container
    // removed itself, can arrive after ForgetContainer and must not list the container again.
    if (!summary.containerId().equals(state.names().get(summary.name()))) {
      return Optional.empty();
    }
    // Only ForgetContainer takes a removed container out of the listing. The exit report of a
    // force-removed container can arrive after that, and recording it would list the container again.
    if (summary.status().equals(ContainerStatus.REMOVED.lowerCase())) {
      return Optional.empty();
    }
    return Optional.of(new ContainerRecorded(summary, clock.instant()));
  }

  private ReplyEffect<Event, State> onForgetContainer(State state, ForgetContainer command) {
    boolean known =
        state.containers().containsKey(command.containerId())
            || state.names().containsValue(command.containerId());
    if (!known) {
      return Effect().reply(command.replyTo(), StatusReply.ack());
    }
    return persist(new ContainerForgotten(command.containerId(), clock.instant()))
        .thenReply(command.replyTo(), state2 -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onResolveName(State state, ResolveName command) {
    Optional<String> id = Optional.ofNullable(state.names().get(command.name()));
    return Effect().reply(command.replyTo(), new NameResolution(command.name(), id));
  }

  /** Looks an id or a name up in the maps, and scans the ids for a prefix only when neither matches. */
  private ReplyEffect<Event, State> onFindContainer(State state, FindContainer command) {
    String reference = command.reference();
    String name = reference.startsWith("/") ? reference.substring(1) : reference;
    ContainerSummary exact = state.containers().get(reference);
    if (exact == null && state.names().containsKey(name)) {
      exact = state.containers().get(state.names().get(name));
    }
    if (exact != null) {
      return Effect().reply(command.replyTo(), new ContainerLookup(exact, 0));
    }
    ContainerSummary match = null;
    int matches = 0;
    for (ContainerSummary summary : state.containers().values()) {
      if (summary.name().equals(name)) {
        return Effect().reply(command.replyTo(), new ContainerLookup(summary, 0));
      }
      if (!reference.isEmpty() && summary.containerId().startsWith(reference)) {
        match = summary;
        matches++;
      }
    }
    return Effect().reply(command.replyTo(), new ContainerLookup(matches == 1 ? match : null, matches));
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
        .onEvent(ContainerAdmitted.class, State::admit)
        .onEvent(QuotaSet.class, State::limit)
        .build();
  }
}
