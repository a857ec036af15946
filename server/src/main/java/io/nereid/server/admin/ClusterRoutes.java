package io.nereid.server.admin;

import io.nereid.account.Account;
import io.nereid.container.Container;
import io.nereid.node.ComputeNode;
import io.nereid.scheduler.PoolScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery;
import org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * The cluster routes of the admin API: members with their roles and reachability, how the shards
 * of each entity type spread over the members, and the health of the journal's Cassandra.
 */
final class ClusterRoutes extends AllDirectives {

  /** The entity types whose shards {@code /v1/cluster/shards} reports. */
  private static final List<EntityTypeKey<?>> SHARDED_TYPES =
      List.of(
          ComputeNode.TYPE_KEY, Container.TYPE_KEY, Account.TYPE_KEY, PoolScheduler.TYPE_KEY);

  /** The configuration path of the journal plugin, whose Cassandra session is reused here. */
  private static final String JOURNAL_PLUGIN = "pekko.persistence.cassandra";

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final Duration askTimeout;

  ClusterRoutes(ActorSystem<?> system, ClusterSharding sharding, Duration askTimeout) {
    this.system = system;
    this.sharding = sharding;
    this.askTimeout = askTimeout;
  }

  Route routes() {
    return pathPrefix(
        "cluster",
        () ->
            concat(
                pathEnd(() -> get(() -> respond(status()))),
                path("members", () -> get(() -> complete(Json.ok(members())))),
                path("shards", () -> get(() -> respond(shards()))),
                path("cassandra", () -> get(() -> respond(cassandra())))));
  }

  private Route respond(CompletionStage<?> body) {
    return onSuccess(body, value -> complete(Json.ok(value)));
  }

  /** Returns members, shards and Cassandra in one document, for {@code nereid cluster status}. */
  private CompletionStage<Map<String, Object>> status() {
    CompletableFuture<Map<String, Object>> shards = shards().toCompletableFuture();
    CompletableFuture<Map<String, Object>> cassandra = cassandra().toCompletableFuture();
    return shards.thenCombine(
        cassandra,
        (shardView, cassandraView) -> {
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("members", members());
          body.put("shards", shardView);
          body.put("cassandra", cassandraView);
          return body;
        });
  }

  /** Returns the cluster's members in this member's view of the cluster state, with the leader marked. */
  Map<String, Object> members() {
    Cluster cluster = Cluster.get(system);
    var state = cluster.state();
    List<Map<String, Object>> members = new ArrayList<>();
    for (Member member : state.getMembers()) {
      Map<String, Object> view = new LinkedHashMap<>();
      view.put("address", member.address().toString());
      view.put("status", member.status().toString().toLowerCase());
      view.put("roles", new java.util.TreeSet<>(member.getRoles()));
      view.put("reachable", !state.getUnreachable().contains(member));
      view.put("leader", member.address().equals(state.getLeader()));
      view.put("self", member.equals(cluster.selfMember()));
      members.add(view);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("self", cluster.selfMember().address().toString());
    body.put("leader", state.getLeader() == null ? null : state.getLeader().toString());
    body.put("members", members);
    body.put("unreachable", state.getUnreachable().size());
    return body;
  }

  /**
   * Returns, for each entity type, the shards and entity count on each member, from Pekko's
   * cluster sharding statistics. A region that did not answer in time is listed in {@code
   * failed}.
   */
  CompletionStage<Map<String, Object>> shards() {
    Map<String, CompletableFuture<Map<String, Object>>> types = new LinkedHashMap<>();
    for (EntityTypeKey<?> type : SHARDED_TYPES) {
      CompletionStage<ShardRegion.ClusterShardingStats> stats =
          AskPattern.<ClusterShardingQuery, ShardRegion.ClusterShardingStats>ask(
              sharding.shardState(),
              replyTo -> new GetClusterShardingStats(type, askTimeout, replyTo),
              askTimeout.plusSeconds(1),
              system.scheduler());
      types.put(type.name(), stats.thenApply(ClusterRoutes::regionsView).toCompletableFuture());
    }
    return CompletableFuture.allOf(types.values().toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              Map<String, Object> body = new LinkedHashMap<>();
              types.forEach((name, view) -> body.put(name, view.join()));
              return body;
            });
  }

  private static Map<String, Object> regionsView(ShardRegion.ClusterShardingStats stats) {
    Map<String, Object> regions = new TreeMap<>();
    int shardTotal = 0;
    long entityTotal = 0;
    for (var region : stats.getRegions().entrySet()) {
      Map<String, Object> view = new LinkedHashMap<>();
      long entities = 0;
      for (Object count : region.getValue().getStats().values()) {
        entities += ((Number) count).longValue();
      }
      view.put("shards", region.getValue().getStats().size());
      view.put("entities", entities);
      view.put("failed", new java.util.TreeSet<>(region.getValue().getFailed()));
      regions.put(region.getKey().toString(), view);
      shardTotal += region.getValue().getStats().size();
      entityTotal += entities;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("shards", shardTotal);
    body.put("entities", entityTotal);
    body.put("regions", regions);
    return body;
  }

  /**
   * Returns whether the journal's Cassandra responds, with its release version, the number of
   * nodes in the contact point's peers table and how long the queries took.
   */
  CompletionStage<Map<String, Object>> cassandra() {
    long started = System.nanoTime();
    CassandraSession session =
        CassandraSessionRegistry.get(system.classicSystem()).sessionFor(JOURNAL_PLUGIN);
    CompletionStage<Map<String, Object>> described =
        session
            .selectOne("SELECT release_version, data_center FROM system.local")
            .thenCombine(
                session.selectAll("SELECT peer FROM system.peers"),
                (local, peers) -> {
                  Map<String, Object> body = new LinkedHashMap<>();
                  body.put("status", "up");
                  body.put("releaseVersion", local.map(row -> row.getString("release_version")).orElse(""));
                  body.put("dataCenter", local.map(row -> row.getString("data_center")).orElse(""));
                  body.put("nodes", peers.size() + 1);
                  body.put("latencyMillis", (System.nanoTime() - started) / 1_000_000);
                  return body;
                });
    return described.exceptionally(
        error -> {
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("status", "down");
          body.put("error", AdminRoutes.rootCause(error).getMessage());
          return body;
        });
  }
}
