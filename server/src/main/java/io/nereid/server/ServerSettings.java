package io.nereid.server;

import com.typesafe.config.Config;
import io.nereid.persistence.ConfigReader;
import io.nereid.persistence.InvalidConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * A member's own settings, read and validated from {@code nereid}.
 *
 * @param stableAfter the Split Brain Resolver's decision delay
 * @param downRemovalMargin how long after removing a downed member the others wait before they
 *     start its shards and singletons
 * @param minorityDownAfter how long a member that reaches no majority waits before it downs itself
 */
public record ServerSettings(
    Path dataDir,
    List<String> roles,
    String clusterHost,
    int clusterPort,
    List<String> seedNodes,
    Duration stableAfter,
    Duration downRemovalMargin,
    Duration minorityDownAfter,
    String adminHost,
    int adminPort,
    String adminToken,
    String dockerHost,
    int dockerPort,
    String dockerSocket,
    Dev dev,
    Compute compute,
    Duration askTimeout) {

  /**
   * Virtual compute nodes of dev mode. An empty optional means "auto": this machine's amount
   * split evenly between the nodes.
   */
  public record Dev(
      int virtualNodes,
      String pool,
      OptionalDouble nodeCpus,
      OptionalLong nodeMemoryBytes,
      OptionalLong nodeDiskBytes) {}

  /** The container runtime of a compute member. */
  public enum RuntimeKind {
    RUNC,
    /** Containers exist only in memory; for benchmarks and failure tests, never the default. */
    SIMULATED
  }

  /**
   * The node a compute member runs, and the heartbeats that keep nodes alive.
   *
   * @param nodeId the node's id; empty means this machine's host name
   * @param heartbeatInterval how often an agent sends a heartbeat
   * @param heartbeatTimeout how long the control plane waits for a heartbeat before it marks the
   *     node lost
   */
  public record Compute(
      Optional<String> nodeId,
      String pool,
      Map<String, String> labels,
      RuntimeKind runtime,
      Duration heartbeatInterval,
      Duration heartbeatTimeout) {}

  private static final String ID_PATTERN = "[a-z0-9][a-z0-9-]{0,62}";
  private static final String NODE_ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,62}";
  private static final String LABEL_KEY_PATTERN = "[A-Za-z0-9][A-Za-z0-9._/-]{0,62}";

  private static final List<String> KNOWN_ROLES = List.of("control", "compute");

  public static ServerSettings fromConfig(Config config) {
    ConfigReader nereid = new ConfigReader(config, "nereid");
    ConfigReader cluster = nereid.section("cluster");
    List<String> roles = cluster.strings("roles");
    if (roles.isEmpty()) {
      throw new InvalidConfigException(cluster.key("roles"), "must name at least one role");
    }
    for (String role : roles) {
      if (!KNOWN_ROLES.contains(role)) {
        throw new InvalidConfigException(
            cluster.key("roles"), "unknown role \"" + role + "\"; use " + KNOWN_ROLES);
      }
    }
    List<String> seeds = cluster.strings("seed-nodes");
    for (String seed : seeds) {
      if (!seed.matches("[^:\\s]+:[0-9]{1,5}")) {
        throw new InvalidConfigException(
            cluster.key("seed-nodes"), "expected host:port, got \"" + seed + "\"");
      }
    }
    Duration stableAfter = cluster.positiveDuration("stable-after");
    Duration minorityDownAfter = cluster.positiveDuration("minority-down-after");
    if (minorityDownAfter.compareTo(stableAfter) >= 0) {
      throw new InvalidConfigException(
          cluster.key("minority-down-after"),
          "must be shorter than stable-after (" + stableAfter + "), or the minority stops no earlier than the Split Brain Resolver stops it");
    }
    ConfigReader admin = nereid.section("admin");
    ConfigReader docker = nereid.section("docker");
    return new ServerSettings(
        Path.of(nereid.string("data-dir")),
        List.copyOf(roles),
        cluster.string("host"),
        cluster.port("port"),
        List.copyOf(seeds),
        stableAfter,
        cluster.positiveDuration("down-removal-margin"),
        minorityDownAfter,
        admin.string("host"),
        admin.port("port"),
        adminToken(admin),
        docker.string("host"),
        docker.port("port"),
        docker.string("socket"),
        readDev(nereid.section("dev")),
        readCompute(nereid.section("compute")),
        nereid.positiveDuration("ask-timeout"));
  }

  /**
   * Reads the admin token; an admin API reachable beyond loopback without one would let anyone
   * who reaches the port run the data center, so that is a configuration error.
   */
  private static String adminToken(ConfigReader admin) {
    String token = admin.string("token");
    String host = admin.string("host");
    boolean loopback = host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    if (token.isEmpty() && !loopback) {
      throw new InvalidConfigException(
          admin.key("token"),
          "must be set when the admin API listens on " + host + ", which is not a loopback address");
    }
    return token;
  }

  public boolean hasRole(String role) {
    return roles.contains(role);
  }

  private static Dev readDev(ConfigReader dev) {
    int count = dev.intAtLeast("virtual-nodes", 1);
    String pool = pool(dev);
    OptionalDouble cpus = OptionalDouble.empty();
    if (!isAuto(dev, "node-cpus")) {
      cpus = OptionalDouble.of(dev.doubleAtLeast("node-cpus", 0.001));
    }
    return new Dev(count, pool, cpus, size(dev, "node-memory"), size(dev, "node-disk"));
  }

  private static String pool(ConfigReader section) {
    String pool = section.string("pool");
    if (!pool.matches(ID_PATTERN)) {
      throw new InvalidConfigException(
          section.key("pool"), "use lower-case letters, digits and dashes, got \"" + pool + "\"");
    }
    return pool;
  }

  private static Compute readCompute(ConfigReader compute) {
    String nodeId = compute.string("node-id");
    if (!nodeId.isEmpty() && !nodeId.matches(NODE_ID_PATTERN)) {
      throw new InvalidConfigException(
          compute.key("node-id"),
          "use letters, digits, dots, dashes and underscores (at most 63), got \"" + nodeId + "\"");
    }
    Duration interval = compute.positiveDuration("heartbeat-interval");
    Duration timeout = compute.positiveDuration("heartbeat-timeout");
    if (timeout.compareTo(interval.multipliedBy(3)) < 0) {
      throw new InvalidConfigException(
          compute.key("heartbeat-timeout"),
          "must be at least three heartbeat intervals ("
              + interval.multipliedBy(3).toMillis()
              + "ms), got "
              + timeout.toMillis()
              + "ms");
    }
    return new Compute(
        nodeId.isEmpty() ? Optional.empty() : Optional.of(nodeId),
        pool(compute),
        labels(compute),
        compute.oneOf("runtime", RuntimeKind.class),
        interval,
        timeout);
  }

  private static Map<String, String> labels(ConfigReader compute) {
    ConfigReader section = compute.section("labels");
    Map<String, String> labels = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> entry : section.raw().root().entrySet()) {
      String key = entry.getKey();
      if (!key.matches(LABEL_KEY_PATTERN)) {
        throw new InvalidConfigException(
            compute.key("labels"), "invalid label name \"" + key + "\"; use letters, digits, dots, dashes, slashes");
      }
      if (entry.getValue().valueType() == ConfigValueType.OBJECT
          || entry.getValue().valueType() == ConfigValueType.LIST) {
        throw new InvalidConfigException(
            compute.key("labels"), "label \"" + key + "\" must be a string; quote names that contain dots");
      }
      labels.put(key, String.valueOf(entry.getValue().unwrapped()));
    }
    return Map.copyOf(labels);
  }

  private static OptionalLong size(ConfigReader dev, String name) {
    if (isAuto(dev, name)) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(dev.bytesAtLeast(name, 1));
  }

  private static boolean isAuto(ConfigReader dev, String name) {
    return dev.raw().hasPath(name) && "auto".equals(dev.raw().getValue(name).unwrapped());
  }
}
