package io.nereid.server;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.nereid.entity.EntitySettings;
import io.nereid.persistence.CassandraSessions;
import io.nereid.persistence.CassandraSettings;
import io.nereid.persistence.SchemaInstaller;
import io.nereid.scheduler.SchedulerSettings;
import io.nereid.persistence.embedded.EmbeddedCassandra;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Everything one {@code nereid} process runs: the embedded Cassandra when the configuration
 * requests it, the member, and in dev mode the virtual compute nodes. {@link #close()} stops them in
 * reverse order, so the journal has flushed before Cassandra stops.
 */
public final class MemberRuntime implements AutoCloseable {

  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final NereidMember member;
  private final EmbeddedCassandra cassandra;
  private final List<InetSocketAddress> contactPoints;
  private final List<String> virtualNodes;
  private final Path dataDir;
  private final ComputeAgents agents;

  private MemberRuntime(
      NereidMember member,
      EmbeddedCassandra cassandra,
      List<InetSocketAddress> contactPoints,
      List<String> virtualNodes,
      Path dataDir,
      ComputeAgents agents) {
    this.agents = agents;
    this.member = member;
    this.cassandra = cassandra;
    this.contactPoints = contactPoints;
    this.virtualNodes = virtualNodes;
    this.dataDir = dataDir;
  }

  /** Keys that dev mode sets itself, so a value from the user would be silently ignored. */
  private static final List<String> DEV_MODE_KEYS =
      List.of(
          "nereid.cassandra.mode",
          "nereid.cluster.roles",
          "nereid.cluster.seed-nodes",
          "nereid.cluster.port");

  /** Rejects a user configuration that sets a key dev mode overrides. */
  public static void rejectDevOverrides(Config user) {
    for (String key : DEV_MODE_KEYS) {
      if (user.hasPathOrNull(key)) {
        throw new io.nereid.persistence.InvalidConfigException(
            key, "dev mode (nereid up) sets this itself; remove it, or start with nereid run");
      }
    }
  }

  /**
   * Returns the configuration of dev mode: one member with both roles that forms its own
   * cluster on an ephemeral cluster port, with the embedded Cassandra.
   */
  public static Config devConfig(Config loaded) {
    return ConfigFactory.parseMap(
            Map.of(
                "nereid.cassandra.mode", "embedded",
                "nereid.cluster.roles", List.of("control", "compute"),
                "nereid.cluster.seed-nodes", List.of(),
                "nereid.cluster.port", 0))
        .withFallback(loaded);
  }

  /**
   * Starts a member as {@code config} describes; with {@code devMode} it also registers the virtual
   * compute nodes, and otherwise a member with the compute role runs the agent of this machine. Fails with {@link Main.StartupException} or
   * {@link io.nereid.persistence.InvalidConfigException} with a message fit for the user.
   */
  public static MemberRuntime start(Config config, boolean devMode) throws Exception {
    return start(config, devMode, line -> {});
  }

  /** Starts like {@link #start(Config, boolean)}, reporting slow steps to {@code progress}. */
  public static MemberRuntime start(Config config, boolean devMode, Consumer<String> progress)
      throws Exception {
    return start(config, devMode ? Agents.VIRTUAL_NODES : Agents.BY_ROLE, progress);
  }

  /**
   * Starts a member that runs no node agent whatever its roles, for a harness that runs agents of
   * its own, such as agents of simulated nodes.
   */
  public static MemberRuntime startWithoutAgents(Config config) throws Exception {
    return start(config, Agents.NONE, line -> {});
  }

  /** The node agents a member runs. */
  private enum Agents {
    /** Dev mode's virtual nodes. */
    VIRTUAL_NODES,
    /** The agent of this machine when the member has the compute role, else none. */
    BY_ROLE,
    NONE
  }

  private static MemberRuntime start(Config config, Agents agentsToRun, Consumer<String> progress)
      throws Exception {
    ServerSettings settings = ServerSettings.fromConfig(config);
    CassandraSettings cassandraSettings = CassandraSettings.fromConfig(config);
    EntitySettings.fromConfig(config);
    SchedulerSettings.fromConfig(config);
    ImageSettings.fromConfig(config);
    Path dataDir = prepareDataDir(settings.dataDir());

    if (settings.hasRole("control")) {
      requireFreePort("admin API", settings.adminHost(), settings.adminPort(), "--admin-port");
      requireFreePort("Docker API", settings.dockerHost(), settings.dockerPort(), "--docker-port");
    }
    requireFreePort(
        "cluster", settings.clusterHost(), settings.clusterPort(), "nereid.cluster.port");

    EmbeddedCassandra embedded = null;
    List<InetSocketAddress> contactPoints;
    if (cassandraSettings.mode() == CassandraSettings.Mode.EMBEDDED) {
      progress.accept("starting embedded Cassandra, data in " + dataDir.resolve("cassandra") + " ...");
      embedded = EmbeddedCassandraLauncher.start(cassandraSettings, dataDir);
      contactPoints = List.of(embedded.contactPoint());
    } else {
      contactPoints = cassandraSettings.contactPoints();
    }
    try {
      if (embedded != null) {
        installSchema(contactPoints, cassandraSettings);
      } else {
        checkReachable(contactPoints, cassandraSettings);
      }
      Config memberConfig = cassandraSettings.pluginConfig(contactPoints).withFallback(config);
      NereidMember member = NereidMember.start(memberConfig, settings);
      List<String> nodes = List.of();
      ComputeAgents agents = null;
      if (agentsToRun == Agents.VIRTUAL_NODES) {
        try {
          nodes =
              VirtualNodes.register(
                  member.sharding(), settings.dev(), dataDir, settings.askTimeout());
          agents =
              ComputeAgents.start(member, nodes, dataDir, settings.askTimeout());
        } catch (Exception e) {
          member.stop(STOP_TIMEOUT);
          throw e;
        }
      } else if (agentsToRun == Agents.BY_ROLE && settings.hasRole("compute")) {
        try {
          agents = ComputeAgents.startMachine(member, dataDir);
        } catch (RuntimeException e) {
          member.stop(STOP_TIMEOUT);
          throw e;
        }
      }
      return new MemberRuntime(member, embedded, contactPoints, nodes, dataDir, agents);
    } catch (Exception e) {
      if (embedded != null) {
        embedded.close();
      }
      throw e;
    }
  }

  public NereidMember member() {
    return member;
  }

  public Optional<EmbeddedCassandra> cassandra() {
    return Optional.ofNullable(cassandra);
  }

  public List<InetSocketAddress> contactPoints() {
    return contactPoints;
  }

  public List<String> virtualNodes() {
    return virtualNodes;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** Stops the member, then the embedded Cassandra if this runtime started one. */
  @Override
  public void close() {
    if (agents != null) {
      agents.close();
    }
    member.stop(STOP_TIMEOUT);
    if (cassandra != null) {
      cassandra.close();
    }
  }

  static void installSchema(List<InetSocketAddress> contactPoints, CassandraSettings settings) {
    try (CqlSession session = openSession(contactPoints, settings)) {
      SchemaInstaller.install(session, settings);
    }
  }

  private static void checkReachable(
      List<InetSocketAddress> contactPoints, CassandraSettings settings) {
    try (CqlSession session = openSession(contactPoints, settings)) {
      session.execute("SELECT release_version FROM system.local");
    }
  }

  private static CqlSession openSession(
      List<InetSocketAddress> contactPoints, CassandraSettings settings) {
    try {
      return CassandraSessions.open(
          contactPoints, settings.localDatacenter(), Duration.ofSeconds(5));
    } catch (AllNodesFailedException e) {
      throw new Main.StartupException(
          "cannot reach Cassandra at "
              + describe(contactPoints)
              + "; check nereid.cassandra.contact-points and that Cassandra is running");
    }
  }

  /** Returns contact points as {@code [host:port, ...]}, the form the configuration uses. */
  static String describe(List<InetSocketAddress> contactPoints) {
    return contactPoints.stream()
        .map(point -> point.getHostString() + ":" + point.getPort())
        .toList()
        .toString();
  }

  static Path prepareDataDir(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new Main.StartupException(
          "cannot create data directory " + dataDir + ": " + e.getMessage());
    }
    if (!Files.isWritable(dataDir)) {
      throw new Main.StartupException("data directory " + dataDir + " is not writable");
    }
    return dataDir.toAbsolutePath().normalize();
  }

  private static void requireFreePort(String what, String host, int port, String option) {
    if (port == 0) {
      return;
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(host, port));
    } catch (IOException e) {
      throw new Main.StartupException(
          what
              + " port "
              + host
              + ":"
              + port
              + " is already in use; choose another with "
              + option);
    }
  }
}
