package io.nereid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.nereid.container.Container;
import io.nereid.container.ContainerSpec;
import io.nereid.node.ComputeNode;
import io.nereid.scheduler.ContainerPlacement;
import io.nereid.persistence.NereidConfig;
import io.nereid.node.NodeStatus;
import io.nereid.node.Reservation;
import io.nereid.node.Resources;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dev mode end to end: embedded Cassandra, one member, virtual nodes and the admin API, then a
 * stop and a restart on the same data directory.
 */
class DevModeTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  @TempDir Path dataDir;

  private final HttpClient http = HttpClient.newHttpClient();

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private Config config(int cqlPort, int storagePort) {
    Config loaded =
        NereidConfig.load(
            ConfigFactory.parseMap(
                Map.of(
                    "nereid.data-dir", dataDir.toString(),
                    "nereid.admin.port", 0,
                    "nereid.docker.port", 0,
                    "nereid.cassandra.embedded.cql-port", cqlPort,
                    "nereid.cassandra.embedded.storage-port", storagePort,
                    "nereid.dev.virtual-nodes", 3,
                    "nereid.dev.node-memory", "4g",
                    "nereid.dev.node-cpus", 2)));
    return MemberRuntime.devConfig(loaded);
  }

  private HttpResponse<String> get(MemberRuntime runtime, String path) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + runtime.member().adminPort() + path);
    return http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode nodes(MemberRuntime runtime) throws Exception {
    HttpResponse<String> response = get(runtime, "/v1/nodes");
    assertEquals(200, response.statusCode(), response.body());
    return JSON.readTree(response.body());
  }

  private static JsonNode node(JsonNode nodes, String id) {
    for (JsonNode node : nodes) {
      if (node.get("id").asText().equals(id)) {
        return node;
      }
    }
    throw new AssertionError("no node " + id + " in " + nodes);
  }

  @Test
  void nodesSurviveRestart() throws Exception {
    int cqlPort = freePort();
    int storagePort = freePort();
    long cassandraPid;
    String webNode;

    try (MemberRuntime runtime = MemberRuntime.start(config(cqlPort, storagePort), true)) {
      cassandraPid = runtime.cassandra().orElseThrow().pid();
      JsonNode nodes = nodes(runtime);
      assertEquals(3, nodes.size(), nodes.toString());
      JsonNode first = node(nodes, "dev-node-1");
      assertEquals("ready", first.get("status").asText());
      assertEquals(2.0, first.get("capacity").get("cpus").asDouble());
      assertEquals(4L << 30, first.get("capacity").get("memoryBytes").asLong());
      assertEquals("default", first.get("pool").asText());

      ClusterSharding sharding = runtime.member().sharding();
      Done reserved =
          sharding
              .entityRefFor(ComputeNode.TYPE_KEY, "dev-node-1")
              .<Done>askWithStatus(
                  replyTo -> new ComputeNode.Reserve("c1", Reservation.of(new Resources(500, 1L << 30, 0)), replyTo), TIMEOUT)
              .toCompletableFuture()
              .get(20, TimeUnit.SECONDS);
      assertEquals(Done.getInstance(), reserved);
      sharding
          .entityRefFor(ComputeNode.TYPE_KEY, "dev-node-2")
          .<ComputeNode.State>askWithStatus(
              replyTo -> new ComputeNode.ChangeStatus(NodeStatus.CORDONED, "test", replyTo), TIMEOUT)
          .toCompletableFuture()
          .get(20, TimeUnit.SECONDS);

      JsonNode pool = JSON.readTree(get(runtime, "/v1/pools/default").body());
      assertEquals("bin-pack", pool.get("strategy").asText());
      assertEquals(3, pool.get("nodes").size(), pool.toString());
      assertEquals(404, get(runtime, "/v1/pools/elsewhere").statusCode());

      String containerId = "e".repeat(64);
      sharding
          .entityRefFor(Container.TYPE_KEY, containerId)
          .<Container.State>askWithStatus(
              replyTo ->
                  new Container.Create(
                      "default", "web", ContainerSpec.of("busybox", List.of("true")).withMemory(1L << 30), replyTo),
              TIMEOUT)
          .toCompletableFuture()
          .get(20, TimeUnit.SECONDS);
      Container.State placed =
          new ContainerPlacement(sharding, "default", TIMEOUT)
              .place(containerId)
              .toCompletableFuture()
              .get(20, TimeUnit.SECONDS);
      webNode = placed.nodeId();
      HttpResponse<String> placement = get(runtime, "/v1/containers/" + containerId + "/placement");
      assertEquals(200, placement.statusCode(), placement.body());
      JsonNode decision = JSON.readTree(placement.body());
      assertEquals(placed.nodeId(), decision.get("nodeId").asText());
      assertEquals("bin-pack", decision.get("strategy").asText());
      assertEquals(placed.nodeId(), decision.get("candidates").get(0).get("nodeId").asText());
      assertEquals("not ready (cordoned)", decision.get("rejections").get(0).get("reason").asText());
      assertEquals(404, get(runtime, "/v1/containers/" + "0".repeat(64) + "/placement").statusCode());

      HttpResponse<String> health = get(runtime, "/v1/health");
      assertEquals(200, health.statusCode(), health.body());
      assertEquals("up", JSON.readTree(health.body()).get("cassandra").asText());

      HttpResponse<String> missing = get(runtime, "/v1/nothing");
      assertEquals(404, missing.statusCode());
      assertEquals("no such admin route: /v1/nothing", JSON.readTree(missing.body()).get("message").asText());
    }
    assertFalse(
        ProcessHandle.of(cassandraPid).map(ProcessHandle::isAlive).orElse(false),
        "Cassandra stopped with the runtime");

    try (MemberRuntime restarted = MemberRuntime.start(config(cqlPort, storagePort), true)) {
      JsonNode nodes = nodes(restarted);
      assertEquals(3, nodes.size(), nodes.toString());
      // Bin-pack put the 1 GiB container on the node that already held c1.
      assertEquals("dev-node-1", webNode);
      JsonNode first = node(nodes, "dev-node-1");
      assertEquals(2, first.get("containers").asInt());
      assertEquals(2L << 30, first.get("reserved").get("memoryBytes").asLong());
      assertEquals(0.5, first.get("reserved").get("cpus").asDouble());
      assertEquals("cordoned", node(nodes, "dev-node-2").get("status").asText());
      assertEquals("ready", node(nodes, "dev-node-3").get("status").asText());
      assertTrue(restarted.cassandra().isPresent());
    }
  }
}
