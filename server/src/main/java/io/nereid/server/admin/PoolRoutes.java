package io.nereid.server.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.nereid.node.ComputeNode;
import io.nereid.entity.EntityIds;
import io.nereid.node.NodeDirectory;
import io.nereid.node.NodeStatus;
import io.nereid.node.Overcommit;
import io.nereid.node.Resources;
import io.nereid.scheduler.PoolDensity;
import io.nereid.scheduler.PoolScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.pattern.StatusReply;

/**
 * The pool routes of the admin API: {@code GET /v1/pools}, {@code GET /v1/pools/{pool}} and
 * {@code PUT /v1/pools/{pool}}, served from each pool's scheduler. A pool exists while at least
 * one node has registered in it.
 */
final class PoolRoutes extends AllDirectives {

  private final NodeDirectory nodes;
  private final EntityIds entityIds;
  private final ClusterSharding sharding;
  private final Duration askTimeout;

  PoolRoutes(NodeDirectory nodes, EntityIds entityIds, ClusterSharding sharding, Duration askTimeout) {
    this.nodes = nodes;
    this.entityIds = entityIds;
    this.sharding = sharding;
    this.askTimeout = askTimeout;
  }

  /** Returns the routes, to be nested under {@code /v1}. */
  Route routes() {
    return concat(
        path("pools", () -> get(this::listPools)),
        path(
            PathMatchers.segment("pools").slash(PathMatchers.segment()),
            pool -> concat(get(() -> getPool(pool)), put(() -> changePolicy(pool)))));
  }

  /** Lists every pool that a registered node belongs to, from its scheduler's view, without its nodes. */
  private Route listPools() {
    CompletionStage<List<Map<String, Object>>> pools =
        nodes
            .nodes()
            .thenCompose(
                states -> {
                  TreeSet<String> names = new TreeSet<>();
                  for (ComputeNode.State state : states) {
                    if (state.status() != NodeStatus.DECOMMISSIONED && !state.pool().isEmpty()) {
                      names.add(state.pool());
                    }
                  }
                  List<CompletableFuture<Map<String, Object>>> views = new ArrayList<>();
                  for (String name : names) {
                    views.add(summary(name).thenApply(PoolRoutes::poolView).toCompletableFuture());
                  }
                  return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new))
                      .thenApply(done -> views.stream().map(CompletableFuture::join).toList());
                });
    return onSuccess(pools, list -> complete(Json.ok(list)));
  }

  private Route getPool(String pool) {
    return onSuccess(
        knownSummary(pool),
        summary ->
            complete(
                summary
                    .map(present -> Json.ok(poolDetails(present)))
                    .orElseGet(() -> Json.error(StatusCodes.NOT_FOUND, "no such pool: " + pool))));
  }

  /**
   * Changes the pool's strategy or overcommit ratios from a body such as {@code {"strategy":
   * "spread", "overcommit": {"memory": 1.5}}}; a field left out keeps its value.
   */
  private Route changePolicy(String pool) {
    return entity(
        Unmarshaller.entityToString(),
        body -> {
          PolicyChange change;
          try {
            change = PolicyChange.parse(body);
          } catch (IllegalArgumentException e) {
            return complete(Json.error(StatusCodes.BAD_REQUEST, e.getMessage()));
          }
          CompletionStage<HttpResponse> outcome =
              knownSummary(pool)
                  .thenCompose(
                      current -> {
                        if (current.isEmpty()) {
                          return CompletableFuture.completedFuture(
                              Json.error(StatusCodes.NOT_FOUND, "no such pool: " + pool));
                        }
                        return sharding
                            .entityRefFor(PoolScheduler.TYPE_KEY, pool)
                            .<StatusReply<PoolScheduler.PoolSummary>>ask(
                                replyTo ->
                                    new PoolScheduler.ChangePolicy(
                                        change.strategy(), change.overcommit(), replyTo),
                                askTimeout)
                            .thenApply(
                                reply ->
                                    reply.isSuccess()
                                        ? Json.ok(poolDetails(reply.getValue()))
                                        : Json.error(
                                            StatusCodes.BAD_REQUEST, reply.getError().getMessage()));
                      });
          return onSuccess(outcome, this::complete);
        });
  }

  /**
   * Asks the node's pool scheduler to move the containers of the draining node to other nodes, in
   * the background; completes with the node's state once the request is persisted.
   */
  CompletionStage<ComputeNode.State> evacuate(ComputeNode.State drained) {
    return sharding
        .entityRefFor(PoolScheduler.TYPE_KEY, drained.pool())
        .<org.apache.pekko.Done>askWithStatus(
            replyTo -> new PoolScheduler.Evacuate(drained, replyTo), askTimeout)
        .thenApply(done -> drained);
  }

  /**
   * Returns the summary of a pool with nodes; empty for any other name, without starting a
   * scheduler for a pool that never had one.
   */
  private CompletionStage<Optional<PoolScheduler.PoolSummary>> knownSummary(String pool) {
    return entityIds
        .exists(PoolScheduler.TYPE_KEY.name(), pool)
        .thenCompose(
            known ->
                known
                    ? summary(pool).thenApply(Optional::of)
                    : CompletableFuture.completedFuture(Optional.<PoolScheduler.PoolSummary>empty()))
        .thenApply(summary -> summary.filter(present -> !present.nodes().isEmpty()));
  }

  private CompletionStage<PoolScheduler.PoolSummary> summary(String pool) {
    return sharding
        .entityRefFor(PoolScheduler.TYPE_KEY, pool)
        .ask(PoolScheduler.GetPool::new, askTimeout);
  }

  /** Returns the pool's policy, totals and density, without the list of nodes. */
  static Map<String, Object> poolView(PoolScheduler.PoolSummary summary) {
    Resources capacity = Resources.NONE;
    Resources reserved = Resources.NONE;
    for (ComputeNode.State node : summary.nodes()) {
      capacity = capacity.plus(node.capacity());
      reserved = reserved.plus(node.reserved());
    }
    Overcommit overcommit = summary.policy().overcommit();
    PoolDensity density = PoolDensity.of(summary.nodes(), overcommit);

    Map<String, Object> view = new LinkedHashMap<>();
    view.put("pool", summary.pool());
    view.put("strategy", summary.strategy());
    view.put("overcommit", overcommitView(overcommit));
    view.put("nodeCount", summary.nodes().size());
    view.put("capacity", AdminRoutes.resourcesView(capacity));
    view.put("reserved", AdminRoutes.resourcesView(reserved));
    Map<String, Object> densityView = new LinkedHashMap<>();
    densityView.put("nodesUsed", density.nodesUsed());
    densityView.put("lowerBound", density.lowerBound());
    densityView.put("ratio", density.ratio());
    view.put("density", densityView);
    view.put("scheduler", summary.member());
    return view;
  }

  /** Returns the pool's view with each of its nodes. */
  static Map<String, Object> poolDetails(PoolScheduler.PoolSummary summary) {
    Map<String, Object> view = poolView(summary);
    view.put("nodes", summary.nodes().stream().map(AdminRoutes::nodeView).toList());
    return view;
  }

  private static Map<String, Object> overcommitView(Overcommit overcommit) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("cpu", overcommit.cpu());
    view.put("memory", overcommit.memory());
    view.put("disk", overcommit.disk());
    return view;
  }

  /**
   * The body of {@code PUT /v1/pools/{pool}}, checked for shape here; the scheduler checks the
   * values.
   *
   * @param strategy the new strategy, or null to keep it
   * @param overcommit the new ratios by dimension; dimensions left out keep theirs
   */
  record PolicyChange(String strategy, Map<String, Double> overcommit) {

    static PolicyChange parse(String body) {
      JsonNode root;
      try {
        root = Json.MAPPER.readTree(body);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("invalid JSON: " + e.getOriginalMessage());
      }
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException(
            "invalid body: expected an object such as {\"strategy\": \"spread\", \"overcommit\": {\"memory\": 1.5}}");
      }
      String strategy = null;
      Map<String, Double> overcommit = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> fields = root.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        switch (field.getKey()) {
          case "strategy" -> {
            if (!field.getValue().isTextual()) {
              throw new IllegalArgumentException("invalid strategy: expected a string such as \"spread\"");
            }
            strategy = field.getValue().asText();
          }
          case "overcommit" -> overcommit = ratios(field.getValue());
          default -> throw new IllegalArgumentException(
              "unknown field \"" + field.getKey() + "\": use strategy and overcommit");
        }
      }
      return new PolicyChange(strategy, overcommit);
    }

    private static Map<String, Double> ratios(JsonNode node) {
      if (!node.isObject()) {
        throw new IllegalArgumentException(
            "invalid overcommit: expected an object of ratios such as {\"memory\": 1.5}");
      }
      Map<String, Double> ratios = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        if (!field.getValue().isNumber()) {
          throw new IllegalArgumentException(
              "invalid " + field.getKey() + " overcommit ratio " + field.getValue() + ": expected a number");
        }
        ratios.put(field.getKey(), field.getValue().asDouble());
      }
      return ratios;
    }
  }
}
