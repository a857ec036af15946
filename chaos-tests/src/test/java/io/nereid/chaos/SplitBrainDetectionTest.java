package io.nereid.chaos;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Runs a deliberately broken build and checks that the journal checker reports it. The members
 * use {@link UnsafeDownUnreachable} in place of the Split Brain Resolver, and a network partition
 * cuts control member 2 off from control member 1 and the compute member. Each side then downs
 * the other and goes on alone, so both start their own incarnation of the entities that creates
 * touch (the account, the pool's scheduler, the node) and write the same sequence numbers. The
 * members also run with the journal's fenced writes off: with them on, the journal rejects the
 * second side's writes (a run on 2026-12-05 rejected twelve and the checker found nothing), and
 * the test is about the checker. The cluster is small so the test stays short: one Cassandra node,
 * two control members, one compute member.
 */
class SplitBrainDetectionTest {

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
  /** How long creates go to both sides before the test gives up on a violation. */
  private static final Duration DETECTION_TIMEOUT = Duration.ofSeconds(120);
  private static final String UNFENCED_JOURNAL = "pekko.persistence.cassandra.journal.fenced-writes = off";
  private static final Set<String> SPLIT_BRAIN_KINDS =
      Set.of(Invariants.DUPLICATE_SEQUENCE_NR, Invariants.TWO_INCARNATIONS);

  @Test
  void journalCheckerCatchesSplitBrain() {
    Path output =
        Path.of(System.getProperty("nereid.chaos.output", "target/chaos"))
            .resolve("split-brain-" + STAMP.format(Instant.now()))
            .toAbsolutePath();
    LoopbackCluster.Options options =
        new LoopbackCluster.Options(
            1, 2, 1, Duration.ofSeconds(4), Duration.ofSeconds(5), "384m", false, UNFENCED_JOURNAL);
    LoopbackHttp http = new LoopbackHttp();
    try (LoopbackCluster cluster =
        LoopbackCluster.start(options, output.resolve("cluster"), ChaosSuiteTest.imageArchive())) {
      StateCollector collector = new StateCollector(cluster);
      List<Integer> docker = cluster.dockerPorts();
      for (int side = 0; side < docker.size(); side++) {
        assertTrue(create(http, docker.get(side)) == 201, "create before the partition failed on control-" + (side + 1));
      }
      assertTrue(Invariants.journal(collector.journal()).isEmpty(), "journal already broken before the partition");

      cluster.partition(List.of(cluster.controls().get(1)));
      long deadline = System.nanoTime() + DETECTION_TIMEOUT.toNanos();
      List<Violation> violations = List.of();
      List<String> replies = new ArrayList<>();
      while (System.nanoTime() < deadline) {
        for (int side = 0; side < docker.size(); side++) {
          replies.add("control-" + (side + 1) + ": " + create(http, docker.get(side)));
        }
        violations =
            Invariants.journal(collector.journal()).stream()
                .filter(violation -> SPLIT_BRAIN_KINDS.contains(violation.invariant()))
                .toList();
        if (!violations.isEmpty()) {
          break;
        }
        CassandraRing.sleep(Duration.ofSeconds(2));
      }
      System.out.println("split-brain creates: " + replies);
      System.out.println("split-brain violations: " + violations);
      assertFalse(
          violations.isEmpty(),
          "the journal checker found no duplicate sequence number or second incarnation within "
              + DETECTION_TIMEOUT.toSeconds() + " s of a partition without the Split Brain Resolver; see " + output);
    }
  }

  /** Sends one container create to a Docker API and returns the HTTP status, 0 without one. */
  private static int create(LoopbackHttp http, int dockerPort) {
    String body =
        "{\"Image\":\"" + Workload.IMAGE + "\",\"Cmd\":[\"serve\"],\"HostConfig\":{\"Memory\":67108864,\"NanoCpus\":100000000}}";
    return http.send("POST", dockerPort, "/containers/create", body.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5))
        .status();
  }
}
