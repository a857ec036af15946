package io.nereid.server;

import io.nereid.agent.NodeAgent;
import io.nereid.image.ImagePuller;
import io.nereid.image.ImageReference;
import io.nereid.image.ImageStore;
import io.nereid.image.RegistryClient;
import io.nereid.node.NodeMonitor;
import io.nereid.node.Resources;
import io.nereid.runtime.ContainerException;
import io.nereid.runtime.ContainerRuntime;
import io.nereid.runtime.RuncRuntime;
import io.nereid.runtime.SimulatedRuntime;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agents of one member: one per virtual node in dev mode, or one for this machine on a
 * compute member. runc calls block, so they run on a dedicated thread pool, never on the actors'
 * dispatcher. Every agent sends heartbeats to the cluster's node monitor.
 */
final class ComputeAgents implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ComputeAgents.class);

  private final ExecutorService blocking;
  private final List<ContainerRuntime> runtimes;

  private ComputeAgents(ExecutorService blocking, List<ContainerRuntime> runtimes) {
    this.blocking = blocking;
    this.runtimes = runtimes;
  }

  /**
   * Starts an agent for each of the given nodes, each with a runc runtime of its own state
   * directory and all sharing the member's image store; fails with {@link Main.StartupException}
   * when runc cannot run here (not installed, or not root). The nodes must be registered already;
   * an agent registers its node again with the same inventory when the node is lost. The agents
   * publish the SIGKILL that ends a stop on the member's Docker events.
   */
  static ComputeAgents start(NereidMember member, List<String> nodeIds, Path dataDir, Duration askTimeout) {
    ActorSystem<?> system = member.system();
    ClusterSharding sharding = member.sharding();
    ImageStore images = member.images();
    ServerSettings settings = ServerSettings.fromConfig(system.settings().config());
    ActorRef<NodeMonitor.Command> monitor = NodeLiveness.monitor(system, sharding, settings);
    ExecutorService blocking = blockingPool();
    ImagePuller puller =
        new ImagePuller(
            images, new RegistryClient(ImageSettings.fromConfig(system.settings().config()), Clock.systemUTC()), blocking);
    List<ContainerRuntime> runtimes = new ArrayList<>();
    try {
      for (String nodeId : nodeIds) {
        RuncRuntime runtime = runc(images, blocking, stateDirectory(dataDir, nodeId));
        runtimes.add(runtime);
        NodeAgent.Liveness liveness =
            liveness(system, monitor, settings, Optional.empty());
        NodeAgent.ImageSource source = pullingWhenMissing(nodeId, images, puller, blocking);
        system.systemActorOf(
            NodeAgent.create(
                nodeId, runtime, sharding, askTimeout, Optional.of(liveness), source, member.events().signalObserver()),
            "node-agent-" + nodeId,
            Props.empty());
      }
    } catch (ContainerException e) {
      blocking.shutdownNow();
      throw new Main.StartupException("cannot run containers on this machine: " + e.getMessage());
    }
    log.info("node agents started nodes={}", nodeIds);
    return new ComputeAgents(blocking, runtimes);
  }

  /**
   * Starts the agent of this machine's node on a compute member: its id, pool and labels from
   * {@code nereid.compute}, its capacity read from the operating system, its runtime as
   * configured, its state under {@code nodes/<node id>} in the data directory. The agent registers
   * the node itself, and again with a fresh inventory after every restart.
   */
  static ComputeAgents startMachine(NereidMember member, Path dataDir) {
    ServerSettings settings = member.settings();
    ServerSettings.Compute compute = settings.compute();
    String nodeId = compute.nodeId().orElseGet(ComputeAgents::hostName);
    Resources capacity;
    try {
      capacity = MachineInventory.read(dataDir);
    } catch (IOException e) {
      throw new Main.StartupException("cannot read this machine's inventory: " + e.getMessage());
    }
    ExecutorService blocking = blockingPool();
    ContainerRuntime runtime;
    try {
      runtime =
          switch (compute.runtime()) {
            case RUNC -> runc(member.images(), blocking, stateDirectory(dataDir, nodeId));
            case SIMULATED -> simulated(nodeId);
          };
    } catch (ContainerException e) {
      blocking.shutdownNow();
      throw new Main.StartupException("cannot run containers on this machine: " + e.getMessage());
    }
    NodeAgent.Inventory inventory = new NodeAgent.Inventory(compute.pool(), capacity, compute.labels());
    NodeAgent.Liveness liveness =
        liveness(member.system(), member.nodeMonitor(), settings, Optional.of(inventory));
    member
        .system()
        .systemActorOf(
            NodeAgent.create(
                nodeId,
                runtime,
                member.sharding(),
                settings.askTimeout(),
                Optional.of(liveness),
                pullingWhenMissing(nodeId, member.images(), member.imagePuller(), blocking),
                member.events().signalObserver()),
            "node-agent-" + nodeId,
            Props.empty());
    log.info(
        "compute node agent started node_id={} pool={} labels={} runtime={} cpu_millis={} memory_bytes={} disk_bytes={}",
        nodeId,
        compute.pool(),
        compute.labels(),
        compute.runtime().name().toLowerCase(),
        capacity.cpuMillis(),
        capacity.memoryBytes(),
        capacity.diskBytes());
    return new ComputeAgents(blocking, List.of(runtime));
  }

  /**
   * Returns an image source that pulls an image missing from {@code store} as the member's
   * {@code nereid.images} settings say. The store lookup reads the disk, so it runs on
   * {@code blocking}.
   */
  static NodeAgent.ImageSource pullingWhenMissing(
      String nodeId, ImageStore store, ImagePuller puller, Executor blocking) {
    return image ->
        CompletableFuture.supplyAsync(() -> store.find(image).isPresent(), blocking)
            .thenCompose(
                present -> {
                  if (present) {
                    return CompletableFuture.completedFuture(null);
                  }
                  log.info("image missing, pulling node_id={} image={}", nodeId, image);
                  return puller.pull(ImageReference.parse(image)).thenApply(pulled -> (Void) null);
                });
  }

  private static NodeAgent.Liveness liveness(
      ActorSystem<?> system,
      ActorRef<NodeMonitor.Command> monitor,
      ServerSettings settings,
      Optional<NodeAgent.Inventory> inventory) {
    String member = Cluster.get(system).selfMember().address().toString();
    return new NodeAgent.Liveness(monitor, member, inventory, settings.compute().heartbeatInterval());
  }

  private static Path stateDirectory(Path dataDir, String nodeId) {
    return dataDir.resolve("nodes").resolve(nodeId);
  }

  private static RuncRuntime runc(ImageStore images, ExecutorService blocking, Path stateDirectory)
      throws ContainerException {
    return RuncRuntime.open(RuncRuntime.Options.defaults(stateDirectory), images, blocking, Clock.systemUTC());
  }

  private static SimulatedRuntime simulated(String nodeId) {
    ScheduledExecutorService timers =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "nereid-simulated-runtime");
              thread.setDaemon(true);
              return thread;
            });
    log.warn("node {} uses the simulated runtime: its containers exist only in memory and run nothing", nodeId);
    return new SimulatedRuntime(timers, Clock.systemUTC(), Duration.ZERO, Duration.ZERO);
  }

  private static ExecutorService blockingPool() {
    AtomicInteger threads = new AtomicInteger();
    return Executors.newCachedThreadPool(
        task -> {
          Thread thread = new Thread(task, "nereid-runtime-" + threads.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
  }

  /** Returns this machine's host name, as the kernel has it. */
  static String hostName() {
    try {
      String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
      if (!name.isEmpty()) {
        return name;
      }
    } catch (IOException e) {
      // Not Linux; ask the resolver below.
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      throw new Main.StartupException(
          "cannot find this machine's host name (" + e.getMessage() + "); set nereid.compute.node-id");
    }
  }

  /** Stops watching the containers; they keep running and the next start adopts them. */
  @Override
  public void close() {
    for (ContainerRuntime runtime : runtimes) {
      try {
        runtime.close();
      } catch (Exception e) {
        log.warn("runtime did not close cleanly error={}", e.toString());
      }
    }
    blocking.shutdown();
  }
}
