package io.nereid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up failures: each exits non-zero with exactly one line on standard error. */
class MainTest {

  @TempDir Path dir;

  private record Outcome(int code, String out, String err) {}

  private Outcome run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        new Main(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
            .run(List.of(args));
    return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Outcome runWithConfig(String command, String hocon, String... more) throws IOException {
    Path file = dir.resolve("nereid.conf");
    Files.writeString(file, hocon);
    List<String> args = new ArrayList<>(List.of(command, "--config", file.toString(), "--data-dir", dir.resolve("data").toString()));
    args.addAll(List.of(more));
    return run(args.toArray(String[]::new));
  }

  private static void assertOneLine(Outcome outcome, int code, String line) {
    assertEquals(code, outcome.code(), () -> "exit code; stderr: " + outcome.err());
    assertEquals(line + System.lineSeparator(), outcome.err());
  }

  @Test
  void unknownKeyRejected() throws IOException {
    Outcome outcome = runWithConfig("up", "nereid.dev.virtual-nodez = 4");

    assertOneLine(
        outcome, 2, "nereid: invalid configuration: nereid.dev.virtual-nodez: unknown key; check its spelling");
  }

  @Test
  void negativeCpuCapacityRejected() throws IOException {
    Outcome outcome = runWithConfig("up", "nereid.dev.node-cpus = -2");

    assertOneLine(
        outcome, 2, "nereid: invalid configuration: nereid.dev.node-cpus: must be at least 0.001, got -2.0");
  }

  @Test
  void negativeMemoryCapacityRejected() throws IOException {
    Outcome outcome = runWithConfig("up", "nereid.dev.node-memory = -1g");

    assertEquals(2, outcome.code());
    assertEquals(1, outcome.err().lines().count(), outcome.err());
    assertEquals(true, outcome.err().startsWith("nereid: invalid configuration: nereid.dev.node-memory: "), outcome.err());
  }

  @Test
  void zeroVirtualNodesRejected() throws IOException {
    Outcome outcome = runWithConfig("up", "nereid.dev.virtual-nodes = 0");

    assertOneLine(
        outcome, 2, "nereid: invalid configuration: nereid.dev.virtual-nodes: must be at least 1, got 0");
  }

  @Test
  void unknownComputeRuntimeRejected() throws IOException {
    Outcome outcome = runWithConfig("run", "nereid.compute.runtime = docker");

    assertOneLine(
        outcome,
        2,
        "nereid: invalid configuration: nereid.compute.runtime: must be one of [runc, simulated], got \"docker\"");
  }

  @Test
  void shortHeartbeatTimeoutRejected() throws IOException {
    Outcome outcome =
        runWithConfig("run", "nereid.compute { heartbeat-interval = 2s, heartbeat-timeout = 5s }");

    assertOneLine(
        outcome,
        2,
        "nereid: invalid configuration: nereid.compute.heartbeat-timeout: must be at least three"
            + " heartbeat intervals (6000ms), got 5000ms");
  }

  @Test
  void invalidNodeIdRejected() throws IOException {
    Outcome outcome = runWithConfig("run", "nereid.compute.node-id = \"rack 1/node\"");

    assertOneLine(
        outcome,
        2,
        "nereid: invalid configuration: nereid.compute.node-id: use letters, digits, dots, dashes and"
            + " underscores (at most 63), got \"rack 1/node\"");
  }

  @Test
  void nestedComputeLabelRejected() throws IOException {
    Outcome outcome = runWithConfig("run", "nereid.compute.labels { topology.zone = a }");

    assertOneLine(
        outcome,
        2,
        "nereid: invalid configuration: nereid.compute.labels: label \"topology\" must be a string;"
            + " quote names that contain dots");
  }

  @Test
  void adminPortInUseRejected() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();

      Outcome outcome = runWithConfig("up", "", "--admin-port", String.valueOf(port));

      assertOneLine(
          outcome,
          1,
          "nereid: admin API port 127.0.0.1:" + port + " is already in use; choose another with --admin-port");
    }
  }

  @Test
  void unreachableContactPointRejected() throws IOException {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    String config =
        "nereid.cassandra { mode = external, contact-points = [\"127.0.0.1:" + port + "\"] }\n"
            + "nereid.admin.port = 0\nnereid.docker.port = 0\nnereid.cluster.port = 0\n";

    Outcome outcome = runWithConfig("run", config);

    assertOneLine(
        outcome,
        1,
        "nereid: cannot reach Cassandra at [127.0.0.1:"
            + port
            + "]; check nereid.cassandra.contact-points and that Cassandra is running");
  }

  @Test
  void malformedConfigFileRejected() throws IOException {
    Outcome outcome = runWithConfig("up", "nereid { dev = ");

    assertEquals(2, outcome.code());
    assertEquals(1, outcome.err().lines().count(), outcome.err());
  }

  @Test
  void unknownCommandRejected() {
    assertOneLine(run("launch"), 2, "nereid: unknown command \"launch\"; run \"nereid help\" for usage");
  }

  @Test
  void badPortOptionRejected() {
    assertOneLine(
        run("up", "--admin-port", "http"),
        2,
        "nereid: option --admin-port must be a TCP port (0-65535), got \"http\"");
  }

  @Test
  void unknownOptionWithoutValueRejected() {
    assertOneLine(run("up", "--bogus"), 2, "nereid: unknown option --bogus for \"up\"; run \"nereid help\"");
  }

  @Test
  void devModeKeyInConfigRejected() throws IOException {
    Outcome outcome = runWithConfig("up", "nereid.cassandra.mode = external");

    assertOneLine(
        outcome,
        2,
        "nereid: invalid configuration: nereid.cassandra.mode: dev mode (nereid up) sets this itself;"
            + " remove it, or start with nereid run");
  }

  @Test
  void schemaWithoutExternalCassandraRejected() {
    Outcome outcome = run("schema");

    assertEquals(2, outcome.code(), outcome.err());
    assertEquals(1, outcome.err().lines().count(), outcome.err());
  }

  @Test
  void adminBeyondLoopbackNeedsToken() throws IOException {
    Outcome outcome = runWithConfig("up", "nereid.admin.host = \"0.0.0.0\"");

    assertOneLine(
        outcome,
        2,
        "nereid: invalid configuration: nereid.admin.token: must be set when the admin API listens"
            + " on 0.0.0.0, which is not a loopback address");
  }

  @Test
  void helpPrintsUsage() {
    Outcome outcome = run("help");

    assertEquals(0, outcome.code());
    assertEquals(true, outcome.out().startsWith("usage: nereid COMMAND"), outcome.out());
  }
}
