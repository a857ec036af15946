package io.nereid.server.admin;

import io.nereid.container.Container;
import io.nereid.container.ContainerStatus;
import io.nereid.node.ComputeNode;
import io.nereid.node.NodeDirectory;
import io.nereid.node.Resources;
import io.nereid.scheduler.PoolScheduler;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
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

  public AdminRoutes(
      NodeDirectory nodes, HealthCheck health, ClusterSharding sharding, Duration askTimeout) {
    this.nodes = nodes;
    this.health = health;
    this.sharding = sharding;
    this.askTimeout = askTimeout;
  }

  public Route routes() {
    Route v1 =
        pathPrefix(
            "v1",
            () ->
                concat(
                    path("health", () -> get(this::health)),
                    path("nodes", () -> get(this::listNodes)),
                    path(
                        PathMatchers.segment("pools").slash(PathMatchers.segment()),
                        pool -> get(() -> pool(pool))),
                    path(
                        PathMatchers.segment("containers")
                            .slash(PathMatchers.segment())
                            .slash("placement"),
                        containerId -> get(() -> placement(containerId)))));
    return handleExceptions(exceptionHandler(), () -> handleRejections(rejectionHandler(), () -> v1));
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

  private Route listNodes() {
    CompletionStage<List<Map<String, Object>>> views =
        nodes.nodes().thenApply(states -> states.stream().map(AdminRoutes::nodeView).toList());
    return onSuccess(views, list -> complete(Json.ok(list)));
  }

  /** The pool as its scheduler sees it, and which member hosts the scheduler. */
  private Route pool(String pool) {
    CompletionStage<PoolScheduler.PoolSummary> summary =
        sharding.entityRefFor(PoolScheduler.TYPE_KEY, pool).ask(PoolScheduler.GetPool::new, askTimeout);
    return onSuccess(
        summary,
        view -> {
          if (view.nodes().isEmpty()) {
            return complete(Json.error(StatusCodes.NOT_FOUND, "no such pool: " + pool));
          }
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("pool", view.pool());
          body.put("strategy", view.strategy());
          body.put("scheduler", view.member());
          body.put("nodes", view.nodes().stream().map(AdminRoutes::nodeView).toList());
          return complete(Json.ok(body));
        });
  }

  /** Why the scheduler put a container where it is. */
  private Route placement(String containerId) {
    CompletionStage<Container.State> state =
        sharding.entityRefFor(Container.TYPE_KEY, containerId).ask(Container.Get::new, askTimeout);
    return onSuccess(
        state,
        container -> {
          if (container.status() == ContainerStatus.NEW) {
            return complete(Json.error(StatusCodes.NOT_FOUND, "no such container: " + containerId));
          }
          if (container.placement() == null) {
            return complete(
                Json.error(
                    StatusCodes.NOT_FOUND, "container " + containerId + " has not been placed"));
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

  private static Map<String, Object> resourcesView(Resources resources) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("cpus", resources.cpuMillis() / 1000.0);
    view.put("memoryBytes", resources.memoryBytes());
    view.put("diskBytes", resources.diskBytes());
    return view;
  }

  private ExceptionHandler exceptionHandler() {
    return ExceptionHandler.newBuilder()
        .matchAny(
            error -> {
              log.warn("admin request failed error={}", error.toString());
              return complete(
                  Json.error(StatusCodes.SERVICE_UNAVAILABLE, "request failed: " + error.getMessage()));
            })
        .build();
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
