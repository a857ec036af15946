package io.nereid.server.admin;

import io.nereid.container.Container;
import io.nereid.container.ContainerStatus;
import io.nereid.docker.ContainerService;
import io.nereid.entity.EntityIds;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The container routes of the admin API: find containers across accounts, read a container's
 * persisted history and force its removal.
 */
final class ContainerRoutes extends AllDirectives {

  private final ActorSystem<?> system;
  private final ContainerDirectory directory;
  private final EntityIds entityIds;
  private final ContainerService containers;

  ContainerRoutes(
      ActorSystem<?> system,
      ContainerDirectory directory,
      EntityIds entityIds,
      ContainerService containers) {
    this.system = system;
    this.directory = directory;
    this.entityIds = entityIds;
    this.containers = containers;
  }

  Route routes() {
    return concat(
        path(
            "containers",
            () ->
                get(
                    () ->
                        parameterOptional(
                            "name",
                            name ->
                                parameterOptional(
                                    "account", account -> list(name, account))))),
        path(
            PathMatchers.segment("containers").slash(PathMatchers.segment()),
            reference ->
                concat(
                    get(() -> complete(directory.find(reference).thenApply(ContainerRoutes::view))),
                    delete(
                        () ->
                            parameterOptional(
                                "force", force -> remove(reference, force.orElse("false")))))),
        path(
            PathMatchers.segment("containers").slash(PathMatchers.segment()).slash("history"),
            reference -> get(() -> complete(directory.find(reference).thenCompose(this::history)))));
  }

  private Route complete(CompletionStage<?> body) {
    return onSuccess(body, value -> complete(Json.ok(value)));
  }

  private Route list(Optional<String> name, Optional<String> account) {
    CompletionStage<List<ContainerDirectory.Entry>> entries =
        account.isPresent() ? directory.entries(account.get()) : directory.entries();
    CompletionStage<List<Map<String, Object>>> views =
        entries.thenApply(
            list ->
                list.stream()
                    .filter(entry -> name.isEmpty() || entry.summary().name().equals(name.get()))
                    .map(ContainerRoutes::summaryView)
                    .toList());
    return complete(views);
  }

  /**
   * Removes a container through the same path as {@code docker rm}: its process and files on the
   * node, its reservation, its name. A running container needs {@code force=true}.
   */
  private Route remove(String reference, String force) {
    if (!force.equals("true") && !force.equals("false")) {
      return complete(
          Json.error(StatusCodes.BAD_REQUEST, "invalid force \"" + force + "\"; use true or false"));
    }
    CompletionStage<Map<String, Object>> removed =
        directory
            .find(reference)
            .thenCompose(
                state -> {
                  if (state.status() == ContainerStatus.REMOVED) {
                    return CompletableFuture.completedFuture(state);
                  }
                  return containers
                      .remove(state.account(), state.containerId(), force.equals("true"))
                      .thenCompose(done -> directory.state(state.containerId()));
                })
            .thenApply(ContainerRoutes::view);
    return complete(removed);
  }

  /** Reads every event the container persisted, oldest first, with the time it was written. */
  private CompletionStage<List<Map<String, Object>>> history(Container.State state) {
    String persistenceId = PersistenceId.of(Container.TYPE_KEY.name(), state.containerId()).id();
    return entityIds
        .readJournal()
        .currentEventsByPersistenceId(persistenceId, 0L, Long.MAX_VALUE)
        .map(
            envelope -> {
              Map<String, Object> entry = new LinkedHashMap<>();
              entry.put("sequenceNr", envelope.sequenceNr());
              entry.put("timestamp", Instant.ofEpochMilli(envelope.timestamp()).toString());
              entry.put("type", envelope.event().getClass().getSimpleName());
              entry.put("event", Json.MAPPER.valueToTree(envelope.event()));
              return entry;
            })
        .runWith(Sink.seq(), system);
  }

  static Map<String, Object> summaryView(ContainerDirectory.Entry entry) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("id", entry.summary().containerId());
    view.put("name", entry.summary().name());
    view.put("account", entry.account());
    view.put("image", entry.summary().image());
    view.put("status", entry.summary().status());
    view.put("node", entry.summary().nodeId());
    view.put("createdAt", entry.summary().createdAt().toString());
    return view;
  }

  static Map<String, Object> view(Container.State state) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("id", state.containerId());
    view.put("name", state.name());
    view.put("account", state.account());
    view.put("status", state.status().lowerCase());
    view.put("desired", state.desired().name().toLowerCase());
    view.put("node", state.nodeId());
    view.put("exitCode", state.exitCode());
    view.put("oomKilled", state.oomKilled());
    view.put("restartCount", state.restartCount());
    view.put("createdAt", state.createdAt().toString());
    view.put("startedAt", timeOrNull(state.startedAt()));
    view.put("finishedAt", timeOrNull(state.finishedAt()));
    view.put("spec", state.spec());
    view.put("placement", state.placement());
    return view;
  }

  /** Returns the time as text, or null for a time not reached yet, such as the start of a container never started. */
  private static String timeOrNull(Instant time) {
    return time.equals(Instant.EPOCH) ? null : time.toString();
  }
}
