package io.nereid.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nereid.image.ImageLoader;
import io.nereid.image.ImageStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster under test, all on this machine's loopback addresses: a Cassandra ring with
 * replication factor 3 and quorum reads and writes, three control members and three compute
 * members whose node agents run the simulated runtime, each its own JVM. The harness tracks every process it started by pid and
 * stops them in {@link #close()}, which a shutdown hook also runs when the test JVM exits early.
 * Control member {@code i} talks to the other members from 127.0.1.i and compute member {@code i}
 * from 127.0.2.i, so that {@link #partition} can cut members apart; close also deletes the
 * partition's nftables table.
 */
final class LoopbackCluster implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LoopbackCluster.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration MEMBER_START_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration MEMBER_STOP_TIMEOUT = Duration.ofSeconds(20);
  /** Line that {@code nereid run} prints once the member has started. */
  private static final String UP_LINE = "nereid is up";
  private static final String LOOPBACK = "127.0.0.1";

  /**
   * Shape of the cluster. Each compute member's node has this machine's CPUs and memory as its
   * capacity, as a compute member reads them from the operating system.
   *
   * @param stableAfter the Split Brain Resolver's decision delay, part of the failover time; the
   *     standard value is Nereid's default
   * @param heartbeatTimeout how long a compute node may stay silent before it is marked lost
   * @param splitBrainResolver false runs every member with {@link UnsafeDownUnreachable} in
   *     place of the Split Brain Resolver and without its own minority check, the broken build
   *     that the checkers must catch
   * @param memberConfig HOCON appended to every member's configuration, empty for none
   */
  record Options(
      int cassandraNodes,
      int controlMembers,
      int computeMembers,
      Duration stableAfter,
      Duration heartbeatTimeout,
      String cassandraHeap,
      boolean splitBrainResolver,
      String memberConfig) {

    /**
     * Returns the suite's usual cluster. Nodes are marked lost after 10 s of silence. That is
     * longer than a cut-off control member needs to notice the partition (3 to 7 s seen), so its
     * node monitor postpones instead of marking the nodes it no longer hears from lost.
     */
    static Options standard() {
      return new Options(3, 3, 3, Duration.ofSeconds(2), Duration.ofSeconds(10), "384m", true, "");
    }
  }

  private final Options options;
  private final Path root;
  private final LoopbackHttp http = new LoopbackHttp();
  private final List<MemberProcess> controls = new ArrayList<>();
  private final List<MemberProcess> computes = new ArrayList<>();
  private final Thread shutdownHook = new Thread(this::close, "chaos-cluster-shutdown");
  private CassandraRing ring;
  private LoopbackPartition partition;
  private byte[] imageArchive;
  private boolean closed;

  private LoopbackCluster(Options options, Path root) {
    this.options = options;
    this.root = root;
  }

  /**
   * Starts the whole cluster and loads {@code imageArchive} (a {@code docker save} archive) into
   * every control member, since each member's image store is its own.
   */
  static LoopbackCluster start(Options options, Path root, byte[] imageArchive) {
    LoopbackCluster cluster = new LoopbackCluster(options, root);
    Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
    try {
      Files.createDirectories(root);
      cluster.imageArchive = imageArchive;
      cluster.partition = LoopbackPartition.create();
      cluster.ring = CassandraRing.start(options.cassandraNodes(), root, options.cassandraHeap());
      SchemaSetup.install(cluster.ring.contactPoints());
      cluster.configureMembers();
      cluster.startMembers();
      cluster.loadImageIntoControls();
      return cluster;
    } catch (IOException e) {
      cluster.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  private void configureMembers() {
    List<String> hosts = new ArrayList<>();
    List<MemberProcess.Ports> ports = new ArrayList<>();
    List<String> seeds = new ArrayList<>();
    for (int i = 0; i < options.controlMembers(); i++) {
      hosts.add("127.0.1." + (i + 1));
      ports.add(new MemberProcess.Ports(freePort(hosts.get(i)), freePort(LOOPBACK), freePort(LOOPBACK)));
      seeds.add(hosts.get(i) + ":" + ports.get(i).cluster());
    }
    String pekkoConfig =
        options.splitBrainResolver()
            ? ""
            : String.join(
                "\n",
                "pekko.cluster.downing-provider-class = \"" + UnsafeDownUnreachable.class.getName() + "\"",
                // The member's own minority check would stop the cut-off side too. An hour keeps it
                // from acting in any test, and the setting must stay below stable-after.
                "nereid.cluster.stable-after = 2h",
                "nereid.cluster.minority-down-after = 1h");
    for (int i = 0; i < options.controlMembers(); i++) {
      controls.add(
          MemberProcess.configure(
              "control-" + (i + 1),
              MemberProcess.Role.CONTROL,
              hosts.get(i),
              ports.get(i),
              seeds,
              ring.contactPoints(),
              options.stableAfter(),
              options.heartbeatTimeout(),
              options.memberConfig(),
              root,
              "",
              pekkoConfig));
    }
    for (int i = 0; i < options.computeMembers(); i++) {
      String host = "127.0.2." + (i + 1);
      MemberProcess compute =
          MemberProcess.configure(
              "compute-" + (i + 1),
              MemberProcess.Role.COMPUTE,
              host,
              new MemberProcess.Ports(freePort(host), 0, 0),
              seeds,
              ring.contactPoints(),
              options.stableAfter(),
              options.heartbeatTimeout(),
              options.memberConfig(),
              root,
              "sim-node-" + (i + 1),
              pekkoConfig);
      loadImage(compute);
      computes.add(compute);
    }
  }

  private void startMembers() {
    for (MemberProcess member : controls) {
      member.start();
    }
    for (MemberProcess member : controls) {
      awaitHealthy(member, MEMBER_START_TIMEOUT);
    }
    startComputes(computes);
  }

  /**
   * Starts compute members together and waits until each printed that it is up and its node is
   * ready, registered again by the new agent if it had been marked lost.
   */
  private void startComputes(List<MemberProcess> members) {
    Map<MemberProcess, Long> upBefore = new HashMap<>();
    for (MemberProcess member : members) {
      upBefore.put(member, upLines(member));
      member.start();
    }
    long deadline = System.nanoTime() + MEMBER_START_TIMEOUT.toNanos();
    for (MemberProcess member : members) {
      while (upLines(member) <= upBefore.get(member) || !nodeReady(member.nodeId())) {
        if (!member.isAlive()) {
          throw new IllegalStateException(
              member.name() + " exited during start; see " + member.consoleLog());
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              member.name() + " not ready within " + MEMBER_START_TIMEOUT + "; see " + member.consoleLog());
        }
        CassandraRing.sleep(Duration.ofMillis(250));
      }
    }
  }

  /** Returns whether the admin API of a control member reports the node as ready. */
  private boolean nodeReady(String nodeId) {
    for (MemberProcess control : controls) {
      LoopbackHttp.Reply reply =
          http.send("GET", control.ports().admin(), "/v1/nodes/" + nodeId, null, Duration.ofSeconds(5));
      if (reply.status() == 200) {
        return "ready".equals(parse(reply.body()).path("status").asText());
      }
    }
    return false;
  }

  /**
   * Loads the image into a compute member's own image store before it starts, as an operator
   * would run docker load on that machine: the node agent looks for images there.
   */
  private void loadImage(MemberProcess compute) {
    try {
      ImageStore store = ImageStore.open(compute.dataDir().resolve("images"));
      new ImageLoader(store, Runnable::run, Clock.systemUTC())
          .load(new ByteArrayInputStream(imageArchive), Workload.IMAGE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load the image into " + compute.name(), e);
    }
  }

  private void loadImageIntoControls() {
    for (MemberProcess member : controls) {
      LoopbackHttp.Reply reply =
          http.send("POST", member.ports().docker(), "/images/load?quiet=1", imageArchive, Duration.ofSeconds(60));
      if (reply.status() != 200) {
        throw new IllegalStateException(
            "loading the image into " + member.name() + " failed: " + reply.status() + " " + reply.body());
      }
    }
  }

  List<MemberProcess> controls() {
    return List.copyOf(controls);
  }

  List<MemberProcess> computes() {
    return List.copyOf(computes);
  }

  CassandraRing ring() {
    return ring;
  }

  List<Integer> dockerPorts() {
    return controls.stream().map(member -> member.ports().docker()).toList();
  }

  List<Integer> adminPorts() {
    return controls.stream().map(member -> member.ports().admin()).toList();
  }

  /** Sends SIGKILL to a member's JVM. */
  void kill(MemberProcess member) {
    ChildProcess process = member.process();
    if (process != null) {
      process.kill();
    }
  }

  /**
   * Cuts the members of {@code side} off from every other member, in both directions, until
   * {@link #healPartition()} or {@link #heal}. Cassandra and the harness still reach every member.
   */
  void partition(List<MemberProcess> side) {
    List<String> inside = side.stream().map(MemberProcess::clusterHost).toList();
    List<String> outside =
        all().stream().map(MemberProcess::clusterHost).filter(host -> !inside.contains(host)).toList();
    partition.cut(inside, outside);
  }

  void healPartition() {
    partition.heal();
  }

  /**
   * Brings every process back: removes a network partition, resumes paused ones, starts Cassandra
   * nodes and members that are gone, and restarts a member that runs but stays unhealthy, such as
   * one the Split Brain Resolver downed while it was paused. Returns the names of what it had to
   * start again.
   */
  List<String> heal(Duration timeout) {
    List<String> restarted = new ArrayList<>();
    partition.heal();
    for (int i = 0; i < ring.size(); i++) {
      if (ring.isRunning(i)) {
        ring.resume(i);
      } else {
        ring.startNode(i);
        restarted.add(ring.name(i));
      }
    }
    for (MemberProcess member : all()) {
      if (member.isAlive()) {
        ChildProcess.signal(member.name(), member.pid(), "CONT");
      }
    }
    for (MemberProcess member : controls) {
      if (!member.isAlive()) {
        member.start();
        restarted.add(member.name());
      }
    }
    for (MemberProcess member : controls) {
      if (!waitHealthy(member, timeout)) {
        log.info("member stays unhealthy, restarting name={} pid={}", member.name(), member.pid());
        member.process().stop(MEMBER_STOP_TIMEOUT);
        member.start();
        restarted.add(member.name());
        awaitHealthy(member, MEMBER_START_TIMEOUT);
      }
    }
    List<MemberProcess> deadComputes = computes.stream().filter(member -> !member.isAlive()).toList();
    startComputes(deadComputes);
    deadComputes.forEach(member -> restarted.add(member.name()));
    return restarted;
  }

  /**
   * Restarts everything: SIGKILL to every member, SIGTERM to every Cassandra node, then starts it
   * all again. Cassandra gets SIGTERM so that it syncs its commit log: SIGKILL to all replicas at
   * once may lose the writes of the last periodic commit log sync, which Cassandra's durability
   * does not cover.
   */
  void restartAll() {
    for (MemberProcess member : all()) {
      kill(member);
    }
    for (int i = 0; i < ring.size(); i++) {
      ring.stopNode(i);
    }
    for (int i = 0; i < ring.size(); i++) {
      ring.startNode(i);
    }
    startMembers();
  }

  /** Returns the health documents of the control members, null for one that did not answer. */
  List<JsonNode> health() {
    List<JsonNode> reports = new ArrayList<>();
    for (MemberProcess member : controls) {
      LoopbackHttp.Reply reply = http.send("GET", member.ports().admin(), "/v1/health", null, Duration.ofSeconds(5));
      reports.add(reply.status() == 0 ? null : parse(reply.body()));
    }
    return reports;
  }

  private List<MemberProcess> all() {
    List<MemberProcess> all = new ArrayList<>(controls);
    all.addAll(computes);
    return all;
  }

  private void awaitHealthy(MemberProcess member, Duration timeout) {
    if (!waitHealthy(member, timeout)) {
      throw new IllegalStateException(
          member.name() + " not healthy within " + timeout + "; see " + member.consoleLog());
    }
  }

  /** Polls the member's health until it reports ok with every control member in the cluster. */
  private boolean waitHealthy(MemberProcess member, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!member.isAlive()) {
        return false;
      }
      LoopbackHttp.Reply reply =
          http.send("GET", member.ports().admin(), "/v1/health", null, Duration.ofSeconds(5));
      if (reply.status() == 200) {
        JsonNode body = parse(reply.body());
        if ("ok".equals(body.path("status").asText())) {
          return true;
        }
      }
      CassandraRing.sleep(Duration.ofMillis(500));
    }
    return false;
  }

  /** Counts the lines in which a member reported that it is up; each start appends one. */
  private static long upLines(MemberProcess member) {
    Path log = member.consoleLog();
    if (!Files.exists(log)) {
      return 0;
    }
    try (var lines = Files.lines(log)) {
      return lines.filter(line -> line.equals(UP_LINE)).count();
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  static JsonNode parse(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }

  private static int freePort(String host) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(host, 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on " + host, e);
    }
  }

  /** Sends SIGTERM to every member at once, then waits for each, with SIGKILL after the timeout. */
  private static void stopAll(List<MemberProcess> members) {
    List<Thread> stopping = new ArrayList<>();
    for (MemberProcess member : members) {
      ChildProcess process = member.process();
      if (process != null && process.isAlive()) {
        Thread thread = new Thread(() -> process.stop(MEMBER_STOP_TIMEOUT), "stop-" + member.name());
        thread.start();
        stopping.add(thread);
      }
    }
    for (Thread thread : stopping) {
      try {
        thread.join(MEMBER_STOP_TIMEOUT.plusSeconds(15).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Deletes the partition's nftables table, stops every member, then Cassandra; safe to call twice
   * and from the shutdown hook.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (partition != null) {
      partition.close();
    }
    stopAll(all());
    if (ring != null) {
      ring.close();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down and runs this very hook.
    }
    log.info("chaos cluster stopped root={}", root);
  }
}
