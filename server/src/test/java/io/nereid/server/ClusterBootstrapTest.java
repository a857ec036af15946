package io.nereid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.nereid.node.ComputeNode;
import io.nereid.node.Resources;
import io.nereid.persistence.NereidConfig;
import io.nereid.persistence.testing.SharedCassandra;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Production mode: {@code nereid schema} against an external Cassandra, then two members that
 * form one cluster through a seed node and share their entities.
 */
class ClusterBootstrapTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  @TempDir Path dir;

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String externalCassandra() {
    InetSocketAddress point = SharedCassandra.get().contactPoint();
    return "nereid.cassandra { mode = external, contact-points = [\""
        + point.getHostString()
        + ":"
        + point.getPort()
        + "\"], journal-keyspace = bootstrap_journal, snapshot-keyspace = bootstrap_snapshot }\n";
  }

  private Config member(String name, int clusterPort, int seedPort) {
    return NereidConfig.load(
        ConfigFactory.parseString(externalCassandra())
            .withFallback(
                ConfigFactory.parseMap(
                    Map.of(
                        "nereid.data-dir", dir.resolve(name).toString(),
                        "nereid.cluster.roles", List.of("control"),
                        "nereid.cluster.port", clusterPort,
                        "nereid.cluster.seed-nodes", List.of("127.0.0.1:" + seedPort),
                        "nereid.admin.port", 0,
                        "nereid.docker.port", 0))));
  }

  private static void awaitMembersUp(MemberRuntime runtime, int count) throws InterruptedException {
    Cluster cluster = Cluster.get(runtime.member().system());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      long up = 0;
      for (var member : cluster.state().getMembers()) {
        if (member.status() == MemberStatus.up()) {
          up++;
        }
      }
      if (up == count) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("cluster did not reach " + count + " members up: " + cluster.state());
  }

  @Test
  void schemaCommandCreatesKeyspaces() throws Exception {
    Path file = dir.resolve("schema.conf");
    Files.writeString(file, externalCassandra());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int code =
        new Main(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
            .run(List.of("schema", "--config", file.toString()));

    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    assertEquals(
        "schema ready in keyspaces bootstrap_journal and bootstrap_snapshot",
        out.toString(StandardCharsets.UTF_8).strip());
  }

  @Test
  void twoMembersShareEntities() throws Exception {
    ByteArrayOutputStream ignored = new ByteArrayOutputStream();
    Path file = dir.resolve("schema.conf");
    Files.writeString(file, externalCassandra());
    assertEquals(0, new Main(new PrintStream(ignored), new PrintStream(ignored)).run(List.of("schema", "--config", file.toString())));

    int seedPort = freePort();
    int secondPort = freePort();
    try (MemberRuntime seed = MemberRuntime.start(member("seed", seedPort, seedPort), false);
        MemberRuntime second = MemberRuntime.start(member("second", secondPort, seedPort), false)) {
      awaitMembersUp(seed, 2);
      awaitMembersUp(second, 2);

      ComputeNode.State registered =
          second
              .member()
              .sharding()
              .entityRefFor(ComputeNode.TYPE_KEY, "bootstrap-node")
              .<ComputeNode.State>askWithStatus(
                  replyTo ->
                      new ComputeNode.Register("default", new Resources(1000, 1L << 30, 1L << 30), Map.of(), replyTo),
                  TIMEOUT)
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      assertEquals("ready", registered.status().lowerCase());

      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + seed.member().adminPort() + "/v1/nodes"))
                      .timeout(TIMEOUT)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      JsonNode nodes = new ObjectMapper().readTree(response.body());
      assertEquals(200, response.statusCode(), response.body());
      assertEquals("bootstrap-node", nodes.get(0).get("id").asText());

      String downing =
          seed.member().system().settings().config().getString("pekko.cluster.downing-provider-class");
      assertEquals("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider", downing);
      assertEquals(
          "keep-majority",
          seed.member().system().settings().config().getString("pekko.cluster.split-brain-resolver.active-strategy"));
      assertTrue(Files.exists(dir.resolve("seed")), "data directory created");
    }
  }
}
