package io.nereid.server;

import io.nereid.agent.NodeAgent;
import io.nereid.image.ImageStore;
import io.nereid.runtime.ContainerException;
import io.nereid.runtime.RuncRuntime;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agents of dev mode: one per virtual node, each with a runc runtime of its own state
 * directory, all sharing this machine's image store. runc calls block, so they run on a
 * dedicated thread pool, never on the actors' dispatcher.
 */
final class ComputeAgents implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ComputeAgents.class);

  private final ExecutorService blocking;
  private final List<RuncRuntime> runtimes;

  private ComputeAgents(ExecutorService blocking, List<RuncRuntime> runtimes) {
    this.blocking = blocking;
    this.runtimes = runtimes;
  }

  /**
   * Starts an agent for each node; fails with {@link Main.StartupException} when runc cannot run
   * here (not installed, or not root).
   */
  static ComputeAgents start(
      ActorSystem<?> system,
      ClusterSharding sharding,
      ImageStore images,
      List<String> nodeIds,
      Path dataDir,
      Duration askTimeout) {
    AtomicInteger threads = new AtomicInteger();
    ExecutorService blocking =
        Executors.newCachedThreadPool(
            task -> {
              Thread thread = new Thread(task, "nereid-runtime-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    List<RuncRuntime> runtimes = new ArrayList<>();
    try {
      for (String nodeId : nodeIds) {
        RuncRuntime runtime =
            RuncRuntime.open(
                RuncRuntime.Options.defaults(dataDir.resolve("nodes").resolve(nodeId)),
                images,
                blocking,
                Clock.systemUTC());
        runtimes.add(runtime);
        system.systemActorOf(
            NodeAgent.create(nodeId, runtime, sharding, askTimeout), "node-agent-" + nodeId, Props.empty());
      }
    } catch (ContainerException e) {
      blocking.shutdownNow();
      throw new Main.StartupException("cannot run containers on this machine: " + e.getMessage());
    }
    log.info("node agents started nodes={}", nodeIds);
    return new ComputeAgents(blocking, runtimes);
  }

  /** Stops watching the containers; they keep running and the next start adopts them. */
  @Override
  public void close() {
    for (RuncRuntime runtime : runtimes) {
      try {
        runtime.close();
      } catch (Exception e) {
        log.warn("runtime did not close cleanly error={}", e.toString());
      }
    }
    blocking.shutdown();
  }
}
