package io.nereid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.nereid.node.ComputeNode;
import io.nereid.node.Reservation;
import io.nereid.node.Resources;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node routes of the admin API against a running member, error cases included. */
class AdminApiTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Resources CAPACITY = new Resources(2000, 2L << 30, 10L << 30);
  private static final String TOKEN = "test-token-1234";

  @TempDir static Path dir;

  private static MemberRuntime runtime;

  @BeforeAll
  static void start() throws Exception {
    runtime =
        TestMember.start(
            "admin", dir, ConfigFactory.parseString("nereid.admin.token = \"" + TOKEN + "\""));
  }

  @AfterAll
  static void stop() {
    runtime.close();
  }

  private static HttpResponse<String> send(String method, String path, String body) throws Exception {
    return send(method, path, body, "Bearer " + TOKEN);
  }

  private static HttpResponse<String> send(
      String method, String path, String body, String authorization) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + runtime.member().adminPort() + path))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json");
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void missingTokenIs401() throws Exception {
    HttpResponse<String> response = send("GET", "/v1/nodes", null, null);

    assertEquals(401, response.statusCode());
    assertEquals(
        "missing bearer token; send Authorization: Bearer <nereid.admin.token>", message(response));
  }

  @Test
  void wrongTokenIs401() throws Exception {
    HttpResponse<String> response = send("POST", "/v1/nodes/any/cordon", null, "Bearer wrong");

    assertEquals(401, response.statusCode());
    assertEquals("invalid bearer token", message(response));
  }

  private static String message(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body()).get("message").asText();
  }

  @Test
  void cordonAndUncordon() throws Exception {
    TestMember.register(runtime, "admin-cordon", CAPACITY);

    HttpResponse<String> cordoned = send("POST", "/v1/nodes/admin-cordon/cordon", null);
    assertEquals(200, cordoned.statusCode(), cordoned.body());
    assertEquals("cordoned", JSON.readTree(cordoned.body()).get("status").asText());

    HttpResponse<String> ready = send("POST", "/v1/nodes/admin-cordon/uncordon", null);
    assertEquals("ready", JSON.readTree(ready.body()).get("status").asText());
  }

  @Test
  void unknownNodeIs404() throws Exception {
    HttpResponse<String> get = send("GET", "/v1/nodes/nowhere", null);
    HttpResponse<String> cordon = send("POST", "/v1/nodes/nowhere/cordon", null);

    assertEquals(404, get.statusCode());
    assertEquals("no such node: nowhere", message(get));
    assertEquals(404, cordon.statusCode());
    assertEquals("no such node: nowhere", message(cordon));
  }

  @Test
  void decommissionBusyNodeIs409() throws Exception {
    TestMember.register(runtime, "admin-busy", CAPACITY);
    runtime
        .member()
        .sharding()
        .entityRefFor(ComputeNode.TYPE_KEY, "admin-busy")
        .<Done>askWithStatus(
            replyTo -> new ComputeNode.Reserve("c1", Reservation.of(new Resources(100, 1L << 20, 0)), replyTo),
            TestMember.TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);

    HttpResponse<String> response = send("POST", "/v1/nodes/admin-busy/decommission", null);

    assertEquals(409, response.statusCode(), response.body());
    assertEquals(
        "node admin-busy still holds 1 containers; drain it and remove them before decommissioning",
        message(response));
    JsonNode node = JSON.readTree(send("GET", "/v1/nodes/admin-busy", null).body());
    assertEquals("ready", node.get("status").asText());
    assertEquals(1, node.get("reservations").size());
  }

  @Test
  void labelsReplacedAndInvalidJsonIs400() throws Exception {
    TestMember.register(runtime, "admin-labels", CAPACITY);

    HttpResponse<String> updated = send("PUT", "/v1/nodes/admin-labels/labels", "{\"rack\": \"r7\"}");
    HttpResponse<String> invalid = send("PUT", "/v1/nodes/admin-labels/labels", "{\"rack\": ");
    HttpResponse<String> wrongType = send("PUT", "/v1/nodes/admin-labels/labels", "[1, 2]");

    assertEquals(200, updated.statusCode(), updated.body());
    assertEquals("r7", JSON.readTree(updated.body()).get("labels").get("rack").asText());
    assertEquals(400, invalid.statusCode());
    assertEquals(400, wrongType.statusCode());
    assertEquals("r7", JSON.readTree(send("GET", "/v1/nodes/admin-labels", null).body()).get("labels").get("rack").asText());
  }

  @Test
  void unknownActionIs404() throws Exception {
    TestMember.register(runtime, "admin-action", CAPACITY);

    HttpResponse<String> response = send("POST", "/v1/nodes/admin-action/reboot", null);

    assertEquals(404, response.statusCode());
    assertEquals(
        "no such node action: reboot; use one of [cordon, decommission, drain, lost, uncordon]",
        message(response));
  }

  private static void reserve(String nodeId, String containerId, Resources amount) throws Exception {
    runtime
        .member()
        .sharding()
        .entityRefFor(ComputeNode.TYPE_KEY, nodeId)
        .<Done>askWithStatus(
            replyTo -> new ComputeNode.Reserve(containerId, Reservation.of(amount), replyTo),
            TestMember.TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  /** Waits until the pool's scheduler has seen {@code nodes} nodes. */
  private static JsonNode awaitPool(String pool, int nodes) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      HttpResponse<String> response = send("GET", "/v1/pools/" + pool, null);
      if (response.statusCode() == 200 && JSON.readTree(response.body()).get("nodeCount").asInt() == nodes) {
        return JSON.readTree(response.body());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("pool " + pool + " never had " + nodes + " nodes: " + response.body());
      }
      Thread.sleep(100);
    }
  }

  @Test
  void poolsListedWithDensity() throws Exception {
    TestMember.register(runtime, "dense-1", "dense", CAPACITY);
    TestMember.register(runtime, "dense-2", "dense", CAPACITY);
    reserve("dense-1", "d1", new Resources(500, 1L << 30, 0));
    reserve("dense-2", "d2", new Resources(500, 512L << 20, 0));
    awaitPool("dense", 2);

    HttpResponse<String> response = send("GET", "/v1/pools", null);

    assertEquals(200, response.statusCode(), response.body());
    JsonNode dense = null;
    for (JsonNode pool : JSON.readTree(response.body())) {
      if (pool.get("pool").asText().equals("dense")) {
        dense = pool;
      }
    }
    assertNotNull(dense, response.body());
    assertEquals(2, dense.get("nodeCount").asInt());
    assertEquals("bin-pack", dense.get("strategy").asText());
    assertEquals(1.0, dense.get("overcommit").get("memory").asDouble());
    assertEquals(4.0, dense.get("capacity").get("cpus").asDouble());
    assertEquals((1L << 30) + (512L << 20), dense.get("reserved").get("memoryBytes").asLong());
    // 1.5 GiB reserved fits one 2 GiB node, but two nodes are used.
    assertEquals(2, dense.get("density").get("nodesUsed").asInt());
    assertEquals(1, dense.get("density").get("lowerBound").asInt());
    assertEquals(2.0, dense.get("density").get("ratio").asDouble());
  }

  @Test
  void poolPolicyChangedByPut() throws Exception {
    TestMember.register(runtime, "tuned-1", "tuned", CAPACITY);
    awaitPool("tuned", 1);

    HttpResponse<String> changed =
        send("PUT", "/v1/pools/tuned", "{\"strategy\": \"spread\", \"overcommit\": {\"memory\": 1.5, \"cpu\": 2}}");
    JsonNode after = JSON.readTree(send("GET", "/v1/pools/tuned", null).body());

    assertEquals(200, changed.statusCode(), changed.body());
    assertEquals("spread", JSON.readTree(changed.body()).get("strategy").asText());
    assertEquals("spread", after.get("strategy").asText());
    assertEquals(1.5, after.get("overcommit").get("memory").asDouble());
    assertEquals(2.0, after.get("overcommit").get("cpu").asDouble());
    assertEquals(1.0, after.get("overcommit").get("disk").asDouble());
    assertEquals("tuned-1", after.get("nodes").get(0).get("id").asText());
  }

  @Test
  void poolPutRejectsBadInput() throws Exception {
    TestMember.register(runtime, "picky-1", "picky", CAPACITY);
    awaitPool("picky", 1);

    HttpResponse<String> invalidJson = send("PUT", "/v1/pools/picky", "{\"strategy\": ");
    HttpResponse<String> belowOne = send("PUT", "/v1/pools/picky", "{\"overcommit\": {\"memory\": 0.5}}");
    HttpResponse<String> notANumber = send("PUT", "/v1/pools/picky", "{\"overcommit\": {\"memory\": \"lots\"}}");
    HttpResponse<String> unknownStrategy = send("PUT", "/v1/pools/picky", "{\"strategy\": \"best\"}");
    HttpResponse<String> unknownField = send("PUT", "/v1/pools/picky", "{\"ratio\": 2}");
    HttpResponse<String> unknownPool = send("PUT", "/v1/pools/nowhere", "{\"strategy\": \"spread\"}");
    HttpResponse<String> noToken = send("PUT", "/v1/pools/picky", "{\"strategy\": \"spread\"}", null);

    assertEquals(400, invalidJson.statusCode());
    assertTrue(message(invalidJson).startsWith("invalid JSON: "), invalidJson.body());
    assertEquals(400, belowOne.statusCode());
    assertEquals(
        "invalid memory overcommit ratio 0.5: it must be a finite number of at least 1.0 (1.0 means no overcommit)",
        message(belowOne));
    assertEquals(400, notANumber.statusCode());
    assertEquals("invalid memory overcommit ratio \"lots\": expected a number", message(notANumber));
    assertEquals(400, unknownStrategy.statusCode());
    assertEquals("invalid strategy \"best\": use bin-pack, spread, first-fit or random", message(unknownStrategy));
    assertEquals(400, unknownField.statusCode());
    assertEquals("unknown field \"ratio\": use strategy and overcommit", message(unknownField));
    assertEquals(404, unknownPool.statusCode());
    assertEquals("no such pool: nowhere", message(unknownPool));
    assertEquals(401, noToken.statusCode());
    JsonNode unchanged = JSON.readTree(send("GET", "/v1/pools/picky", null).body());
    assertEquals("bin-pack", unchanged.get("strategy").asText());
    assertEquals(1.0, unchanged.get("overcommit").get("memory").asDouble());
  }

  @Test
  void drainWithMoveEmptiesNode() throws Exception {
    TestMember.register(runtime, "move-1", "move", CAPACITY);
    awaitPool("move", 1);
    var sharding = runtime.member().sharding();
    String id = "7".repeat(64);
    io.nereid.container.ContainerSpec spec =
        io.nereid.container.ContainerSpec.of("busybox", java.util.List.of("true")).withMemory(256L << 20);
    sharding
        .entityRefFor(io.nereid.container.Container.TYPE_KEY, id)
        .<io.nereid.container.Container.State>askWithStatus(
            replyTo -> new io.nereid.container.Container.Create("default", "mover", spec, replyTo), TestMember.TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    new io.nereid.scheduler.ContainerPlacement(sharding, "move", TestMember.TIMEOUT)
        .place(id)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    TestMember.register(runtime, "move-2", "move", CAPACITY);
    awaitPool("move", 2);

    HttpResponse<String> invalid = send("POST", "/v1/nodes/move-1/drain?move=yes", null);
    HttpResponse<String> drained = send("POST", "/v1/nodes/move-1/drain?move=true", null);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonNode node = JSON.readTree(send("GET", "/v1/nodes/move-1", null).body());
    while (node.get("containers").asInt() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
      node = JSON.readTree(send("GET", "/v1/nodes/move-1", null).body());
    }
    io.nereid.container.Container.State moved =
        sharding
            .entityRefFor(io.nereid.container.Container.TYPE_KEY, id)
            .ask(io.nereid.container.Container.Get::new, TestMember.TIMEOUT)
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);

    assertEquals(400, invalid.statusCode());
    assertEquals("invalid move value \"yes\": use true or false", message(invalid));
    assertEquals(200, drained.statusCode(), drained.body());
    assertEquals("draining", JSON.readTree(drained.body()).get("status").asText());
    assertEquals(0, node.get("containers").asInt(), node.toString());
    assertEquals("move-2", moved.nodeId());
    assertEquals("mover", moved.name());
    JsonNode target = JSON.readTree(send("GET", "/v1/nodes/move-2", null).body());
    assertEquals("mover", target.get("reservations").get(id).get("name").asText());
  }
}
