package io.nereid.chaos;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.nereid.agent.NodeAgent;
import io.nereid.node.ComputeNode;
import io.nereid.node.Resources;
import io.nereid.persistence.NereidConfig;
import io.nereid.runtime.SimulatedRuntime;
import io.nereid.server.MemberRuntime;
import io.nereid.server.ServerSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The compute JVM of the chaos cluster: a member with the compute role that registers a few
 * compute nodes and runs a node agent with a {@link SimulatedRuntime} for each, so that many
 * containers fit on one machine without runc.
 *
 * <p>Usage: {@code ComputeMember CONFIG_FILE NODE_PREFIX NODES CPU_MILLIS MEMORY_BYTES}. It
 * prints {@value #READY} once every node is registered and its agent started.
 */
// NOTE: the production compute member (role compute with a simulated runtime choice) replaces
// this class once the server has one. The simulated nodes here keep no state across a restart of
// this JVM, and no agent reconciles the containers placed on them.
public final class ComputeMember {

  static final String READY = "chaos compute member ready";
  private static final int REGISTER_ATTEMPTS = 20;

  private ComputeMember() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println(
          "usage: ComputeMember CONFIG_FILE NODE_PREFIX NODES CPU_MILLIS MEMORY_BYTES");
      System.exit(2);
    }
    Config config = NereidConfig.load(ConfigFactory.parseFile(Path.of(args[0]).toFile()));
    String prefix = args[1];
    int nodes = Integer.parseInt(args[2]);
    Resources capacity =
        new Resources(Long.parseLong(args[3]), Long.parseLong(args[4]), 100L << 30);
    ServerSettings settings = ServerSettings.fromConfig(config);
    System.setProperty("nereid.log.file", settings.dataDir().resolve("nereid.log").toString());
    System.setProperty("logback.configurationFile", "nereid-logback.xml");

    MemberRuntime runtime = MemberRuntime.start(config, false);
    Runtime.getRuntime().addShutdownHook(new Thread(runtime::close, "compute-member-shutdown"));
    ClusterSharding sharding = runtime.member().sharding();
    ScheduledExecutorService timers = Executors.newScheduledThreadPool(1);
    for (int i = 1; i <= nodes; i++) {
      String nodeId = prefix + i;
      register(sharding, nodeId, settings.dev().pool(), capacity, settings.askTimeout());
      SimulatedRuntime simulated =
          new SimulatedRuntime(
              timers, Clock.systemUTC(), Duration.ofMillis(20), Duration.ofMillis(20));
      runtime
          .member()
          .system()
          .systemActorOf(
              NodeAgent.create(nodeId, simulated, sharding, settings.askTimeout()),
              "node-agent-" + nodeId,
              Props.empty());
    }
    System.out.println(READY);
    System.out.flush();
    runtime.member().system().getWhenTerminated().toCompletableFuture().join();
  }

  /** Registers one node, retrying while sharding cannot yet reach a control member. */
  private static void register(
      ClusterSharding sharding, String nodeId, String pool, Resources capacity, Duration timeout)
      throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        sharding
            .entityRefFor(ComputeNode.TYPE_KEY, nodeId)
            .<ComputeNode.State>askWithStatus(
                replyTo ->
                    new ComputeNode.Register(
                        pool, capacity, Map.of("nereid.simulated", "true"), replyTo),
                timeout)
            .toCompletableFuture()
            .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        return;
      } catch (ExecutionException | TimeoutException e) {
        if (attempt == REGISTER_ATTEMPTS) {
          throw e;
        }
        System.out.println("registration of " + nodeId + " failed, retrying: " + e);
      }
    }
  }
}
