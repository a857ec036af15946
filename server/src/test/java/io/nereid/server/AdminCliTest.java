package io.nereid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.nereid.node.ComputeNode;
import io.nereid.node.Reservation;
import io.nereid.node.Resources;
import io.nereid.server.cli.AdminCliRunner;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator commands of ./nereid against a running member with a bearer token. */
class AdminCliTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "cli-token-5678";
  private static final Resources CAPACITY = new Resources(4000, 4L << 30, 20L << 30);

  @TempDir static Path dir;

  private static MemberRuntime runtime;
  private static Map<String, String> env;
  private static String containerId;

  @BeforeAll
  static void start() throws Exception {
    runtime =
        TestMember.start(
            "admincli", dir, ConfigFactory.parseString("nereid.admin.token = \"" + TOKEN + "\""));
    env =
        Map.of(
            "NEREID_ADMIN", "http://127.0.0.1:" + runtime.member().adminPort(),
            "NEREID_ADMIN_TOKEN", TOKEN);
    TestMember.register(runtime, "cli-a", "cli-pool", CAPACITY, Map.of("rack", "r1"));
    TestMember.register(runtime, "cli-b", "cli-pool", CAPACITY, Map.of("rack", "r2"));
    TestMember.importBusybox(runtime, dir);
    HttpResponse<String> created =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + runtime.member().dockerPort()
                                + "/v1.24/containers/create?name=cli-web"))
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"Image\": \"busybox\", \"Cmd\": [\"true\"],"
                                + " \"Labels\": {\"nereid.pool\": \"cli-pool\"}}"))
                    .header("Content-Type", "application/json")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(201, created.statusCode(), created.body());
    containerId = JSON.readTree(created.body()).get("Id").asText();
  }

  @AfterAll
  static void stop() {
    runtime.close();
  }

  private static AdminCliRunner.Result cli(String... args) {
    return AdminCliRunner.run(env, args);
  }

  @Test
  void nodeLsPrintsTable() {
    AdminCliRunner.Result result = cli("node", "ls", "--pool", "cli-pool", "--label", "rack=r1");

    assertEquals(0, result.code(), result.err());
    List<String> lines = result.out().lines().toList();
    assertEquals(2, lines.size(), result.out());
    assertTrue(
        lines.get(0).matches("ID +POOL +STATUS +CPUS +MEMORY +DISK +CONTAINERS +LABELS"),
        lines.get(0));
    assertTrue(
        lines.get(1).matches("cli-a  cli-pool  ready +0/4 +\\S+/4GiB +0B/20GiB +[01] +rack=r1"),
        lines.get(1));
  }

  @Test
  void nodeLsJsonIsTheApiDocument() throws Exception {
    AdminCliRunner.Result result = cli("--json", "node", "ls", "--pool", "cli-pool");

    assertEquals(0, result.code(), result.err());
    JsonNode nodes = JSON.readTree(result.out());
    assertEquals(2, nodes.size());
    assertEquals("cli-a", nodes.get(0).get("id").asText());
  }

  @Test
  void nodeInspectShowsUtilization() {
    AdminCliRunner.Result result = cli("node", "inspect", "cli-a");

    assertEquals(0, result.code(), result.err());
    assertTrue(result.out().contains("status: ready"), result.out());
    assertTrue(result.out().contains("\ncpus       0         4         0%\n"), result.out());
    assertTrue(result.out().lines().anyMatch(line -> line.matches("memory +\\S+ +4GiB +\\d+%")), result.out());
  }

  @Test
  void cordonAndUncordon() {
    AdminCliRunner.Result cordoned = cli("node", "cordon", "cli-b");
    AdminCliRunner.Result ready = cli("node", "uncordon", "cli-b");

    assertEquals(0, cordoned.code(), cordoned.err());
    assertEquals("node cli-b is cordoned\n", cordoned.out());
    assertEquals("node cli-b is ready\n", ready.out());
  }

  @Test
  void unknownNodeExits1WithMessage() {
    AdminCliRunner.Result result = cli("node", "inspect", "nowhere");

    assertEquals(1, result.code());
    assertEquals("nereid: no such node: nowhere (HTTP 404)\n", result.err());
    assertEquals("", result.out());
  }

  @Test
  void decommissionBusyNodeExits1() throws Exception {
    TestMember.register(runtime, "cli-busy", "cli-other", CAPACITY, Map.of());
    runtime
        .member()
        .sharding()
        .entityRefFor(ComputeNode.TYPE_KEY, "cli-busy")
        .<Done>askWithStatus(
            replyTo ->
                new ComputeNode.Reserve("c1", Reservation.of(new Resources(100, 1L << 20, 0)), replyTo),
            TestMember.TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);

    AdminCliRunner.Result result = cli("node", "decommission", "cli-busy");

    assertEquals(1, result.code());
    assertEquals(
        "nereid: node cli-busy still holds 1 containers; drain it and remove them before"
            + " decommissioning (HTTP 409)\n",
        result.err());
  }

  @Test
  void wrongTokenExits1() {
    AdminCliRunner.Result result = cli("--token", "wrong", "node", "ls");

    assertEquals(1, result.code());
    assertEquals("nereid: invalid bearer token (HTTP 401)\n", result.err());
  }

  @Test
  void unreachableApiExits3() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }

    AdminCliRunner.Result result = cli("--admin", "127.0.0.1:" + port, "node", "ls");

    assertEquals(3, result.code());
    assertTrue(result.err().startsWith("nereid: cannot connect to the admin API at http://127.0.0.1:" + port), result.err());
  }

  @Test
  void invalidCommandLinesExit2() {
    Map<List<String>, String> cases =
        Map.of(
            List.of("node"), "nereid: unknown or missing node command; use one of: ls, inspect, cordon, uncordon, drain, lost, decommission, label\n",
            List.of("node", "inspect"), "nereid: missing node ID; usage: nereid node inspect NODE_ID\n",
            List.of("node", "ls", "--colour"), "nereid: unknown option --colour; run \"nereid help\" for usage\n",
            List.of("account", "quota", "default", "--memory", "lots"), "nereid: invalid size \"lots\"; use bytes or a number with k, m, g or t\n");

    cases.forEach(
        (args, message) -> {
          AdminCliRunner.Result result = cli(args.toArray(String[]::new));
          assertEquals(2, result.code(), args.toString());
          assertEquals(message, result.err(), args.toString());
        });
  }

  @Test
  void containerLsInspectAndHistory() {
    AdminCliRunner.Result list = cli("container", "ls", "--name", "cli-web");
    AdminCliRunner.Result inspect = cli("container", "inspect", "cli-web");
    AdminCliRunner.Result history = cli("container", "history", containerId.substring(0, 10));

    assertEquals(0, list.code(), list.err());
    assertTrue(list.out().lines().toList().get(1).startsWith(containerId.substring(0, 12) + "  cli-web  default"), list.out());
    assertTrue(inspect.out().contains("id: " + containerId), inspect.out());
    assertTrue(inspect.out().contains("status: placed"), inspect.out());
    assertTrue(inspect.out().contains("startedAt: -\nfinishedAt: -"), inspect.out());
    assertEquals(0, history.code(), history.err());
    List<String> lines = history.out().lines().toList();
    assertEquals(3, lines.size(), history.out());
    assertTrue(lines.get(1).contains("ContainerCreated"), history.out());
    assertTrue(lines.get(1).contains("name=cli-web"), history.out());
    assertTrue(lines.get(2).contains("ContainerPlaced"), history.out());
    assertTrue(lines.get(2).contains("placement.nodeId=cli-"), history.out());
  }

  @Test
  void accountQuotaChangesOneLimit() {
    AdminCliRunner.Result limited = cli("account", "quota", "cli-tenant", "--containers", "4", "--memory", "2g");
    AdminCliRunner.Result cpus = cli("--json", "account", "quota", "cli-tenant", "--cpus", "1.5", "--memory", "none");

    assertEquals(0, limited.code(), limited.err());
    assertTrue(limited.out().contains("cli-tenant  0/4         0B/2GiB  0/unlimited"), limited.out());
    assertEquals(0, cpus.code(), cpus.err());
    assertTrue(cpus.out().contains("\"containers\" : 4"), cpus.out());
    assertTrue(cpus.out().contains("\"memoryBytes\" : null"), cpus.out());
    assertTrue(cpus.out().contains("\"cpus\" : 1.5"), cpus.out());
  }

  @Test
  void poolLsShowsPools() {
    AdminCliRunner.Result result = cli("pool", "ls");

    assertEquals(0, result.code(), result.err());
    assertTrue(
        result.out().lines().anyMatch(line -> line.matches("cli-pool +bin-pack +1.0/1.0/1.0 +2 +0/8 +256MiB/8GiB +1/1")),
        result.out());
  }

  @Test
  void clusterStatusShowsMembersAndCassandra() {
    AdminCliRunner.Result result = cli("cluster", "status");

    assertEquals(0, result.code(), result.err());
    assertTrue(result.out().contains("(this)  up"), result.out());
    assertTrue(result.out().contains("cassandra: up, version 5."), result.out());
    assertTrue(result.out().contains("ComputeNode"), result.out());
  }
}
