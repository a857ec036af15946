package io.nereid.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One Nereid member JVM of the chaos cluster: {@code io.nereid.server.Main run} started with
 * {@code java -cp} this JVM's classpath and a generated configuration file. A compute member runs
 * the node agent of one node with the simulated runtime. The member keeps its ports and data
 * directory across restarts, as a member on a real machine would.
 */
final class MemberProcess {

  enum Role {
    CONTROL,
    COMPUTE
  }

  /** Listening ports of a member; the admin and Docker ports are 0 for a compute member. */
  record Ports(int cluster, int admin, int docker) {}

  private final String name;
  private final String clusterHost;
  private final Ports ports;
  private final Path dataDir;
  private final Path configFile;
  private final String nodeId;
  private volatile ChildProcess process;

  private MemberProcess(
      String name, String clusterHost, Ports ports, Path dataDir, Path configFile, String nodeId) {
    this.name = name;
    this.clusterHost = clusterHost;
    this.ports = ports;
    this.dataDir = dataDir;
    this.configFile = configFile;
    this.nodeId = nodeId;
  }

  /**
   * Writes the configuration of a member. {@code nodeId} names the node of a compute member and
   * is empty for a control member; a compute member's node sends a heartbeat every second and is
   * marked lost after {@code heartbeatTimeout} of silence.
   *
   * <p>The member's cluster transport listens on {@code clusterHost}, a loopback address of its
   * own, and binds its outgoing connections to it as well, so that every packet between two
   * members carries both members' addresses and {@link LoopbackPartition} can cut them apart. Its
   * admin and Docker APIs stay on 127.0.0.1. {@code extraConfig} and then {@code pekkoConfig} are HOCON
   * appended to the file, so their keys override the generated ones; both are empty for a
   * standard member.
   */
  static MemberProcess configure(
      String name,
      Role role,
      String clusterHost,
      Ports ports,
      List<String> seedAddresses,
      List<InetSocketAddress> contactPoints,
      Duration stableAfter,
      Duration heartbeatTimeout,
      String extraConfig,
      Path root,
      String nodeId,
      String pekkoConfig) {
    Path dataDir = root.resolve(name);
    Path configFile = root.resolve(name + ".conf");
    String seeds =
        seedAddresses.stream().map(seed -> "\"" + seed + "\"").collect(Collectors.joining(", "));
    String cassandra =
        contactPoints.stream()
            .map(point -> "\"" + point.getHostString() + ":" + point.getPort() + "\"")
            .collect(Collectors.joining(", "));
    String config =
        String.join(
            "\n",
            "nereid {",
            "  data-dir = \"" + dataDir + "\"",
            "  cluster {",
            "    roles = [" + (role == Role.CONTROL ? "control" : "compute") + "]",
            "    host = \"" + clusterHost + "\"",
            "    port = " + ports.cluster(),
            "    seed-nodes = [" + seeds + "]",
            "    stable-after = " + stableAfter.toMillis() + "ms",
            "  }",
            "  admin { host = \"127.0.0.1\", port = " + ports.admin() + " }",
            "  docker { host = \"127.0.0.1\", port = " + ports.docker() + " }",
            "  ask-timeout = 5s",
            "  compute {",
            "    node-id = \"" + nodeId + "\"",
            "    runtime = simulated",
            "    heartbeat-interval = 1s",
            "    heartbeat-timeout = " + heartbeatTimeout.toMillis() + "ms",
            "  }",
            "  cassandra {",
            "    mode = external",
            "    contact-points = [" + cassandra + "]",
            "    replication-factor = " + contactPoints.size(),
            "    write-consistency = QUORUM",
            "    read-consistency = QUORUM",
            "  }",
            "}",
            "pekko.remote.artery.advanced.tcp.outbound-client-hostname = \"" + clusterHost + "\"",
            extraConfig,
            pekkoConfig,
            "");
    try {
      Files.createDirectories(dataDir);
      Files.writeString(configFile, config, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + configFile, e);
    }
    return new MemberProcess(name, clusterHost, ports, dataDir, configFile, nodeId);
  }

  /** Starts the JVM; a running one is left alone. */
  synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx384m");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.addAll(List.of("io.nereid.server.Main", "run", "--config", configFile.toString()));
    try {
      process = ChildProcess.start(name, command, dataDir.resolve("console.log"));
      // Members have no watchdog like Cassandra's: if the test JVM itself gets SIGKILL, this file
      // lists the pids to stop by hand.
      Files.writeString(
          dataDir.getParent().resolve("pids.txt"),
          name + " " + process.pid() + System.lineSeparator(),
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start member " + name, e);
    }
  }

  String name() {
    return name;
  }

  /** Returns the loopback address of the member's cluster transport. */
  String clusterHost() {
    return clusterHost;
  }

  /** Returns the member's cluster address as {@code host:port}, the form of a seed node. */
  String clusterAddress() {
    return clusterHost + ":" + ports.cluster();
  }

  Ports ports() {
    return ports;
  }

  /** Returns the node id of a compute member, empty for a control member. */
  String nodeId() {
    return nodeId;
  }

  Path dataDir() {
    return dataDir;
  }

  Path consoleLog() {
    return dataDir.resolve("console.log");
  }

  /** Returns the running process, or null before the first start. */
  ChildProcess process() {
    return process;
  }

  boolean isAlive() {
    ChildProcess current = process;
    return current != null && current.isAlive();
  }

  long pid() {
    ChildProcess current = process;
    return current == null ? -1 : current.pid();
  }
}
