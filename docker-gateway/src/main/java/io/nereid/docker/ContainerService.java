package io.nereid.docker;

import io.nereid.account.Account;
import io.nereid.agent.NodeAgent;
import io.nereid.container.Container;
import io.nereid.container.ContainerSpec;
import io.nereid.container.ContainerStatus;
import io.nereid.image.ImageStore;
import io.nereid.node.ComputeNode;
import io.nereid.scheduler.ContainerPlacement;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
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
  /** Docker's rule for container names, with the optional leading slash. */
  private static final Pattern NAME = Pattern.compile("/?[a-zA-Z0-9][a-zA-Z0-9_.-]+");

  private final ClusterSharding sharding;
  private final ContainerPlacement placement;
  private final Duration askTimeout;
  private final ActorSystem<?> system;
  private final ImageStore images;
  private final SecureRandom random = new SecureRandom();

  /**
   * @param images the image store a create checks the image against, as the Docker daemon does;
   *     null skips the check
   */
  public ContainerService(
      ActorSystem<?> system,
      ClusterSharding sharding,
      ContainerPlacement placement,
      Duration askTimeout,
      ImageStore images) {
    this.system = system;
    this.images = images;
    this.sharding = sharding;
    this.placement = placement;
    this.askTimeout = askTimeout;
  }

  /**
   * Starts a container on its node; completes with false when it was running already, for
   * which Docker returns 304.
   */
  public CompletionStage<Boolean> start(String account, String reference) {
    return find(account, reference)
        .thenCompose(
            state -> {
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
              if (state.status() != ContainerStatus.RUNNING) {
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
              return containerAsk(id, Container.RequestStop::new)
                  .thenCompose(
                      wanted ->
                          agentAsk(
                              wanted.nodeId(),
                              replyTo ->
                                  new NodeAgent.Stop(id, wanted.spec().stopSignal(), stopTimeout, replyTo)))
                  .thenCompose(stopped -> refreshSummary(account, id))
                  .thenApply(done -> true);
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
              if (state.status() != ContainerStatus.RUNNING) {
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
              return wanted.thenCompose(
                  current -> agentAsk(current.nodeId(), replyTo -> new NodeAgent.Kill(id, signal, replyTo)));
            });
  }

  /** Stops a container if it runs, then starts it. */
  public CompletionStage<Done> restart(String account, String reference, Integer timeoutSeconds) {
    return stop(account, reference, timeoutSeconds)
        .thenCompose(stopped -> start(account, reference))
        .thenApply(started -> Done.getInstance());
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
    return agent(nodeId)
        .thenCompose(
            agent ->
                AskPattern.<NodeAgent.Command, StatusReply<Done>>ask(
                        agent, command::apply, Duration.ofMinutes(5), system.scheduler())
                    .thenCompose(
                        reply ->
                            reply.isSuccess()
                                ? CompletableFuture.completedFuture(Done.getInstance())
                                : CompletableFuture.<Done>failedFuture(
                                    DockerApiException.serverError(reply.getError().getMessage()))));
  }

  /** Creates and places a container; returns its id. */
  public CompletionStage<String> create(String account, String requestedName, ContainerSpec spec) {
    String id = newId();
    String name;
    if (requestedName == null || requestedName.isEmpty()) {
      name = "nereid_" + id.substring(0, 12);
    } else if (!NAME.matcher(requestedName).matches()) {
      return CompletableFuture.failedFuture(
          DockerApiException.badRequest(
              "Invalid container name (" + requestedName + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"));
    } else {
      name = requestedName.startsWith("/") ? requestedName.substring(1) : requestedName;
    }
    if (images != null && images.find(spec.image()).isEmpty()) {
      // The docker CLI reacts to this 404 by pulling the image, as it does with Docker.
      return CompletableFuture.failedFuture(DockerApiException.notFound("No such image: " + spec.image()));
    }
    return accountAsk(account, replyTo -> new Account.ClaimName(name, id, replyTo))
        .exceptionallyCompose(error -> CompletableFuture.failedFuture(conflictOrFailure(error)))
        .thenCompose(claimed -> containerAsk(id, replyTo -> new Container.Create(account, name, spec, replyTo)))
        .thenCompose(created -> placement.place(id))
        .thenCompose(placed -> record(account, placed))
        .handle(
            (done, error) -> {
              if (error == null) {
                log.info("container created account={} container_id={} name={}", account, id, name);
                return CompletableFuture.completedFuture(id);
              }
              Throwable cause = unwrap(error);
              if (cause instanceof DockerApiException api && api.status().intValue() == 409) {
                return CompletableFuture.<String>failedFuture(cause);
              }
              log.info("container create failed account={} container_id={} error={}", account, id, cause.getMessage());
              return undoCreate(account, id, name).thenCompose(undone -> CompletableFuture.<String>failedFuture(failure(cause)));
            })
        .thenCompose(stage -> stage);
  }

  /** Returns the containers of the account, running ones only unless {@code all}. */
  public CompletionStage<List<Account.ContainerSummary>> list(String account, boolean all) {
    return sharding
        .entityRefFor(Account.TYPE_KEY, account)
        .ask(Account.ListContainers::new, askTimeout)
        .thenApply(
            list ->
                list.containers().stream()
                    .filter(summary -> all || summary.status().equals(ContainerStatus.RUNNING.lowerCase()))
                    .toList());
  }

  /** Finds a container by full id, unique id prefix or name, the ways the docker CLI refers to one. */
  public CompletionStage<Container.State> find(String account, String reference) {
    return resolve(account, reference)
        .thenCompose(id -> sharding.entityRefFor(Container.TYPE_KEY, id).ask(Container.Get::new, askTimeout));
  }

  /** Removes a container, freeing its reservation and its name. */
  public CompletionStage<Done> remove(String account, String reference, boolean force) {
    return resolve(account, reference)
        .thenCompose(
            id ->
                containerAsk(id, replyTo -> new Container.Remove(force, replyTo))
                    .exceptionallyCompose(
                        error -> CompletableFuture.failedFuture(conflictOrFailure(error)))
                    .thenCompose(
                        removed -> removeFromNode(removed).thenCompose(cleaned -> release(removed)))
                    .thenCompose(released -> accountAsk(account, replyTo -> new Account.ForgetContainer(id, replyTo)))
                    .thenApply(
                        done -> {
                          log.info("container removed account={} container_id={}", account, id);
                          return done;
                        }));
  }

  private CompletionStage<String> resolve(String account, String reference) {
    String name = reference.startsWith("/") ? reference.substring(1) : reference;
    return sharding
        .entityRefFor(Account.TYPE_KEY, account)
        .ask(Account.ListContainers::new, askTimeout)
        .thenCompose(
            list -> {
              for (Account.ContainerSummary summary : list.containers()) {
                if (summary.containerId().equals(reference) || summary.name().equals(name)) {
                  return CompletableFuture.completedFuture(summary.containerId());
                }
              }
              List<String> matches =
                  list.containers().stream()
                      .map(Account.ContainerSummary::containerId)
                      .filter(id -> !reference.isEmpty() && id.startsWith(reference))
                      .toList();
              if (matches.size() == 1) {
                return CompletableFuture.completedFuture(matches.get(0));
              }
              if (matches.size() > 1) {
                return CompletableFuture.failedFuture(
                    DockerApiException.badRequest(
                        "multiple IDs found with provided prefix: " + reference));
              }
              return CompletableFuture.failedFuture(
                  DockerApiException.notFound("No such container: " + reference));
            });
  }

  private CompletionStage<Done> record(String account, Container.State state) {
    Account.ContainerSummary summary = Account.ContainerSummary.of(state);
    return accountAsk(account, replyTo -> new Account.RecordContainer(summary, replyTo));
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
    return sharding
        .entityRefFor(ComputeNode.TYPE_KEY, removed.nodeId())
        .askWithStatus(replyTo -> new ComputeNode.Release(removed.containerId(), replyTo), askTimeout);
  }

  /** Removes whatever a failed create made: the container, its reservation and its name. */
  private CompletionStage<Done> undoCreate(String account, String id, String name) {
    return containerAsk(id, replyTo -> new Container.Remove(true, replyTo))
        .thenCompose(this::release)
        .exceptionally(error -> Done.getInstance())
        .thenCompose(released -> accountAsk(account, replyTo -> new Account.ForgetContainer(id, replyTo)))
        .exceptionally(
            error -> {
              log.warn("cleanup after failed create incomplete container_id={} error={}", id, error.toString());
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
