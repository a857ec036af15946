package io.nereid.server.admin;

import io.nereid.container.Container;
import io.nereid.container.ContainerStatus;
import io.nereid.docker.ContainerService;
import io.nereid.docker.DockerApiException;
import io.nereid.entity.EntityIds;
import org.apache.pekko.actor.typed.ActorSystem;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.nereid.node.ComputeNode;
import io.nereid.node.NodeStatus;
import io.nereid.node.NodeDirectory;
import io.nereid.node.Resources;
import io.nereid.scheduler.PoolScheduler;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import io.nereid.metrics.MetricsRegistry;
import io.nereid.metrics.NereidMetrics;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API under {@code /v1}: node listing and member health. Every error is JSON with a
 * {@code message}.
 */
public final class AdminRoutes extends AllDirectives {

  private static final Logger log = LoggerFactory.getLogger(AdminRoutes.class);

  private final NodeDirectory nodes;
  private final HealthCheck health;
  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final String token;
  private final ContainerRoutes containerRoutes;
  private final ContainerDirectory containerDirectory;
  private final PoolRoutes pools;
  private final AccountRoutes accountRoutes;
  private final ClusterRoutes clusterRoutes;
  private final NereidMetrics metrics;
  private final OpenApiDocument openApi = OpenApiDocument.load();

  /**
   * @param containers the container operations the Docker API runs, so a removal here takes the
   *     same path as {@code docker rm}
   * @param metrics what {@code GET /metrics} exposes, besides the entity counts it asks for
   * @param token the bearer token every request must carry; empty means none is required
   */
  public AdminRoutes(
      ActorSystem<?> system,
      NodeDirectory nodes,
      HealthCheck health,
      ClusterSharding sharding,
      ContainerService containers,
      NereidMetrics metrics,
      Duration askTimeout,
      String token) {
    this.metrics = metrics;
    this.nodes = nodes;
    this.health = health;
    this.sharding = sharding;
    this.askTimeout = askTimeout;
    this.token = token;
    EntityIds entityIds = new EntityIds(system);
    ContainerDirectory directory = new ContainerDirectory(sharding, entityIds, askTimeout);
    this.containerRoutes = new ContainerRoutes(system, directory, entityIds, containers);
    this.containerDirectory = directory;
    this.pools = new PoolRoutes(nodes, entityIds, sharding, askTimeout);
    this.accountRoutes = new AccountRoutes(sharding, directory, askTimeout);
    this.clusterRoutes = new ClusterRoutes(system, sharding, askTimeout);
  }

  public Route routes() {
    Route v1 =
        pathPrefix(
            "v1",
            () ->
                concat(
                    path("health", () -> get(this::health)),
                    path(
                        "nodes",
                        () ->
                            get(
                                () ->
                                    parameterOptional(
                                        "status",
                                        status ->
                                            parameterOptional(
                                                "pool",
                                                pool ->
                                                    parameterList(
                                                        "label",
                                                        labels ->
                                                            listNodes(status, pool, labels)))))),
                    path(
                        PathMatchers.segment("nodes").slash(PathMatchers.segment()),
                        nodeId -> get(() -> getNode(nodeId))),
                    path(
                        PathMatchers.segment("nodes")
                            .slash(PathMatchers.segment())
                            .slash(PathMatchers.segment()),
                        (nodeId, action) ->
                            post(
                                () ->
                                    parameterOptional(
                                        "move",
                                        move ->
                                            action.equals("drain") && move.isPresent()
                                                ? drain(nodeId, move.get())
                                                : changeStatus(nodeId, action)))),
                    path(
                        PathMatchers.segment("nodes").slash(PathMatchers.segment()).slash("labels"),
                        nodeId -> put(() -> updateLabels(nodeId))),
                    pools.routes(),
                    path(
                        PathMatchers.segment("containers")
                            .slash(PathMatchers.segment())
                            .slash("placement"),
                        reference -> get(() -> placement(reference))),
                    containerRoutes.routes(),
                    accountRoutes.routes(),
                    clusterRoutes.routes()));
    Route all =
        concat(
            v1,
            path("metrics", () -> get(this::metrics)),
            path(
                PathMatchers.segment("v1").slash("openapi.json"),
                () ->
                    get(
                        () ->
                            complete(
                                HttpEntities.create(
                                    ContentTypes.APPLICATION_JSON, openApi.bytes())))));
    return handleExceptions(
        exceptionHandler(),
        () -> handleRejections(rejectionHandler(), () -> authorized(documented(all))));
  }

  /**
   * Serves only the operations of the OpenAPI document: 405 for a method it does not list on a
   * documented path. A path it does not list may only get a 404, with the message of the route
   * that handled it; any other response there means a route is missing from the document, so it
   * becomes a 500 that says so.
   */
  private Route documented(Route inner) {
    return extractRequest(
        request -> {
          String path = request.getUri().path();
          String method = request.method().value();
          java.util.Set<String> allowed = openApi.methodsFor(path);
          if (allowed.isEmpty()) {
            return mapResponse(
                response -> {
                  if (response.status().intValue() == 404) {
                    return response;
                  }
                  log.error("admin route missing from openapi.json method={} path={}", method, path);
                  return Json.error(
                      StatusCodes.INTERNAL_SERVER_ERROR,
                      method + " " + path + " is served but not in /v1/openapi.json; document it");
                },
                () -> inner);
          }
          if (!allowed.contains(method)) {
            return complete(
                Json.error(
                        StatusCodes.METHOD_NOT_ALLOWED,
                        "method " + method + " is not allowed on " + path + "; use " + allowed)
                    .addHeader(
                        org.apache.pekko.http.javadsl.model.headers.RawHeader.create(
                            "Allow", String.join(", ", allowed))));
          }
          return inner;
        });
  }

  /** Lets a request through only with the configured bearer token, when one is configured. */
  private Route authorized(Route inner) {
    if (token.isEmpty()) {
      return inner;
    }
    return optionalHeaderValueByName(
        "Authorization",
        header -> {
          boolean valid =
              header.isPresent()
                  && java.security.MessageDigest.isEqual(
                      header.get().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                      ("Bearer " + token).getBytes(java.nio.charset.StandardCharsets.UTF_8));
          if (valid) {
            return inner;
          }
          String problem =
              header.isPresent()
                  ? "invalid bearer token"
                  : "missing bearer token; send Authorization: Bearer <nereid.admin.token>";
          return complete(Json.error(StatusCodes.UNAUTHORIZED, problem));
        });
  }

  /**
   * Returns the member's metrics in the Prometheus text format, with the number of entities that
   * each type has running in the cluster, from cluster sharding's statistics.
   */
  private Route metrics() {
    CompletionStage<String> text =
        clusterRoutes
            .shards()
            .thenApply(
                shards -> {
                  Map<List<String>, Double> counts = new LinkedHashMap<>();
                  shards.forEach(
                      (type, view) ->
                          counts.put(
                              List.of(type),
                              ((Number) ((Map<?, ?>) view).get("entities")).doubleValue()));
                  StringBuilder out = new StringBuilder(metrics.write());
                  MetricsRegistry.writeGauge(
                      out,
                      "nereid_active_entities",
                      "Entities running in the cluster, by entity type.",
                      new String[] {"type"},
                      counts);
                  return out.toString();
                })
            .exceptionally(
                error -> {
                  log.warn("entity counts missing from metrics error={}", rootCause(error).toString());
                  return metrics.write();
                });
    return onSuccess(
        text, body -> complete(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, body)));
  }

  private Route health() {
    return onSuccess(
        health.check(),
        report ->
            complete(
                Json.response(
                    report.healthy() ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE,
                    report.body())));
  }

  private Route listNodes(
      java.util.Optional<String> status, java.util.Optional<String> pool, List<String> labels) {
    NodeFilter filter;
    try {
      filter = NodeFilter.parse(status, pool, labels);
    } catch (IllegalArgumentException e) {
      return complete(Json.error(StatusCodes.BAD_REQUEST, e.getMessage()));
    }
    CompletionStage<List<Map<String, Object>>> views =
        nodes
            .nodes()
            .thenApply(
                states -> states.stream().filter(filter::matches).map(AdminRoutes::nodeView).toList());
    return onSuccess(views, list -> complete(Json.ok(list)));
  }

  /** Operator actions on a node and the status each one moves it to. */
  private static final Map<String, NodeStatus> ACTIONS =
      Map.of(
          "cordon", NodeStatus.CORDONED,
          "uncordon", NodeStatus.READY,
          "drain", NodeStatus.DRAINING,
          "lost", NodeStatus.LOST,
          "decommission", NodeStatus.DECOMMISSIONED);

  /** Returns a node with its utilization and every reservation with its container's status. */
  private Route getNode(String nodeId) {
    return withRegisteredNode(
        nodeId, state -> NodeDetails.of(state, sharding, askTimeout).thenApply(Json::ok));
  }

  /** Completes with {@code respond}'s response for a registered node, or 404 for any other. */
  private Route withRegisteredNode(
      String nodeId,
      java.util.function.Function<ComputeNode.State, CompletionStage<HttpResponse>> respond) {
    CompletionStage<HttpResponse> outcome =
        nodes
            .node(nodeId)
            .thenCompose(
                state -> {
                  if (state.status() == NodeStatus.UNREGISTERED) {
                    return CompletableFuture.completedFuture(
                        Json.error(StatusCodes.NOT_FOUND, "no such node: " + nodeId));
                  }
                  return respond.apply(state);
                });
    return onSuccess(outcome, this::complete);
  }

  /**
   * Moves a node to another status. A plain drain only stops new placements, and {@code
   * drain?move=true} ({@link #drain}) also moves the containers. A node made lost has its
   * containers placed again by its pool's scheduler.
   */
  private Route changeStatus(String nodeId, String action) {
    NodeStatus target = ACTIONS.get(action);
    if (target == null) {
      return complete(
          Json.error(
              StatusCodes.NOT_FOUND,
              "no such node action: " + action + "; use one of " + new java.util.TreeSet<>(ACTIONS.keySet())));
    }
    return changeNode(
        nodeId, replyTo -> new ComputeNode.ChangeStatus(target, "admin " + action, replyTo));
  }

  /**
   * Drains a node; with {@code move=true} its pool's scheduler also moves its containers to other
   * nodes, in the background, and the reply comes once that is requested.
   */
  private Route drain(String nodeId, String move) {
    if (!move.equals("true") && !move.equals("false")) {
      return complete(
          Json.error(StatusCodes.BAD_REQUEST, "invalid move value \"" + move + "\": use true or false"));
    }
    boolean moving = move.equals("true");
    String reason = moving ? "admin drain, moving containers" : "admin drain";
    return changeNode(
        nodeId,
        replyTo -> new ComputeNode.ChangeStatus(NodeStatus.DRAINING, reason, replyTo),
        drained -> moving ? pools.evacuate(drained) : CompletableFuture.completedFuture(drained));
  }

  private Route updateLabels(String nodeId) {
    return entity(
        Unmarshaller.entityToString(),
        body -> {
          Map<String, String> labels;
          try {
            labels = Json.MAPPER.readValue(body, new TypeReference<Map<String, String>>() {});
          } catch (JsonProcessingException e) {
            return complete(
                Json.error(
                    StatusCodes.BAD_REQUEST,
                    "invalid JSON: expected an object of string labels: " + e.getOriginalMessage()));
          }
          return changeNode(nodeId, replyTo -> new ComputeNode.UpdateLabels(labels, replyTo));
        });
  }

  /**
   * Sends a change to a registered node and completes with its new view: 404 for a node never
   * registered, 409 with the entity's reason when it rejects the change.
   */
  private Route changeNode(
      String nodeId,
      java.util.function.Function<
              org.apache.pekko.actor.typed.ActorRef<org.apache.pekko.pattern.StatusReply<ComputeNode.State>>,
              ComputeNode.Command>
          command) {
    return changeNode(nodeId, command, CompletableFuture::completedFuture);
  }

  /** Sends a change to a registered node, then runs {@code then} on its new state before replying. */
  private Route changeNode(
      String nodeId,
      java.util.function.Function<
              org.apache.pekko.actor.typed.ActorRef<org.apache.pekko.pattern.StatusReply<ComputeNode.State>>,
              ComputeNode.Command>
          command,
      java.util.function.Function<ComputeNode.State, CompletionStage<ComputeNode.State>> then) {
    return withRegisteredNode(
        nodeId,
        state ->
            sharding
                .entityRefFor(ComputeNode.TYPE_KEY, nodeId)
                .<ComputeNode.State>askWithStatus(command::apply, askTimeout)
                .thenCompose(then)
                .thenApply(changed -> Json.ok(nodeView(changed)))
                .exceptionally(
                    error -> Json.error(StatusCodes.CONFLICT, rootCause(error).getMessage())));
  }

  static Throwable rootCause(Throwable error) {
    Throwable cause = error;
    while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /** Returns the scheduler's placement decision for a container given by id, name or id prefix. */
  private Route placement(String reference) {
    return onSuccess(
        containerDirectory.find(reference),
        container -> {
          if (container.placement() == null) {
            return complete(
                Json.error(
                    StatusCodes.NOT_FOUND,
                    "container " + container.containerId() + " has not been placed"));
          }
          return complete(Json.ok(container.placement()));
        });
  }

  static Map<String, Object> nodeView(ComputeNode.State state) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("id", state.nodeId());
    view.put("pool", state.pool());
    view.put("status", state.status().lowerCase());
    view.put("labels", state.labels());
    view.put("capacity", resourcesView(state.capacity()));
    view.put("reserved", resourcesView(state.reserved()));
    view.put("containers", state.reservations().size());
    view.put("statusChangedAt", state.statusChangedAt().toString());
    return view;
  }

  static Map<String, Object> resourcesView(Resources resources) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("cpus", resources.cpuMillis() / 1000.0);
    view.put("memoryBytes", resources.memoryBytes());
    view.put("diskBytes", resources.diskBytes());
    return view;
  }

  private ExceptionHandler exceptionHandler() {
    return ExceptionHandler.newBuilder().matchAny(this::failed).build();
  }

  /** Completes a failed request: with the status its exception names, or 503 for any other. */
  private Route failed(Throwable error) {
    Throwable cause = rootCause(error);
    if (cause instanceof AdminApiException admin) {
      return complete(Json.error(admin.status(), admin.getMessage()));
    }
    if (cause instanceof DockerApiException docker) {
      return complete(Json.error(docker.status(), docker.getMessage()));
    }
    log.warn("admin request failed error={}", cause.toString());
    return complete(
        Json.error(StatusCodes.SERVICE_UNAVAILABLE, "request failed: " + cause.getMessage()));
  }

  /** Pekko's default rejections, with their plain-text bodies turned into JSON messages. */
  private RejectionHandler rejectionHandler() {
    return RejectionHandler.newBuilder()
        .handleNotFound(
            extractUnmatchedPath(
                path ->
                    extractUri(
                        uri ->
                            complete(
                                Json.error(
                                    StatusCodes.NOT_FOUND, "no such admin route: " + uri.path())))))
        .build()
        .withFallback(RejectionHandler.defaultHandler())
        .mapRejectionResponse(
            response -> {
              if (response.entity() instanceof HttpEntity.Strict strict
                  && !ContentTypes.APPLICATION_JSON.equals(strict.getContentType())) {
                String text = strict.getData().utf8String();
                return Json.error(response.status(), text).withHeaders(response.getHeaders());
              }
              return response;
            });
  }
}
