package io.nereid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

  /** The pool of the node that runs containers, apart from the nodes without an agent. */
  private static final String RUN_POOL = "agents";

  private static MemberRuntime runtime;
  private static ComputeAgents agents;

  @BeforeAll
  static void start() throws Exception {
    runtime =
        TestMember.start(
            "admin", dir, ConfigFactory.parseString("nereid.admin.token = \"" + TOKEN + "\""));
    TestMember.register(runtime, "admin-run", RUN_POOL, CAPACITY, Map.of());
    agents =
        ComputeAgents.start(
            runtime.member(),
            List.of("admin-run"),
            dir,
            TestMember.TIMEOUT);
    TestMember.importBusybox(runtime, dir);
  }

  @AfterAll
  static void stop() throws Exception {
    // A container a failed test left running would outlive the test run.
    for (JsonNode container : JSON.readTree(send("GET", "/v1/containers", null).body())) {
      send("DELETE", "/v1/containers/" + container.get("id").asText() + "?force=true", null);
    }
    agents.close();
    runtime.close();
  }

  /** Creates a container in the run pool through the Docker API; returns its id. */
  private static String dockerCreate(String name, String... cmd) throws Exception {
    Map<String, Object> body =
        Map.of("Image", "busybox", "Cmd", List.of(cmd), "Labels", Map.of("nereid.pool", RUN_POOL));
    HttpResponse<String> created =
        docker("POST", "/containers/create?name=" + name, JSON.writeValueAsString(body));
    assertEquals(201, created.statusCode(), created.body());
    return JSON.readTree(created.body()).get("Id").asText();
  }

  private static HttpResponse<String> docker(String method, String path, String body)
      throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + runtime.member().dockerPort() + "/v1.24" + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json")
            .build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
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
  void unknownLookupsStartNoEntities() throws Exception {
    JsonNode before = JSON.readTree(send("GET", "/v1/cluster/shards", null).body());
    for (int i = 0; i < 3; i++) {
      assertEquals(404, send("GET", "/v1/nodes/ghost-" + i, null).statusCode());
      assertEquals(404, send("GET", "/v1/pools/ghost-" + i, null).statusCode());
      assertEquals(404, send("PUT", "/v1/pools/ghost-" + i, "{\"strategy\": \"spread\"}").statusCode());
    }
    JsonNode after = JSON.readTree(send("GET", "/v1/cluster/shards", null).body());

    for (String type : List.of("ComputeNode", "PoolScheduler")) {
      assertEquals(
          before.path(type).path("entities").asLong(), after.path(type).path("entities").asLong(), type);
    }
  }

  @Test
  void decommissionBusyNodeIs409() throws Exception {
    TestMember.register(runtime, "admin-busy", CAPACITY);
    reserve("admin-busy", "c1", new Resources(100, 1L << 20, 0));

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
  void nodeListFilters() throws Exception {
    TestMember.register(runtime, "filter-a", "filters", CAPACITY, Map.of("rack", "r1", "disk", "ssd"));
    TestMember.register(runtime, "filter-b", "filters", CAPACITY, Map.of("rack", "r2"));
    TestMember.register(runtime, "filter-c", "filters", CAPACITY, Map.of("rack", "r1"));
    send("POST", "/v1/nodes/filter-c/cordon", null);

    assertEquals(List.of("filter-a", "filter-b", "filter-c"), nodeIds("/v1/nodes?pool=filters"));
    assertEquals(List.of("filter-a", "filter-c"), nodeIds("/v1/nodes?pool=filters&label=rack=r1"));
    assertEquals(
        List.of("filter-a"), nodeIds("/v1/nodes?pool=filters&label=rack=r1&label=disk=ssd"));
    assertEquals(List.of("filter-c"), nodeIds("/v1/nodes?pool=filters&status=cordoned"));
    assertEquals(
        List.of("filter-a", "filter-b", "filter-c"),
        nodeIds("/v1/nodes?pool=filters&status=ready,cordoned"));
    assertEquals(List.of(), nodeIds("/v1/nodes?pool=elsewhere"));
  }

  @Test
  void nodeListInvalidFilterIs400() throws Exception {
    HttpResponse<String> status = send("GET", "/v1/nodes?status=sleeping", null);
    HttpResponse<String> label = send("GET", "/v1/nodes?label=rack", null);

    assertEquals(400, status.statusCode());
    assertEquals(
        "invalid status \"sleeping\"; use one or more of [ready, cordoned, draining, lost,"
            + " decommissioned]",
        message(status));
    assertEquals(400, label.statusCode());
    assertEquals("invalid label filter \"rack\"; use label=key=value", message(label));
  }

  private static List<String> nodeIds(String path) throws Exception {
    HttpResponse<String> response = send("GET", path, null);
    assertEquals(200, response.statusCode(), response.body());
    List<String> ids = new ArrayList<>();
    JSON.readTree(response.body()).forEach(node -> ids.add(node.get("id").asText()));
    return ids;
  }

  @Test
  void nodeDetailsShowUtilizationAndReservations() throws Exception {
    TestMember.register(runtime, "admin-details", CAPACITY);
    reserve("admin-details", "c-details", new Resources(500, 1L << 30, 0));

    HttpResponse<String> response = send("GET", "/v1/nodes/admin-details", null);

    assertEquals(200, response.statusCode(), response.body());
    JsonNode node = JSON.readTree(response.body());
    assertEquals(2.0, node.get("capacity").get("cpus").asDouble());
    JsonNode utilization = node.get("utilization");
    assertEquals(0.25, utilization.get("cpus").get("fraction").asDouble());
    assertEquals(0.5, utilization.get("cpus").get("reserved").asDouble());
    assertEquals(0.5, utilization.get("memoryBytes").get("fraction").asDouble());
    assertEquals(1L << 30, utilization.get("memoryBytes").get("reserved").asLong());
    assertEquals(0.0, utilization.get("diskBytes").get("fraction").asDouble());
    JsonNode reservation = node.get("reservations").get("c-details");
    assertEquals("unknown", reservation.get("status").asText());
    assertEquals(1L << 30, reservation.get("reserved").get("memoryBytes").asLong());
  }

  private static void reserve(String nodeId, String containerId, Resources resources)
      throws Exception {
    runtime
        .member()
        .sharding()
        .entityRefFor(ComputeNode.TYPE_KEY, nodeId)
        .<Done>askWithStatus(
            replyTo -> new ComputeNode.Reserve(containerId, Reservation.of(resources), replyTo),
            TestMember.TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @Test
  void containerFoundByNameIdAndPrefix() throws Exception {
    String id = dockerCreate("finder", "true");

    HttpResponse<String> listed = send("GET", "/v1/containers?name=finder", null);
    HttpResponse<String> byName = send("GET", "/v1/containers/finder", null);
    HttpResponse<String> byPrefix = send("GET", "/v1/containers/" + id.substring(0, 12), null);
    HttpResponse<String> byId = send("GET", "/v1/containers/" + id, null);

    assertEquals(200, listed.statusCode(), listed.body());
    JsonNode entries = JSON.readTree(listed.body());
    assertEquals(1, entries.size());
    assertEquals(id, entries.get(0).get("id").asText());
    assertEquals("default", entries.get(0).get("account").asText());
    assertEquals("admin-run", entries.get(0).get("node").asText());
    for (HttpResponse<String> found : List.of(byName, byPrefix, byId)) {
      assertEquals(200, found.statusCode(), found.body());
      JsonNode container = JSON.readTree(found.body());
      assertEquals(id, container.get("id").asText());
      assertEquals("finder", container.get("name").asText());
      assertEquals("placed", container.get("status").asText());
      assertEquals("busybox", container.get("spec").get("image").asText());
      assertEquals("admin-run", container.get("placement").get("nodeId").asText());
    }
    for (String reference : List.of("finder", id.substring(0, 12), id)) {
      HttpResponse<String> placement = send("GET", "/v1/containers/" + reference + "/placement", null);
      assertEquals(200, placement.statusCode(), placement.body());
      assertEquals("admin-run", JSON.readTree(placement.body()).get("nodeId").asText());
    }
    HttpResponse<String> unknown = send("GET", "/v1/containers/no-such-one/placement", null);
    assertEquals(404, unknown.statusCode(), unknown.body());
  }

  @Test
  void unknownContainerIs404() throws Exception {
    for (String path :
        List.of("/v1/containers/nothing", "/v1/containers/nothing/history", "/v1/containers/" + "a".repeat(64))) {
      HttpResponse<String> response = send("GET", path, null);
      assertEquals(404, response.statusCode(), path);
      assertTrue(message(response).startsWith("no such container: "), response.body());
    }
    HttpResponse<String> removed = send("DELETE", "/v1/containers/nothing?force=true", null);
    assertEquals(404, removed.statusCode());
    assertEquals("no such container: nothing", message(removed));
  }

  @Test
  void historyAndForceRemoveOfRunningContainer() throws Exception {
    String id = dockerCreate("doomed", "sleep", "300");
    HttpResponse<String> started = docker("POST", "/containers/" + id + "/start", null);
    assertEquals(204, started.statusCode(), started.body());

    HttpResponse<String> refused = send("DELETE", "/v1/containers/doomed", null);
    HttpResponse<String> removed = send("DELETE", "/v1/containers/doomed?force=true", null);
    HttpResponse<String> history = send("GET", "/v1/containers/" + id + "/history", null);

    assertEquals(409, refused.statusCode(), refused.body());
    assertEquals(
        "cannot remove container \"/doomed\": container is running: stop the container before removing or force remove",
        message(refused));
    assertEquals(200, removed.statusCode(), removed.body());
    assertEquals("removed", JSON.readTree(removed.body()).get("status").asText());
    assertEquals(404, send("GET", "/v1/containers/doomed", null).statusCode());
    JsonNode node = JSON.readTree(send("GET", "/v1/nodes/admin-run", null).body());
    assertTrue(node.get("reservations").path(id).isMissingNode(), node.toString());

    assertEquals(200, history.statusCode(), history.body());
    List<String> types = new ArrayList<>();
    long previous = 0;
    Instant previousTime = Instant.EPOCH;
    for (JsonNode event : JSON.readTree(history.body())) {
      types.add(event.get("type").asText());
      assertEquals(previous + 1, event.get("sequenceNr").asLong());
      previous = event.get("sequenceNr").asLong();
      Instant timestamp = Instant.parse(event.get("timestamp").asText());
      assertFalse(timestamp.isBefore(previousTime), history.body());
      previousTime = timestamp;
    }
    assertEquals(
        List.of(
            "ContainerCreated",
            "ContainerPlaced",
            "StartRequested",
            "ContainerStarted",
            "ContainerRemoved"),
        types);
    JsonNode created = JSON.readTree(history.body()).get(0).get("event");
    assertEquals("doomed", created.get("name").asText());
  }

  @Test
  void quotaEnforcedOnDockerCreate() throws Exception {
    dockerCreate("quota-first", "true");
    JsonNode usage = JSON.readTree(send("GET", "/v1/accounts/default", null).body()).get("usage");
    long containers = usage.get("containers").asLong();
    long memory = usage.get("memoryBytes").asLong();
    try {
      HttpResponse<String> set =
          send("PUT", "/v1/accounts/default/quota", "{\"containers\": " + (containers + 1) + "}");
      assertEquals(200, set.statusCode(), set.body());
      assertEquals(containers + 1, JSON.readTree(set.body()).get("quota").get("containers").asLong());
      assertTrue(JSON.readTree(set.body()).get("quota").get("memoryBytes").isNull());
      dockerCreate("quota-fits", "true");

      HttpResponse<String> overCount =
          docker("POST", "/containers/create?name=quota-over", createBody(Map.of()));
      send("PUT", "/v1/accounts/default/quota", "{\"memoryBytes\": " + (memory + (512L << 20)) + "}");
      HttpResponse<String> overMemory =
          docker(
              "POST",
              "/containers/create?name=quota-big",
              createBody(Map.of("Memory", 1L << 30)));

      assertEquals(403, overCount.statusCode(), overCount.body());
      assertEquals(
          "quota exceeded for account default: "
              + (containers + 1)
              + " of "
              + (containers + 1)
              + " containers in use; remove a container or ask an operator to raise the quota",
          message(overCount));
      assertEquals(403, overMemory.statusCode(), overMemory.body());
      assertTrue(
          message(overMemory).startsWith("quota exceeded for account default: the container requests 1024 MiB of memory"),
          overMemory.body());
      assertEquals(404, send("GET", "/v1/containers/quota-over", null).statusCode());
      assertEquals(404, send("GET", "/v1/containers/quota-big", null).statusCode());
    } finally {
      send("PUT", "/v1/accounts/default/quota", "{}");
    }
    JsonNode unlimited = JSON.readTree(send("GET", "/v1/accounts/default", null).body()).get("quota");
    assertTrue(unlimited.get("containers").isNull(), unlimited.toString());
    HttpResponse<String> unknownField = send("PUT", "/v1/accounts/default/quota", "{\"widgets\": 3}");
    assertEquals(400, unknownField.statusCode());
    assertEquals(
        "invalid quota: unknown field \"widgets\", use containers, memoryBytes and cpus",
        message(unknownField));
  }

  private static String createBody(Map<String, Object> hostConfig) throws Exception {
    return JSON.writeValueAsString(
        Map.of(
            "Image", "busybox",
            "Cmd", List.of("true"),
            "Labels", Map.of("nereid.pool", RUN_POOL),
            "HostConfig", hostConfig));
  }

  @Test
  void accountsListedWithUsage() throws Exception {
    dockerCreate("counted", "true");

    HttpResponse<String> list = send("GET", "/v1/accounts", null);
    HttpResponse<String> one = send("GET", "/v1/accounts/default", null);
    HttpResponse<String> unknown = send("GET", "/v1/accounts/nobody", null);

    assertEquals(200, list.statusCode(), list.body());
    JsonNode accounts = JSON.readTree(list.body());
    assertEquals("default", accounts.get(0).get("id").asText());
    assertTrue(accounts.get(0).get("usage").get("containers").asLong() >= 1, list.body());
    assertEquals(200, one.statusCode(), one.body());
    List<String> names = new ArrayList<>();
    JSON.readTree(one.body()).get("containers").forEach(entry -> names.add(entry.get("name").asText()));
    assertTrue(names.contains("counted"), one.body());
    assertEquals(404, unknown.statusCode());
    assertEquals("no such account: nobody", message(unknown));
  }

  @Test
  void invalidQuotaIs400() throws Exception {
    for (String body : List.of("{\"containers\": ", "{\"containers\": -1}", "{\"cpus\": -0.5}", "{\"disks\": 3}", "[]")) {
      HttpResponse<String> response = send("PUT", "/v1/accounts/invalid-quota/quota", body);
      assertEquals(400, response.statusCode(), body);
      assertTrue(message(response).startsWith("invalid "), response.body());
    }
    assertEquals(404, send("GET", "/v1/accounts/invalid-quota", null).statusCode());
  }

  @Test
  void clusterShowsMembersShardsAndCassandra() throws Exception {
    TestMember.register(runtime, "admin-cluster", CAPACITY);

    HttpResponse<String> members = send("GET", "/v1/cluster/members", null);
    HttpResponse<String> shards = send("GET", "/v1/cluster/shards", null);
    HttpResponse<String> cassandra = send("GET", "/v1/cluster/cassandra", null);
    HttpResponse<String> status = send("GET", "/v1/cluster", null);

    assertEquals(200, members.statusCode(), members.body());
    JsonNode member = JSON.readTree(members.body()).get("members").get(0);
    assertEquals("up", member.get("status").asText());
    assertTrue(member.get("reachable").asBoolean());
    assertTrue(member.get("leader").asBoolean());
    List<String> roles = new ArrayList<>();
    member.get("roles").forEach(role -> roles.add(role.asText()));
    assertTrue(roles.contains("control"), roles.toString());

    assertEquals(200, shards.statusCode(), shards.body());
    JsonNode nodes = JSON.readTree(shards.body()).get("ComputeNode");
    assertTrue(nodes.get("entities").asLong() >= 1, shards.body());
    assertTrue(nodes.get("shards").asLong() >= 1, shards.body());
    JsonNode region = nodes.get("regions").get(member.get("address").asText());
    assertEquals(nodes.get("entities").asLong(), region.get("entities").asLong(), shards.body());
    assertEquals(0, region.get("failed").size());

    assertEquals(200, cassandra.statusCode(), cassandra.body());
    JsonNode database = JSON.readTree(cassandra.body());
    assertEquals("up", database.get("status").asText());
    assertTrue(database.get("releaseVersion").asText().startsWith("5."), cassandra.body());
    assertEquals(1, database.get("nodes").asInt());

    assertEquals(200, status.statusCode(), status.body());
    JsonNode combined = JSON.readTree(status.body());
    assertEquals("up", combined.get("cassandra").get("status").asText());
    assertEquals(1, combined.get("members").get("members").size());
    assertTrue(combined.get("shards").has("Container"), status.body());
  }

  @Test
  void metricsParseAndCountersMove() throws Exception {
    PrometheusText before = scrape();
    dockerCreate("metered", "true");
    String broken = dockerCreate("broken", "/no/such/program");
    HttpResponse<String> failedStart = docker("POST", "/containers/" + broken + "/start", null);
    send("GET", "/v1/nodes/admin-run", null);

    PrometheusText after = scrape();

    assertEquals(500, failedStart.statusCode(), failedStart.body());
    String placed = "nereid_placements_total{result=\"placed\"}";
    assertEquals(before.value(placed) + 2, after.value(placed));
    String startFailures = "nereid_runtime_failures_total{operation=\"start\"}";
    assertEquals(before.value(startFailures) + 1, after.value(startFailures));
    String placementCount = "nereid_placement_duration_seconds_count{result=\"placed\"}";
    assertEquals(before.value(placementCount) + 2, after.value(placementCount));
    assertTrue(
        after.value(
                "nereid_http_request_duration_seconds_count{api=\"admin\",route=\"/v1/nodes/{id}\","
                    + "method=\"GET\",code=\"200\"}")
            >= 1,
        after.samples().toString());
    assertTrue(
        after.value(
                "nereid_http_request_duration_seconds_count{api=\"docker\","
                    + "route=\"/containers/create\",method=\"POST\",code=\"201\"}")
            >= 2,
        after.samples().toString());
    assertTrue(after.value("nereid_active_entities{type=\"ComputeNode\"}") >= 1);
    assertEquals("histogram", after.type("nereid_placement_duration_seconds"));
    // A create claims the name in the account, reserves on the node and persists the container.
    for (String entity : List.of("Container", "ComputeNode", "Account")) {
      String writes = "nereid_journal_write_duration_seconds_count{entity=\"" + entity + "\"}";
      assertTrue(after.value(writes) > before.value(writes), entity + ": " + after.samples());
    }
    assertEquals("histogram", after.type("nereid_journal_write_duration_seconds"));
  }

  private static PrometheusText scrape() throws Exception {
    HttpResponse<String> response = send("GET", "/metrics", null);
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(
        response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"),
        response.headers().toString());
    return PrometheusText.parse(response.body());
  }

  /**
   * Calls every operation of the OpenAPI document with ids that exist and expects neither 404
   * nor 405, and every other method on each documented path and expects 405.
   * Routes that the document lacks cannot answer other than 404, which the admin routes enforce.
   */
  @Test
  void openApiDocumentMatchesRoutes() throws Exception {
    TestMember.register(runtime, "openapi-node", CAPACITY);
    String containerId = dockerCreate("openapi-box", "true");

    HttpResponse<String> document = send("GET", "/v1/openapi.json", null);
    assertEquals(200, document.statusCode(), document.body());
    JsonNode paths = JSON.readTree(document.body()).get("paths");
    assertTrue(paths.size() >= 20, document.body());
    List<String> templates = new ArrayList<>();
    paths.fieldNames().forEachRemaining(templates::add);

    for (String template : templates) {
      String path =
          template
              .replace("/v1/nodes/{id}", "/v1/nodes/openapi-node")
              .replace("/v1/containers/{ref}", "/v1/containers/" + containerId)
              .replace("/v1/accounts/{id}", "/v1/accounts/default")
              .replace("/v1/pools/{pool}", "/v1/pools/" + RUN_POOL);
      assertFalse(path.contains("{"), "no value for " + template);
      List<String> documented = new ArrayList<>();
      paths.get(template).fieldNames().forEachRemaining(method -> documented.add(method.toUpperCase()));
      for (String method : List.of("GET", "POST", "PUT", "DELETE", "PATCH")) {
        String body = method.equals("PUT") || method.equals("POST") ? "{}" : null;
        HttpResponse<String> response = send(method, path, body);
        if (documented.contains(method)) {
          String outcome = method + " " + path + " -> " + response.statusCode() + " " + response.body();
          assertTrue(response.statusCode() != 404, outcome);
          assertTrue(response.statusCode() != 405, outcome);
          assertTrue(response.statusCode() < 500, outcome);
        } else {
          assertEquals(405, response.statusCode(), method + " " + path + " -> " + response.body());
        }
      }
    }
  }

  @Test
  void unknownRouteIs404AndWrongMethod405() throws Exception {
    HttpResponse<String> unknown = send("GET", "/v1/nothing/here", null);
    HttpResponse<String> wrongMethod = send("DELETE", "/v1/nodes", null);

    assertEquals(404, unknown.statusCode());
    assertEquals("no such admin route: /v1/nothing/here", message(unknown));
    assertEquals(405, wrongMethod.statusCode());
    assertEquals("method DELETE is not allowed on /v1/nodes; use [GET]", message(wrongMethod));
    assertEquals("GET", wrongMethod.headers().firstValue("Allow").orElse(""));
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

  /**
   * Leaves what a create cut off by a member failure leaves: the account lists the container and
   * its node reserves for it, but the container entity has no events. Returns the node's id.
   */
  private static String abandonCreate(String id, String name, Instant createdAt) throws Exception {
    var sharding = runtime.member().sharding();
    String neighbour = dockerCreate(name + "-neighbour", "true");
    String nodeId =
        sharding
            .entityRefFor(io.nereid.container.Container.TYPE_KEY, neighbour)
            .ask(io.nereid.container.Container.Get::new, TestMember.TIMEOUT)
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS)
            .nodeId();
    assertEquals(204, docker("DELETE", "/containers/" + neighbour, null).statusCode());
    sharding
        .entityRefFor(ComputeNode.TYPE_KEY, nodeId)
        .<Done>askWithStatus(
            replyTo ->
                new ComputeNode.Reserve(
                    id, new Reservation(new Resources(0, 1 << 20, 0), name, "busybox", Map.of()), replyTo),
            TestMember.TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    writeToAccount(
        new io.nereid.account.Account.Admit(
            name, id, new io.nereid.account.Account.ResourceRequest(1 << 20, 0), placedSummary(id, name, nodeId, createdAt)),
        List.of());
    return nodeId;
  }

  private static io.nereid.account.Account.ContainerSummary placedSummary(
      String id, String name, String nodeId, Instant createdAt) {
    return new io.nereid.account.Account.ContainerSummary(
        id, name, "busybox", "placed", nodeId, Map.of(), createdAt, "true", 0, Instant.EPOCH, Instant.EPOCH);
  }

  private static void writeToAccount(
      io.nereid.account.Account.Admit admit, List<io.nereid.account.Account.ContainerSummary> records)
      throws Exception {
    runtime
        .member()
        .sharding()
        .entityRefFor(io.nereid.account.Account.TYPE_KEY, "default")
        .<io.nereid.account.Account.BatchOutcome>ask(
            replyTo ->
                new io.nereid.account.Account.WriteBatch(
                    admit == null ? List.of() : List.of(admit), records, replyTo),
            TestMember.TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  private static boolean reserves(String nodeId, String containerId) throws Exception {
    return runtime
        .member()
        .sharding()
        .entityRefFor(ComputeNode.TYPE_KEY, nodeId)
        .ask(ComputeNode.Get::new, TestMember.TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS)
        .reservations()
        .containsKey(containerId);
  }

  private static boolean listed(String name) throws Exception {
    HttpResponse<String> list = docker("GET", "/containers/json?all=1&filters=%7B%22name%22%3A%5B%22" + name + "%22%5D%7D", null);
    assertEquals(200, list.statusCode(), list.body());
    for (JsonNode container : JSON.readTree(list.body())) {
      if (container.get("Names").get(0).asText().equals("/" + name)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void abandonedCreateRemovable() throws Exception {
    String id = "8".repeat(64);
    String nodeId = abandonCreate(id, "abandoned", Instant.now().minusSeconds(600));
    assertTrue(listed("abandoned"));
    assertTrue(reserves(nodeId, id));

    HttpResponse<String> removed = docker("DELETE", "/containers/abandoned", null);

    assertEquals(204, removed.statusCode(), removed.body());
    assertFalse(listed("abandoned"), "the listing is gone");
    assertFalse(reserves(nodeId, id), "the reservation is released");
    String again = dockerCreate("abandoned", "true");
    assertEquals(204, docker("DELETE", "/containers/" + again, null).statusCode(), "the name is free again");
  }

  @Test
  void abandonedCreateNotFoundThenForgotten() throws Exception {
    String id = "9".repeat(64);
    String nodeId = abandonCreate(id, "abandoned-inspect", Instant.now().minusSeconds(600));

    HttpResponse<String> inspect = docker("GET", "/containers/abandoned-inspect/json", null);

    assertEquals(404, inspect.statusCode(), inspect.body());
    assertEquals("{\"message\":\"No such container: abandoned-inspect\"}", inspect.body());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while ((listed("abandoned-inspect") || reserves(nodeId, id)) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertFalse(listed("abandoned-inspect"), "the listing is forgotten");
    assertFalse(reserves(nodeId, id), "the reservation is released");
  }

  @Test
  void recentCreateWithoutEventsKept() throws Exception {
    String id = "6".repeat(64);
    String nodeId = abandonCreate(id, "in-flight", Instant.now());

    HttpResponse<String> inspect = docker("GET", "/containers/in-flight/json", null);
    HttpResponse<String> removed = docker("DELETE", "/containers/in-flight", null);

    assertEquals(404, inspect.statusCode(), inspect.body());
    assertEquals(409, removed.statusCode(), removed.body());
    assertTrue(listed("in-flight"), "a create that may still complete stays listed");
    assertTrue(reserves(nodeId, id), "and keeps its reservation");
    writeToAccount(null, List.of(placedSummary(id, "in-flight", nodeId, Instant.now().minusSeconds(600))));
    assertEquals(204, docker("DELETE", "/containers/in-flight", null).statusCode(), "once old, it is removable");
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
