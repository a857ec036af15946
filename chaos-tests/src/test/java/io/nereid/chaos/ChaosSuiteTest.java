package io.nereid.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nereid.image.TarBuilder;
import io.nereid.image.TestImage;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Starts the loopback cluster, runs the scenarios of the chosen profile under the workload and
 * fails when any invariant breaks. {@code -Dnereid.chaos.profile=long} (the Maven profile
 * {@code chaos}) runs a randomized schedule of {@code nereid.chaos.rounds} scenarios, drawn from the
 * faults that {@code -Dnereid.chaos.faults} names (comma-separated, all by default), and
 * {@code -Dnereid.chaos.profile=failover} kills a control member in each of them; the seed is
 * printed and {@code -Dnereid.chaos.seed} replays it. The report and the history are written to a
 * directory of their own under {@code target/chaos}.
 */
class ChaosSuiteTest {

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  @Test
  void scenariosKeepEveryInvariant() {
    String profile = System.getProperty("nereid.chaos.profile", "short");
    String seedProperty = System.getProperty("nereid.chaos.seed", "");
    long seed = seedProperty.isBlank() ? System.currentTimeMillis() : Long.parseLong(seedProperty);
    int rounds = Integer.parseInt(System.getProperty("nereid.chaos.rounds", "6"));
    List<Fault> faults = faults(System.getProperty("nereid.chaos.faults", ""));
    Path output =
        Path.of(System.getProperty("nereid.chaos.output", "target/chaos"))
            .resolve("run-" + STAMP.format(Instant.now()) + "-" + profile + "-seed-" + seed)
            .toAbsolutePath();
    System.out.println("chaos run profile=" + profile + " seed=" + seed + " output=" + output);

    LoopbackCluster.Options options = LoopbackCluster.Options.standard();
    List<Scenario> schedule =
        switch (profile) {
          case "long" -> Scenario.randomized(
              seed,
              rounds,
              options.controlMembers(),
              options.computeMembers(),
              options.cassandraNodes(),
              options.stableAfter(),
              faults);
          case "failover" -> Scenario.failoverProfile(rounds, options.controlMembers());
          default -> Scenario.shortProfile(options.stableAfter());
        };
    long start = System.nanoTime();
    List<Violation> violations = new ArrayList<>();
    try (LoopbackCluster cluster = LoopbackCluster.start(options, output.resolve("cluster"), imageArchive())) {
      ChaosRun run = new ChaosRun(cluster, output.resolve("history.jsonl"), seed, new Workload.Settings(4, 1000, 150));
      try {
        for (Scenario scenario : schedule) {
          violations.addAll(run.run(scenario).violations());
        }
      } finally {
        String report = RunReport.render(profile, seed, (System.nanoTime() - start) / 1_000_000, run);
        RunReport.write(output.resolve("report.md"), report);
        run.history().close();
        System.out.println(report);
      }
    }
    assertEquals(
        List.of(),
        violations,
        "invariants broken with seed " + seed + "; see " + output.resolve("report.md"));
  }

  /** Parses a comma-separated list of fault names. An empty list means every fault. */
  private static List<Fault> faults(String names) {
    if (names.isBlank()) {
      return List.of(Fault.values());
    }
    List<Fault> faults = new ArrayList<>();
    for (String name : names.split(",")) {
      try {
        faults.add(Fault.valueOf(name.trim().toUpperCase(java.util.Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown fault \"" + name.trim() + "\" in nereid.chaos.faults; use some of " + List.of(Fault.values()), e);
      }
    }
    return faults;
  }

  /** Builds a one-layer image whose only content is its command, enough for the simulated runtime. */
  static byte[] imageArchive() {
    byte[] layer =
        new TarBuilder().directory("bin", 0755).file("bin/serve", "#!/bin/sh\nsleep 3600\n").build();
    return TestImage.of(List.of(layer), List.of("PATH=/bin"), List.of("/bin/serve"))
        .dockerArchive(List.of(Workload.IMAGE), false);
  }
}
