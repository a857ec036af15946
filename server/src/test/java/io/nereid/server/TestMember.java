package io.nereid.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.nereid.node.ComputeNode;
import io.nereid.node.Resources;
import io.nereid.persistence.CassandraSessions;
import io.nereid.persistence.CassandraSettings;
import io.nereid.persistence.NereidConfig;
import io.nereid.persistence.SchemaInstaller;
import io.nereid.persistence.testing.SharedCassandra;
import java.net.InetSocketAddress;
import io.nereid.image.ImageLoader;
import io.nereid.image.ImageReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A member with both roles on free ports, journaling to the shared test Cassandra in keyspaces
 * named after the test, with compute nodes registered directly on their entities.
 */
final class TestMember {

  static final Duration TIMEOUT = Duration.ofSeconds(15);

  private TestMember() {}

  static MemberRuntime start(String keyspacePrefix, Path dataDir) throws Exception {
    return start(keyspacePrefix, dataDir, ConfigFactory.empty());
  }

  /**
   * Starts a member with {@code extra} layered over the test defaults. It runs no node agent, so
   * tests register the nodes they need and start agents themselves.
   */
  static MemberRuntime start(String keyspacePrefix, Path dataDir, Config extra) throws Exception {
    return MemberRuntime.startWithoutAgents(config(keyspacePrefix, dataDir, extra));
  }

  /** Starts a member like {@link #start(String, Path, Config)} that runs the agents its roles ask for. */
  static MemberRuntime startWithAgents(String keyspacePrefix, Path dataDir, Config extra) throws Exception {
    return MemberRuntime.start(config(keyspacePrefix, dataDir, extra), false);
  }

  private static Config config(String keyspacePrefix, Path dataDir, Config extra) throws Exception {
    InetSocketAddress point = SharedCassandra.get().contactPoint();
    Config config =
        NereidConfig.load(
            extra.withFallback(ConfigFactory.parseString(
                    "nereid.cassandra { mode = external, contact-points = [\""
                        + point.getHostString()
                        + ":"
                        + point.getPort()
                        + "\"], journal-keyspace = "
                        + keyspacePrefix
                        + "_journal, snapshot-keyspace = "
                        + keyspacePrefix
                        + "_snapshot }")
                .withFallback(
                    ConfigFactory.parseMap(
                        Map.of(
                            "nereid.data-dir", dataDir.toString(),
                            "nereid.cluster.port", 0,
                            "nereid.admin.port", 0,
                            "nereid.docker.port", 0)))));
    try (var session = CassandraSessions.open(List.of(point), "datacenter1", TIMEOUT)) {
      SchemaInstaller.install(session, CassandraSettings.fromConfig(config));
    }
    return config;
  }

  static ComputeNode.State register(MemberRuntime runtime, String nodeId, Resources capacity)
      throws Exception {
    return register(runtime, nodeId, "default", capacity, Map.of());
  }

  static ComputeNode.State register(
      MemberRuntime runtime, String nodeId, String pool, Resources capacity) throws Exception {
    return register(runtime, nodeId, pool, capacity, Map.of());
  }

  static ComputeNode.State register(
      MemberRuntime runtime,
      String nodeId,
      String pool,
      Resources capacity,
      Map<String, String> labels)
      throws Exception {
    return runtime
        .member()
        .sharding()
        .entityRefFor(ComputeNode.TYPE_KEY, nodeId)
        .<ComputeNode.State>askWithStatus(
            replyTo -> new ComputeNode.Register(pool, capacity, labels, replyTo), TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  /** Imports a root filesystem of Debian's static busybox as the image busybox:latest. */
  static void importBusybox(MemberRuntime runtime, Path dir) throws Exception {
    BusyboxImage.importInto(runtime.member().images(), dir);
  }

}
