package io.nereid.docker;

import io.nereid.account.Account;
import io.nereid.account.AccountWrites;
import io.nereid.agent.NodeAgent;
import io.nereid.container.Container;
import io.nereid.container.ContainerObserver;
import io.nereid.container.ContainerSpec;
import io.nereid.container.ContainerStatus;
import io.nereid.container.NewContainerWrites;
import io.nereid.container.PlacementRecord;
import io.nereid.image.Image;
import io.nereid.image.ImageStore;
import io.nereid.metrics.NereidMetrics;
import io.nereid.node.ComputeNode;
import io.nereid.node.Reservation;
import io.nereid.node.Resources;
import io.nereid.runtime.ProcessTable;
import io.nereid.runtime.ResourceUsage;
import io.nereid.scheduler.ContainerPlacement;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The container operations of the Docker API, carried out on the entities: the account claims
 * names and lists containers, the container keeps its life, the scheduler places it.
 *
 * <p>A create that fails after the name was claimed releases the name and removes what it
 * created, so a failed request leaves no half-created container behind.
 */
public final class ContainerService {

  private static final Logger log = LoggerFactory.getLogger(ContainerService.class);
  /** How long an inspect waits for the node's process ID before it reports 0. */
  private static final Duration NODE_QUERY_TIMEOUT = Duration.ofSeconds(2);
  /** How long a SIGKILL waits for the node's exit report, and how often it looks. */
  private static final Duration KILL_WAIT = Duration.ofSeconds(5);
  private static final Duration KILL_POLL = Duration.ofMillis(50);
  /**
   * The age after which a listed container without events counts as an abandoned create. Each
   * step of a create waits at most the ask timeout, which is seconds.
   */
  // NOTE: a create message that reached its container entity more than this late would create a
  // container whose listing and reservation were already dropped. No path is known to delay one
  // that long.
  private static final Duration ABANDONED_CREATE_AGE = Duration.ofMinutes(5);
  /** Docker's rule for container names, with the optional leading slash. */
  static final Pattern NAME = Pattern.compile("/?[a-zA-Z0-9][a-zA-Z0-9_.-]+");
  /** How many generated names a create without a name tries before it fails with 409. */
  static final int GENERATED_NAME_ATTEMPTS = 6;
  /** Characters of a container id in its short form, as {@code docker ps} shows it. */
  private static final int SHORT_ID_LENGTH = 12;

  private final ClusterSharding sharding;
  private final ContainerPlacement placement;
  private final Duration askTimeout;
  private final ActorSystem<?> system;
  private final ImageStore images;
  private final DockerEvents events;
  private final SecureRandom random = new SecureRandom();
  private final ContainerNames names = new ContainerNames(random);
  private final Set<String> resumingRemovals = ConcurrentHashMap.newKeySet();
  private final long defaultMemoryRequest;
  private final NereidMetrics metrics;
  private final AccountWrites accountWrites;
  private final NewContainerWrites newContainers;

  /**
   * Creates the service with no default memory request, so a container without a memory limit
   * counts no memory against its account's quota.
   */
  public ContainerService(
      ActorSystem<?> system,
      ClusterSharding sharding,
      ContainerPlacement placement,
      Duration askTimeout,
      ImageStore images,
      DockerEvents events) {
    this(system, sharding, placement, askTimeout, images, events, 0, new NereidMetrics());
  }

  /**
   * @param images the image store a create checks the image against, as the Docker daemon does;
   *     null skips the check
   * @param events where the actions that no entity persists, such as kill, are published
   * @param defaultMemoryRequest bytes a container without a memory limit counts against its
   *     account's memory quota, the scheduler's default memory request
   * @param metrics where failed node agent operations are counted
   */
  public ContainerService(
      ActorSystem<?> system,
      ClusterSharding sharding,
      ContainerPlacement placement,
      Duration askTimeout,
      ImageStore images,
      DockerEvents events,
      long defaultMemoryRequest,
      NereidMetrics metrics) {
    this.defaultMemoryRequest = defaultMemoryRequest;
    this.metrics = metrics;
    this.system = system;
    this.events = events;
    this.images = images;
    this.sharding = sharding;
    this.placement = placement;
    this.askTimeout = askTimeout;
    this.accountWrites = new AccountWrites(sharding, askTimeout);
    this.newContainers =
        NewContainerWrites.start(
            system, askTimeout, events == null ? ContainerObserver.NONE : events.containerObserver(), Clock.systemUTC());
  }

  /**
   * Starts a container on its node; completes with false when it was running already, for
   * which Docker returns 304.
   */
  public CompletionStage<Boolean> start(String account, String reference) {
    return find(account, reference)
        .thenCompose(
            state -> {
              if (state.status() == ContainerStatus.PAUSED) {
                return CompletableFuture.failedFuture(
                    DockerApiException.conflict("cannot start a paused container, try unpause instead"));
              }
              if (state.status() == ContainerStatus.RUNNING) {
                return CompletableFuture.completedFuture(false);
              }
              String id = state.containerId();
              return containerAsk(id, Container.RequestStart::new)
                  .exceptionallyCompose(error -> CompletableFuture.failedFuture(conflictOrFailure(error)))
                  .thenCompose(
                      wanted ->
                          agentAsk(
                              wanted.nodeId(),
                              replyTo -> new NodeAgent.Start(id, wanted.spec(), replyTo)))
                  .thenCompose(started -> refreshSummary(account, id))
                  .thenApply(done -> true);
            });
  }

  /**
   * Stops a container with its stop signal, then SIGKILL after {@code timeoutSeconds} (the
   * container's own stop timeout, or 10, when null); completes with false when it was not
   * running, for which Docker returns 304.
   */
  public CompletionStage<Boolean> stop(String account, String reference, Integer timeoutSeconds) {
    return find(account, reference)
        .thenCompose(
            state -> {
              if (!state.isRunning()) {
                return CompletableFuture.completedFuture(false);
              }
              String id = state.containerId();
              int timeout = 10;
              if (timeoutSeconds != null) {
                timeout = timeoutSeconds;
              } else if (state.spec().stopTimeoutSeconds() != null) {
                timeout = state.spec().stopTimeoutSeconds();
              }
              int stopTimeout = timeout;
              events.publishContainerAction(state, "kill", Map.of("signal", signalNumber(state.spec().stopSignal())));
              return containerAsk(id, Container.RequestStop::new)
                  .thenCompose(
                      wanted ->
                          agentAsk(
                              wanted.nodeId(),
                              replyTo ->
                                  new NodeAgent.Stop(id, wanted.spec().stopSignal(), stopTimeout, replyTo)))
                  .thenCompose(stopped -> refreshSummary(account, id))
                  .thenApply(
                      done -> {
                        events.publishContainerAction(state, "stop", Map.of());
                        return true;
                      });
            });
  }

  /**
   * Sends a signal to a running container. SIGKILL, the default, counts as a user stop, so the
   * restart policy does not bring the container back.
   */
  public CompletionStage<Done> kill(String account, String reference, String signal) {
    return find(account, reference)
        .thenCompose(
            state -> {
              if (!state.isRunning()) {
                return CompletableFuture.failedFuture(
                    DockerApiException.conflict(
                        "Container " + state.containerId() + " is not running"));
              }
              String id = state.containerId();
              boolean stops = signal.equals("KILL") || signal.equals("SIGKILL") || signal.equals("9");
              CompletionStage<Container.State> wanted =
                  stops
                      ? containerAsk(id, Container.RequestStop::new)
                      : CompletableFuture.completedFuture(state);
              return wanted
                  .thenCompose(
                      current -> agentAsk(current.nodeId(), replyTo -> new NodeAgent.Kill(id, signal, replyTo)))
                  .thenApply(
                      done -> {
                        events.publishContainerAction(state, "kill", Map.of("signal", signalNumber(signal)));
                        return done;
                      })
                  .thenCompose(
                      done -> stops ? awaitNotRunning(id, System.nanoTime() + KILL_WAIT.toNanos()) : completed());
            });
  }

  /**
   * Completes once the node reported the container's exit, because Docker responds to a SIGKILL
   * only after the process is gone. Completes at {@code deadline} (System.nanoTime) otherwise.
   */
  private CompletionStage<Done> awaitNotRunning(String id, long deadline) {
    return sharding
        .entityRefFor(Container.TYPE_KEY, id)
        .ask(Container.Get::new, askTimeout)
        .thenCompose(
            state -> {
              if (!state.isRunning() || System.nanoTime() > deadline) {
                return completed();
              }
              return Patterns.after(
                  KILL_POLL,
                  system.classicSystem().scheduler(),
                  system.executionContext(),
                  () -> awaitNotRunning(id, deadline));
            });
  }

  private static CompletionStage<Done> completed() {
    return CompletableFuture.completedFuture(Done.getInstance());
  }

  /** Freezes a running container's processes. */
  public CompletionStage<Done> pause(String account, String reference) {
    return find(account, reference)
        .thenCompose(
            state -> {
              String id = state.containerId();
              if (state.status() == ContainerStatus.PAUSED) {
                return CompletableFuture.failedFuture(
                    DockerApiException.conflict("Container " + id + " is already paused"));
              }
              if (!state.isRunning()) {
                return CompletableFuture.failedFuture(
                    DockerApiException.conflict("container " + id + " is not running"));
              }
              return agentAsk(state.nodeId(), replyTo -> new NodeAgent.Pause(id, replyTo));
            });
  }

  /** Thaws a paused container. */
  public CompletionStage<Done> unpause(String account, String reference) {
    return find(account, reference)
        .thenCompose(
            state -> {
              String id = state.containerId();
              if (state.status() != ContainerStatus.PAUSED) {
                return CompletableFuture.failedFuture(
                    DockerApiException.conflict("Container " + id + " is not paused"));
              }
              return agentAsk(state.nodeId(), replyTo -> new NodeAgent.Unpause(id, replyTo));
            });
  }

  /**
   * Gives a container a new name. The account moves the name first, so a conflict is exact and
   * leaves both names as they were.
   */
  public CompletionStage<Done> rename(String account, String reference, String requestedName) {
    if (requestedName.isEmpty()) {
      return CompletableFuture.failedFuture(
          DockerApiException.badRequest("Neither old nor new names may be empty"));
    }
    String newName;
    try {
      newName = validName(requestedName);
    } catch (DockerApiException e) {
      return CompletableFuture.failedFuture(e);
    }
    return find(account, reference)
        .thenCompose(
            state -> {
              String id = state.containerId();
              if (state.name().equals(newName)) {
                return CompletableFuture.failedFuture(
                    DockerApiException.badRequest(
                        "Renaming a container with the same name as its current name"));
              }
              return accountAsk(
                      account, replyTo -> new Account.RenameContainer(id, state.name(), newName, replyTo))
                  .exceptionallyCompose(error -> CompletableFuture.failedFuture(conflictOrFailure(error)))
                  .thenCompose(moved -> containerAsk(id, replyTo -> new Container.Rename(newName, replyTo)))
                  .thenCompose(renamed -> record(account, renamed))
                  .thenApply(
                      done -> {
                        log.info(
                            "container renamed account={} container_id={} old_name={} new_name={}",
                            account,
                            id,
                            state.name(),
                            newName);
                        return done;
                      });
            });
  }

  /**
   * Changes a container's limits and restart policy. Its node reserves the new amounts first and
   * rejects them when they do not fit, which changes nothing; then the container records them
   * and, when it runs, its node applies them to the cgroup.
   */
  public CompletionStage<Done> update(String account, String reference, UpdateRequest request) {
    return find(account, reference)
        .thenCompose(
            state -> {
              String id = state.containerId();
              if (state.nodeId().isEmpty() || state.placement() == null) {
                return CompletableFuture.failedFuture(
                    DockerApiException.conflict("Cannot update container " + id + ": it is not placed on a node"));
              }
              ContainerSpec spec = request.applyTo(state.spec());
              Resources before = state.placement().reserved();
              // Without a memory limit the reservation keeps the default request it was placed with.
              long memory = spec.memoryBytes() > 0 ? spec.memoryBytes() : before.memoryBytes();
              Resources reserved =
                  new Resources(ContainerPlacement.cpuMillis(spec), memory, before.diskBytes());
              Reservation reservation = new Reservation(reserved, state.name(), spec.image(), spec.labels());
              return sharding
                  .entityRefFor(ComputeNode.TYPE_KEY, state.nodeId())
                  .<Done>askWithStatus(replyTo -> new ComputeNode.Reserve(id, reservation, replyTo), askTimeout)
                  .exceptionallyCompose(
                      error ->
                          CompletableFuture.failedFuture(
                              DockerApiException.conflict(
                                  "Cannot update container " + id + ": " + unwrap(error).getMessage())))
                  .thenCompose(reservedOnNode -> containerAsk(id, replyTo -> new Container.UpdateResources(spec, reserved, replyTo)))
                  .thenCompose(
                      updated -> {
                        if (!updated.isRunning()) {
                          return CompletableFuture.completedFuture(Done.getInstance());
                        }
                        return agentAsk(
                            updated.nodeId(),
                            replyTo ->
                                new NodeAgent.UpdateLimits(
                                    id, spec.memoryBytes(), spec.nanoCpus(), spec.cpuShares(), replyTo));
                      })
                  .thenApply(
                      done -> {
                        log.info(
                            "container updated account={} container_id={} node_id={} reserved={}",
                            account,
                            id,
                            state.nodeId(),
                            reserved);
                        events.publishContainerAction(state, "update", Map.of());
                        return done;
                      });
            });
  }

  /** Stops a container if it runs, then starts it. */
  public CompletionStage<Done> restart(String account, String reference, Integer timeoutSeconds) {
    return stop(account, reference, timeoutSeconds)
        .thenCompose(stopped -> start(account, reference))
        .thenCompose(started -> find(account, reference))
        .thenApply(
            state -> {
              // Docker reports the restart once its stop and start have finished.
              if (events != null) {
                events.publishContainerAction(state, "restart", Map.of());
              }
              return Done.getInstance();
            });
  }

  /** Returns a container's log lines, oldest first, read from its node. */
  public CompletionStage<NodeAgent.LogLines> logs(String account, String reference) {
    return find(account, reference)
        .thenCompose(
            state ->
                neverStarted(state)
                    ? CompletableFuture.completedFuture(new NodeAgent.LogLines(List.of()))
                    : agentQuery(
                        state.nodeId(),
                        replyTo -> new NodeAgent.Logs(state.containerId(), replyTo),
                        askTimeout));
  }

  /** Returns true for a container that has no log yet because it never ran on any node. */
  static boolean neverStarted(Container.State state) {
    return state.nodeId().isEmpty() || state.startedAt().equals(Instant.EPOCH);
  }

  /**
   * A container's state and the ID of its main process on the node.
   *
   * @param pid 0 when the container does not run, or when its node did not reply in time
   */
  public record Inspection(Container.State state, long pid) {}

  /** Finds a container and, when it runs, requests the main process's ID from its node. */
  public CompletionStage<Inspection> inspect(String account, String reference) {
    return find(account, reference)
        .thenCompose(
            state -> {
              if (!state.isRunning()) {
                return CompletableFuture.completedFuture(new Inspection(state, 0));
              }
              return this.<NodeAgent.RuntimeView>agentQuery(
                      state.nodeId(),
                      replyTo -> new NodeAgent.Describe(state.containerId(), replyTo),
                      NODE_QUERY_TIMEOUT)
                  .thenApply(view -> new Inspection(state, view.pid()))
                  .exceptionally(
                      error -> {
                        log.debug(
                            "node did not describe container container_id={} node_id={} error={}",
                            state.containerId(),
                            state.nodeId(),
                            unwrap(error).getMessage());
                        return new Inspection(state, 0);
                      });
            });
  }

  /** Returns one sample of a running container's resource use, read on its node. */
  public CompletionStage<ResourceUsage> stats(Container.State state) {
    return this.<ResourceUsage>agentQuery(
        state.nodeId(), replyTo -> new NodeAgent.Stats(state.containerId(), replyTo), askTimeout);
  }

  /** Finds a running container; fails with Docker's 409 when it does not run. */
  public CompletionStage<Container.State> findRunning(String account, String reference) {
    return find(account, reference)
        .thenCompose(
            state ->
                state.isRunning()
                    ? CompletableFuture.completedFuture(state)
                    : CompletableFuture.failedFuture(
                        DockerApiException.conflict("container " + state.containerId() + " is not running")));
  }

  /** Lists a running container's processes as {@code ps} with {@code psArgs} prints them on its node. */
  public CompletionStage<ProcessTable> top(String account, String reference, List<String> psArgs) {
    return findRunning(account, reference)
        .thenCompose(
            state ->
                this.<ProcessTable>agentQuery(
                    state.nodeId(),
                    replyTo -> new NodeAgent.Top(state.containerId(), psArgs, replyTo),
                    askTimeout));
  }

  /** Returns the ID of the image a reference names in this member's image store. */
  public Optional<String> imageId(String reference) {
    return images == null ? Optional.empty() : images.find(reference).map(image -> image.id().toString());
  }

  /** Returns the size of the image a reference names in this member's image store. */
  public Optional<Long> imageSize(String reference) {
    return images == null ? Optional.empty() : images.find(reference).map(Image::size);
  }

  /** Asks a node's agent and returns its reply, or a 500 carrying the agent's error. */
  <T> CompletionStage<T> agentQuery(
      String nodeId, Function<ActorRef<StatusReply<T>>, NodeAgent.Command> command, Duration timeout) {
    String[] operation = {""};
    return agent(nodeId)
        .thenCompose(
            agent ->
                AskPattern.<NodeAgent.Command, StatusReply<T>>ask(
                        agent,
                        replyTo -> {
                          NodeAgent.Command built = command.apply(replyTo);
                          operation[0] = built.getClass().getSimpleName().toLowerCase();
                          return built;
                        },
                        timeout,
                        system.scheduler())
                    .thenCompose(
                        reply -> {
                          if (reply.isSuccess()) {
                            return CompletableFuture.completedFuture(reply.getValue());
                          }
                          metrics.runtimeFailures.inc(operation[0]);
                          return CompletableFuture.<T>failedFuture(
                              DockerApiException.serverError(reply.getError().getMessage()));
                        }));
  }

  /**
   * Returns a signal as the daemon's kill event names it, by number: {@code SIGTERM} and {@code
   * TERM} become 15. A name this table lacks is returned as given.
   */
  static String signalNumber(String signal) {
    String name = signal.toUpperCase().startsWith("SIG") ? signal.substring(3).toUpperCase() : signal.toUpperCase();
    return switch (name) {
      case "HUP" -> "1";
      case "INT" -> "2";
      case "QUIT" -> "3";
      case "KILL" -> "9";
      case "USR1" -> "10";
      case "USR2" -> "12";
      case "TERM" -> "15";
      case "CONT" -> "18";
      case "STOP" -> "19";
      default -> signal;
    };
  }

  private CompletionStage<Done> refreshSummary(String account, String containerId) {
    return sharding
        .entityRefFor(Container.TYPE_KEY, containerId)
        .ask(Container.Get::new, askTimeout)
        .thenCompose(state -> record(account, state));
  }

  ActorSystem<?> system() {
    return system;
  }

  ClusterSharding sharding() {
    return sharding;
  }

  Duration askTimeout() {
    return askTimeout;
  }

  DockerEvents events() {
    return events;
  }

  /** Finds the agent of a node through the receptionist. */
  CompletionStage<ActorRef<NodeAgent.Command>> agent(String nodeId) {
    ServiceKey<NodeAgent.Command> key = NodeAgent.serviceKey(nodeId);
    return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
            system.receptionist(), replyTo -> Receptionist.find(key, replyTo), askTimeout, system.scheduler())
        .thenCompose(
            listing -> {
              var agents = listing.getServiceInstances(key);
              if (agents.isEmpty()) {
                return CompletableFuture.failedFuture(
                    DockerApiException.serverError("no node agent serves node " + nodeId + "; is its compute member up?"));
              }
              return CompletableFuture.completedFuture(agents.iterator().next());
            });
  }

  private CompletionStage<Done> agentAsk(
      String nodeId, Function<ActorRef<StatusReply<Done>>, NodeAgent.Command> command) {
    return agentQuery(nodeId, command, Duration.ofMinutes(5));
  }


  /**
   * Creates and places a container; returns its id. A create without a name gets a generated one,
   * and tries another generated name when the account finds it in use.
   */
  public CompletionStage<String> create(String account, String requestedName, ContainerSpec spec) {
    String name = null;
    if (requestedName != null && !requestedName.isEmpty()) {
      try {
        name = validName(requestedName);
      } catch (DockerApiException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    if (images != null && images.find(spec.image()).isEmpty()) {
      // The docker CLI reacts to this 404 by pulling the image, as it does with Docker.
      return CompletableFuture.failedFuture(DockerApiException.notFound(ImageService.noSuchImage(spec.image())));
    }
    if (name == null) {
      return createWithGeneratedName(
          account,
          names,
          generated -> createNamed(account, newId(), generated, spec),
          () -> {
            String id = newId();
            return createNamed(account, id, id.substring(0, SHORT_ID_LENGTH), spec);
          },
          0);
    }
    return createNamed(account, newId(), name, spec);
  }

  /**
   * Creates a container with {@code createNamed} under a generated name, and under another one
   * while the name is in use. A failed attempt has undone its reservation before it completes, so
   * the next attempt starts over with a new id and a new name. When all {@value
   * #GENERATED_NAME_ATTEMPTS} generated names are in use, it creates with {@code createUnderId},
   * which names the container after its short id, as the Docker daemon does.
   */
  static CompletionStage<String> createWithGeneratedName(
      String account,
      ContainerNames names,
      Function<String, CompletionStage<String>> createNamed,
      Supplier<CompletionStage<String>> createUnderId,
      int attempt) {
    String name = names.generate(attempt);
    return createNamed
        .apply(name)
        .exceptionallyCompose(
            error -> {
              Throwable cause = unwrap(error);
              if (!isNameInUse(cause)) {
                return CompletableFuture.failedFuture(cause);
              }
              if (attempt + 1 >= GENERATED_NAME_ATTEMPTS) {
                log.info("generated container names all in use, naming the container after its short id account={}", account);
                return createUnderId.get();
              }
              log.info("generated container name in use, trying another account={} name={}", account, name);
              return createWithGeneratedName(account, names, createNamed, createUnderId, attempt + 1);
            });
  }

  /**
   * Returns whether a create failed because the account has the name in use. Admission is the
   * only step of a create that fails with 409.
   */
  private static boolean isNameInUse(Throwable cause) {
    return cause instanceof DockerApiException api && api.status().equals(StatusCodes.CONFLICT);
  }

  /** Creates and places a container with a new id under a valid name; returns the id. */
  private CompletionStage<String> createNamed(String account, String id, String name, ContainerSpec spec) {
    // The scheduler reserves first, so that the account can record the container's summary with
    // its admission, and the container its creation with its placement: one journal write each.
    AtomicReference<PlacementRecord> reserved = new AtomicReference<>();
    AtomicBoolean admitted = new AtomicBoolean();
    return placement
        .reserve(id, name, spec)
        .exceptionallyCompose(error -> CompletableFuture.failedFuture(reservationFailure(id, error)))
        .thenCompose(
            record -> {
              reserved.set(record);
              return admit(account, name, id, spec, summary(id, name, spec, record));
            })
        .thenCompose(
            claimed -> {
              admitted.set(true);
              return newContainers.create(id, account, name, spec, reserved.get());
            })
        .handle(
            (created, error) -> {
              if (error == null) {
                log.info("container created account={} container_id={} name={} node_id={}", account, id, name, created.nodeId());
                return CompletableFuture.completedFuture(id);
              }
              Throwable cause = unwrap(error);
              log.info("container create failed account={} container_id={} error={}", account, id, cause.getMessage());
              CompletionStage<Done> undone;
              if (admitted.get()) {
                undone = undoCreate(account, id, reserved.get());
              } else if (reserved.get() != null) {
                // A name conflict or an exceeded quota leaves only the reservation.
                undone = releaseFailedCreate(id, reserved.get());
              } else {
                undone = CompletableFuture.completedFuture(Done.getInstance());
              }
              return undone.thenCompose(done -> CompletableFuture.<String>failedFuture(failure(cause)));
            })
        .thenCompose(stage -> stage);
  }

  /** Returns the listing line of a container that is about to be created on its reserved node. */
  private static Account.ContainerSummary summary(
      String id, String name, ContainerSpec spec, PlacementRecord reserved) {
    return new Account.ContainerSummary(
        id,
        name,
        spec.image(),
        ContainerStatus.PLACED.lowerCase(),
        reserved.nodeId(),
        spec.labels(),
        Instant.now(),
        Account.ContainerSummary.commandLine(spec.command()),
        0,
        Instant.EPOCH,
        Instant.EPOCH);
  }

  /** Returns a requested container name without its leading slash; throws a 400 for an invalid one. */
  private static String validName(String requestedName) {
    if (!NAME.matcher(requestedName).matches()) {
      throw DockerApiException.badRequest(
          "Invalid container name (" + requestedName + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
    }
    return requestedName.startsWith("/") ? requestedName.substring(1) : requestedName;
  }

  /**
   * Claims the name, counts the container against the account's quota and records its summary,
   * in one write. Fails with 409 when the name is in use, and with 403 when the quota would be
   * exceeded.
   */
  private CompletionStage<Done> admit(
      String account, String name, String id, ContainerSpec spec, Account.ContainerSummary summary) {
    long memory = spec.memoryBytes() > 0 ? spec.memoryBytes() : defaultMemoryRequest;
    Account.ResourceRequest request =
        new Account.ResourceRequest(memory, ContainerPlacement.cpuMillis(spec));
    return accountWrites
        .admit(account, new Account.Admit(name, id, request, summary))
        .thenCompose(
            admission ->
                switch (admission.outcome()) {
                  case ADMITTED -> CompletableFuture.completedFuture(Done.getInstance());
                  case NAME_IN_USE ->
                      CompletableFuture.failedFuture(DockerApiException.conflict(admission.message()));
                  case QUOTA_EXCEEDED ->
                      CompletableFuture.failedFuture(
                          new DockerApiException(StatusCodes.FORBIDDEN, admission.message()));
                });
  }

  /** Returns the account's containers that a listing selects, newest first. */
  public CompletionStage<List<Account.ContainerSummary>> list(String account, ContainerListing listing) {
    return sharding
        .entityRefFor(Account.TYPE_KEY, account)
        .ask(Account.ListContainers::new, askTimeout)
        .thenApply(list -> listing.select(list.containers()));
  }

  /**
   * Finds a container by full id, unique id prefix or name, the ways the docker CLI refers to one.
   * A container that is listed but not created yet, or whose create was abandoned, is not found.
   */
  public CompletionStage<Container.State> find(String account, String reference) {
    return resolve(account, reference)
        .thenCompose(
            summary ->
                sharding
                    .entityRefFor(Container.TYPE_KEY, summary.containerId())
                    .ask(Container.Get::new, askTimeout)
                    .thenCompose(
                        state -> {
                          if (state.status() == ContainerStatus.REMOVED) {
                            resumeRemoval(account, state);
                          }
                          if (state.status() == ContainerStatus.NEW) {
                            forgetIfAbandoned(account, summary)
                                .whenComplete(
                                    (done, error) -> {
                                      if (error != null) {
                                        log.warn(
                                            "abandoned container create not forgotten account={} container_id={} error={}",
                                            account,
                                            summary.containerId(),
                                            unwrap(error).toString());
                                      }
                                    });
                            return CompletableFuture.failedFuture(
                                DockerApiException.notFound("No such container: " + reference));
                          }
                          return CompletableFuture.completedFuture(state);
                        }));
  }

  /**
   * Removes a container, freeing its reservation and its name. Removing the listing of an
   * abandoned create succeeds too.
   */
  public CompletionStage<Done> remove(String account, String reference, boolean force) {
    return resolve(account, reference)
        .thenCompose(
            summary ->
                containerAsk(summary.containerId(), replyTo -> new Container.Remove(force, replyTo))
                    .handle(
                        (removed, error) ->
                            error == null
                                ? finishRemoval(account, removed)
                                : removeAbandoned(account, summary, conflictOrFailure(error)))
                    .thenCompose(stage -> stage));
  }

  /**
   * Forgets the listing of an abandoned create whose entity rejected the removal for having no
   * events. Fails with {@code rejection} for any other container.
   */
  private CompletionStage<Done> removeAbandoned(
      String account, Account.ContainerSummary summary, Throwable rejection) {
    if (!isAbandoned(summary)) {
      return CompletableFuture.failedFuture(rejection);
    }
    return sharding
        .entityRefFor(Container.TYPE_KEY, summary.containerId())
        .ask(Container.Get::new, askTimeout)
        .thenCompose(
            state ->
                state.status() == ContainerStatus.NEW
                    ? forgetIfAbandoned(account, summary)
                    : CompletableFuture.<Done>failedFuture(rejection));
  }

  /**
   * Returns whether a listed container's create was cut off before the container entity recorded
   * it, for example by a member failure: the account lists it, and its node has a reservation
   * for it, but the entity has no events. Only a create older than {@link #ABANDONED_CREATE_AGE} counts,
   * because a younger one may still complete.
   */
  private boolean isAbandoned(Account.ContainerSummary summary) {
    return summary.status().equals(ContainerStatus.PLACED.lowerCase())
        && summary.createdAt().plus(ABANDONED_CREATE_AGE).isBefore(Instant.now());
  }

  /**
   * Releases the reservation and the listing of an abandoned create, and does nothing for a
   * create that may still complete. The caller must have found the entity without events.
   */
  private CompletionStage<Done> forgetIfAbandoned(String account, Account.ContainerSummary summary) {
    if (!isAbandoned(summary)) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    String id = summary.containerId();
    log.info("abandoned container create forgotten account={} container_id={} node_id={}", account, id, summary.nodeId());
    CompletionStage<Done> released =
        summary.nodeId().isEmpty()
            ? CompletableFuture.completedFuture(Done.getInstance())
            : release(id, summary.nodeId());
    return released.thenCompose(done -> accountAsk(account, replyTo -> new Account.ForgetContainer(id, replyTo)));
  }

  /**
   * Completes a removal that the entity persisted but whose request was cut off, for example by
   * a member failure. The container is then still listed, and its node keeps the reservation.
   * Runs in the background, once per container at a time, and inspect reports "removing" meanwhile.
   */
  private void resumeRemoval(String account, Container.State removed) {
    String id = removed.containerId();
    if (!resumingRemovals.add(id)) {
      return;
    }
    log.info("container removal resumed account={} container_id={}", account, id);
    finishRemoval(account, removed)
        .whenComplete(
            (done, error) -> {
              resumingRemovals.remove(id);
              if (error != null) {
                log.warn(
                    "container removal not completed account={} container_id={} error={}",
                    account,
                    id,
                    unwrap(error).getMessage());
              }
            });
  }

  /** Runs the idempotent steps that follow the entity's record of the removal. */
  private CompletionStage<Done> finishRemoval(String account, Container.State removed) {
    String id = removed.containerId();
    return removeFromNode(removed)
        .thenCompose(cleaned -> release(removed))
        .thenCompose(released -> accountAsk(account, replyTo -> new Account.ForgetContainer(id, replyTo)))
        .thenApply(
            done -> {
              log.info("container removed account={} container_id={}", account, id);
              return done;
            });
  }

  /** Returns the listing line of the container a reference names; fails with 404 or 400. */
  private CompletionStage<Account.ContainerSummary> resolve(String account, String reference) {
    return sharding
        .entityRefFor(Account.TYPE_KEY, account)
        .ask(
            (ActorRef<Account.ContainerLookup> replyTo) -> new Account.FindContainer(reference, replyTo),
            askTimeout)
        .thenCompose(
            lookup -> {
              if (lookup.found() != null) {
                return CompletableFuture.completedFuture(lookup.found());
              }
              if (lookup.prefixMatches() > 1) {
                return CompletableFuture.failedFuture(
                    DockerApiException.badRequest(
                        "multiple IDs found with provided prefix: " + reference));
              }
              return CompletableFuture.failedFuture(
                  DockerApiException.notFound("No such container: " + reference));
            });
  }

  private CompletionStage<Done> record(String account, Container.State state) {
    return accountWrites.record(account, Account.ContainerSummary.of(state));
  }

  /** Removes the container's process and files from its node; a missing agent is skipped. */
  private CompletionStage<Done> removeFromNode(Container.State removed) {
    if (removed.nodeId().isEmpty()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    return agentAsk(removed.nodeId(), replyTo -> new NodeAgent.Remove(removed.containerId(), replyTo))
        .exceptionally(
            error -> {
              log.warn(
                  "container files not removed from node container_id={} node_id={} error={}",
                  removed.containerId(),
                  removed.nodeId(),
                  unwrap(error).getMessage());
              return Done.getInstance();
            });
  }

  private CompletionStage<Done> release(Container.State removed) {
    if (removed.nodeId().isEmpty()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    return release(removed.containerId(), removed.nodeId());
  }

  private CompletionStage<Done> release(String containerId, String nodeId) {
    return sharding
        .entityRefFor(ComputeNode.TYPE_KEY, nodeId)
        .askWithStatus(replyTo -> new ComputeNode.Release(containerId, replyTo), askTimeout);
  }

  /**
   * Removes whatever a failed create made after its admission: the container, its reservation
   * and its name.
   *
   * @param reserved the scheduler's reservation for the container, made before the admission
   */
  private CompletionStage<Done> undoCreate(String account, String id, PlacementRecord reserved) {
    // The container may not exist, because the failure can come from its create.
    CompletionStage<Done> removed =
        containerAsk(id, replyTo -> new Container.Remove(true, replyTo))
            .thenApply(state -> Done.getInstance())
            .exceptionally(error -> Done.getInstance());
    return removed
        .thenCompose(done -> releaseFailedCreate(id, reserved))
        .thenCompose(released -> accountAsk(account, replyTo -> new Account.ForgetContainer(id, replyTo)))
        .exceptionally(
            error -> {
              log.warn("cleanup after failed create incomplete container_id={} error={}", id, error.toString());
              return Done.getInstance();
            });
  }

  /** Releases the reservation of a failed create; a failure to release is logged, not raised. */
  private CompletionStage<Done> releaseFailedCreate(String id, PlacementRecord reserved) {
    return release(id, reserved.nodeId())
        .exceptionally(
            error -> {
              log.warn(
                  "reservation of failed create not released container_id={} node_id={} error={}",
                  id,
                  reserved.nodeId(),
                  unwrap(error).toString());
              return Done.getInstance();
            });
  }

  private CompletionStage<Done> accountAsk(
      String account,
      Function<ActorRef<StatusReply<Done>>, Account.Command> command) {
    return sharding.entityRefFor(Account.TYPE_KEY, account).askWithStatus(command::apply, askTimeout);
  }

  private CompletionStage<Container.State> containerAsk(
      String id,
      Function<ActorRef<StatusReply<Container.State>>, Container.Command> command) {
    return sharding.entityRefFor(Container.TYPE_KEY, id).askWithStatus(command::apply, askTimeout);
  }

  private String newId() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** Converts a rejection from an entity to a 409, the status Docker uses for such conflicts. */
  private static Throwable conflictOrFailure(Throwable error) {
    Throwable cause = unwrap(error);
    if (cause instanceof StatusReply.ErrorMessage) {
      return DockerApiException.conflict(cause.getMessage());
    }
    return cause;
  }

  /**
   * Returns the failure of a create's reservation. The scheduler's "no node fits container ID:
   * REASONS", from PlacementDecision.summary, names an id that the failed create never gives to a
   * container, so the docker CLI user gets the reasons without it. The status stays 500.
   */
  private static Throwable reservationFailure(String id, Throwable error) {
    Throwable cause = unwrap(error);
    if (cause instanceof StatusReply.ErrorMessage) {
      return DockerApiException.serverError(withoutContainerId(id, cause.getMessage()));
    }
    return cause;
  }

  /** Rewrites the scheduler's message that no node fits container {@code id}; returns others unchanged. */
  static String withoutContainerId(String id, String schedulerMessage) {
    String prefix = "no node fits container " + id + ": ";
    if (!schedulerMessage.startsWith(prefix)) {
      return schedulerMessage;
    }
    return "no node has room for the container: " + schedulerMessage.substring(prefix.length());
  }

  private static Throwable failure(Throwable cause) {
    if (cause instanceof DockerApiException) {
      return cause;
    }
    if (cause instanceof StatusReply.ErrorMessage) {
      return DockerApiException.serverError(cause.getMessage());
    }
    return cause;
  }

  static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
