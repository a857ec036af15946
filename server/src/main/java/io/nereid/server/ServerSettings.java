package io.nereid.server;

import com.typesafe.config.Config;
import io.nereid.persistence.ConfigReader;
import io.nereid.persistence.InvalidConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/** A member's own settings, read and validated from {@code nereid}. */
public record ServerSettings(
    Path dataDir,
    List<String> roles,
    String clusterHost,
    int clusterPort,
    List<String> seedNodes,
    Duration stableAfter,
    String adminHost,
    int adminPort,
    String adminToken,
    String dockerHost,
    int dockerPort,
    String dockerSocket,
    Dev dev,
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
    ConfigReader admin = nereid.section("admin");
    ConfigReader docker = nereid.section("docker");
    return new ServerSettings(
        Path.of(nereid.string("data-dir")),
        List.copyOf(roles),
        cluster.string("host"),
        cluster.port("port"),
        List.copyOf(seeds),
        cluster.positiveDuration("stable-after"),
        admin.string("host"),
        admin.port("port"),
        adminToken(admin),
        docker.string("host"),
        docker.port("port"),
        docker.string("socket"),
        readDev(nereid.section("dev")),
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
    String pool = dev.string("pool");
    if (!pool.matches("[a-z0-9][a-z0-9-]{0,62}")) {
      throw new InvalidConfigException(
          dev.key("pool"), "use lower-case letters, digits and dashes, got \"" + pool + "\"");
    }
    OptionalDouble cpus = OptionalDouble.empty();
    if (!isAuto(dev, "node-cpus")) {
      cpus = OptionalDouble.of(dev.doubleAtLeast("node-cpus", 0.001));
    }
    return new Dev(count, pool, cpus, size(dev, "node-memory"), size(dev, "node-disk"));
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
