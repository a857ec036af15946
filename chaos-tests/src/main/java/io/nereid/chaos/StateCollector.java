package io.nereid.chaos;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.fasterxml.jackson.databind.JsonNode;
import io.nereid.node.Resources;
import io.nereid.persistence.CassandraSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the state of a healed cluster for the checkers: nodes and reservations through the admin
 * API, containers through the Docker API, and the journal straight from Cassandra at quorum.
 */
final class StateCollector {

  private final LoopbackCluster cluster;
  private final LoopbackHttp http = new LoopbackHttp();

  StateCollector(LoopbackCluster cluster) {
    this.cluster = cluster;
  }

  ClusterState collect(Collection<String> containerIds) {
    return new ClusterState(nodes(), containers(containerIds), journal(), members());
  }

  List<ClusterState.Node> nodes() {
    List<ClusterState.Node> nodes = new ArrayList<>();
    int admin = cluster.adminPorts().get(0);
    for (MemberProcess compute : cluster.computes()) {
      String id = compute.nodeId();
      LoopbackHttp.Reply reply = http.get(admin, "/v1/nodes/" + id);
      if (reply.status() != 200) {
        throw new IllegalStateException("cannot read node " + id + ": " + reply.status() + " " + reply.body());
      }
      JsonNode body = LoopbackCluster.parse(reply.body());
      Map<String, Resources> reservations = new LinkedHashMap<>();
      body.path("reservations")
          .fields()
          .forEachRemaining(entry -> reservations.put(entry.getKey(), resources(entry.getValue().path("reserved"))));
      nodes.add(
          new ClusterState.Node(id, body.path("status").asText(), resources(body.path("capacity")), reservations));
    }
    return nodes;
  }

  /**
   * Inspects each container through the first control member's Docker API. A request that gets
   * no clear answer is repeated a few times before the container counts as not observed.
   */
  Map<String, ClusterState.Container> containers(Collection<String> ids) {
    Map<String, ClusterState.Container> containers = new LinkedHashMap<>();
    int docker = cluster.dockerPorts().get(0);
    for (String id : ids) {
      for (int attempt = 0; attempt < 5; attempt++) {
        LoopbackHttp.Reply reply = http.get(docker, "/containers/" + id + "/json");
        if (reply.status() == 404) {
          containers.put(id, new ClusterState.Container(id, ClusterState.Container.REMOVED, ""));
          break;
        }
        if (reply.status() == 200) {
          JsonNode body = LoopbackCluster.parse(reply.body());
          String node = body.path("Node").isTextual() ? body.path("Node").asText() : "";
          containers.put(id, new ClusterState.Container(id, body.path("State").path("Status").asText(), node));
          break;
        }
        CassandraRing.sleep(Duration.ofSeconds(1));
      }
    }
    return containers;
  }

  /** Reads every journal row at quorum, ordered by entity and sequence number. */
  List<ClusterState.JournalRow> journal() {
    CassandraSettings settings = SchemaSetup.settings(cluster.ring().contactPoints());
    List<ClusterState.JournalRow> rows = new ArrayList<>();
    try (CqlSession session = SchemaSetup.open(cluster.ring().contactPoints(), settings)) {
      SimpleStatement select =
          SimpleStatement.newInstance(
                  "SELECT persistence_id, sequence_nr, writer_uuid FROM "
                      + settings.journalKeyspace()
                      + ".messages")
              .setConsistencyLevel(DefaultConsistencyLevel.QUORUM)
              .setTimeout(Duration.ofSeconds(30))
              .setPageSize(1000);
      for (Row row : session.execute(select)) {
        rows.add(
            new ClusterState.JournalRow(
                row.getString("persistence_id"), row.getLong("sequence_nr"), row.getString("writer_uuid")));
      }
    }
    return rows;
  }

  /**
   * Asks each control member for its health: up, Cassandra reachable, and every member of the
   * cluster known to it. A compute member counts as up when it runs and its node is ready.
   */
  List<ClusterState.Member> members() {
    List<ClusterState.Member> members = new ArrayList<>();
    List<JsonNode> reports = cluster.health();
    int expectedMembers = cluster.controls().size() + cluster.computes().size();
    for (int i = 0; i < reports.size(); i++) {
      MemberProcess member = cluster.controls().get(i);
      JsonNode report = reports.get(i);
      boolean healthy =
          report != null
              && "ok".equals(report.path("status").asText())
              && report.path("members").asInt() == expectedMembers;
      members.add(
          new ClusterState.Member(
              member.name(), member.isAlive(), healthy, report == null ? "no answer" : report.toString()));
    }
    Map<String, String> nodeStatus = new LinkedHashMap<>();
    for (ClusterState.Node node : nodes()) {
      nodeStatus.put(node.id(), node.status());
    }
    for (MemberProcess compute : cluster.computes()) {
      String status = nodeStatus.get(compute.nodeId());
      members.add(
          new ClusterState.Member(
              compute.name(),
              compute.isAlive(),
              "ready".equals(status),
              "node " + compute.nodeId() + " is " + status));
    }
    return members;
  }

  private static Resources resources(JsonNode view) {
    return new Resources(
        Math.round(view.path("cpus").asDouble() * 1000),
        view.path("memoryBytes").asLong(),
        view.path("diskBytes").asLong());
  }
}
