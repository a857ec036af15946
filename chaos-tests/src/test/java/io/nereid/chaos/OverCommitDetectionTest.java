package io.nereid.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs a deliberately broken build, whose compute nodes skip the capacity check
 * ({@code nereid.unsafe.skip-capacity-check = on}), over-fills its node through the Docker API and
 * checks that the over-commit checker of {@link Invariants} reports that node. The cluster is the
 * smallest with real members: one Cassandra node, one control member and one compute member.
 */
class OverCommitDetectionTest {

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  /** How long creates may find no node while the pool's scheduler learns of the new node. */
  private static final Duration PLACEMENT_WAIT = Duration.ofSeconds(60);

  private final LoopbackHttp http = new LoopbackHttp();

  @Test
  void checkerReportsUnsafeOverCommit() {
    Path output =
        Path.of(System.getProperty("nereid.chaos.output", "target/chaos"))
            .resolve("overcommit-" + System.currentTimeMillis())
            .toAbsolutePath();
    LoopbackCluster.Options options =
        new LoopbackCluster.Options(
            1, 1, 1, Duration.ofSeconds(4), Duration.ofSeconds(5), "384m", true, "nereid.unsafe.skip-capacity-check = on");
    try (LoopbackCluster cluster = LoopbackCluster.start(options, output, ChaosSuiteTest.imageArchive())) {
      StateCollector collector = new StateCollector(cluster);
      ClusterState.Node node = collector.nodes().get(0);
      int docker = cluster.dockerPorts().get(0);
      long halfNodeNanoCpus = node.capacity().cpuMillis() * 1_000_000 / 2;

      // Placement still filters by capacity, so the two halves fill the node exactly.
      String first = create(docker, halfNodeNanoCpus);
      String second = create(docker, halfNodeNanoCpus);
      // A safe node rejects this resize with 409; the broken one reserves one and a half nodes.
      LoopbackHttp.Reply update =
          http.send(
              "POST",
              docker,
              "/containers/" + first + "/update",
              ("{\"NanoCpus\":" + 2 * halfNodeNanoCpus + "}").getBytes(StandardCharsets.UTF_8),
              REQUEST_TIMEOUT);
      assertEquals(200, update.status(), "update of " + first + ": " + update.body());

      List<Violation> violations =
          Invariants.reservations(collector.nodes(), collector.containers(List.of(first, second)));
      assertTrue(
          violations.stream()
              .anyMatch(
                  violation ->
                      violation.invariant().equals(Invariants.OVER_COMMITTED)
                          && violation.subject().equals(node.id())),
          "no " + Invariants.OVER_COMMITTED + " violation for " + node.id() + "; found " + violations);
    }
  }

  /**
   * Creates a container with {@code nanoCpus} and returns its id, repeating the request while the
   * scheduler finds no node, since the node may have registered a moment ago.
   */
  private String create(int docker, long nanoCpus) {
    String body =
        "{\"Image\":\"" + Workload.IMAGE + "\",\"Cmd\":[\"serve\"],\"HostConfig\":{\"NanoCpus\":" + nanoCpus + "}}";
    long deadline = System.nanoTime() + PLACEMENT_WAIT.toNanos();
    while (true) {
      LoopbackHttp.Reply reply =
          http.send("POST", docker, "/containers/create", body.getBytes(StandardCharsets.UTF_8), REQUEST_TIMEOUT);
      if (reply.status() == 201) {
        return LoopbackCluster.parse(reply.body()).path("Id").asText();
      }
      if (!Workload.isNoCapacity(reply) || System.nanoTime() > deadline) {
        throw new AssertionError("create failed: " + reply.status() + " " + reply.body());
      }
      CassandraRing.sleep(Duration.ofSeconds(1));
    }
  }
}
