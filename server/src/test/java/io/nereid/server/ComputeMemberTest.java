package io.nereid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.nereid.agent.NodeAgent;
import io.nereid.container.Container;
import io.nereid.container.ContainerSpec;
import io.nereid.container.ContainerStatus;
import io.nereid.docker.ContainerService;
import io.nereid.image.BusyboxRootfs;
import io.nereid.image.RegistryServer;
import io.nereid.image.TestImage;
import io.nereid.node.ComputeNode;
import io.nereid.node.NodeStatus;
import io.nereid.node.Resources;
import io.nereid.scheduler.ContainerPlacement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control member and a separate compute member for this machine, running a real container
 * under runc: the compute member registers its node with the machine's inventory, the node is
 * lost when the member stops, the agent pulls the image from a Docker Hub mirror on loopback, and a
 * new compute member on the same data directory registers it
 * again and adopts the container, whose logs keep flowing.
 */
class ComputeMemberTest {

  private static final String NODE = "machine-1";
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final Config LIVENESS =
      ConfigFactory.parseString("nereid.compute { heartbeat-interval = 500ms, heartbeat-timeout = 20s }");

  @TempDir Path dir;

  /** Starts a compute member that pulls Docker Hub images from {@code mirror}. */
  private MemberRuntime startCompute(MemberRuntime control, RegistryServer mirror) throws Exception {
    int seedPort = Cluster.get(control.member().system()).selfMember().address().getPort().get();
    Config compute =
        ConfigFactory.parseString(
                "nereid.cluster.roles = [compute]\n"
                    + "nereid.cluster.seed-nodes = [\"127.0.0.1:" + seedPort + "\"]\n"
                    + "nereid.compute { node-id = " + NODE + ", labels { rack = r7 } }\n"
                    + "nereid.images.mirrors = [\"" + mirror.uri() + "\"]\n")
            .withFallback(LIVENESS);
    return TestMember.startWithAgents("compute", dir.resolve("machine"), compute);
  }

  private static ComputeNode.State node(ClusterSharding sharding) throws Exception {
    return sharding
        .entityRefFor(ComputeNode.TYPE_KEY, NODE)
        .ask(ComputeNode.Get::new, TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  private static ComputeNode.State awaitNode(ClusterSharding sharding, Predicate<ComputeNode.State> condition)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    ComputeNode.State state = node(sharding);
    while (!condition.test(state)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("node never reached the expected state: " + state);
      }
      Thread.sleep(100);
      state = node(sharding);
    }
    return state;
  }

  /** Waits until the control member's receptionist lists the node's agent. */
  private static void awaitAgent(MemberRuntime control) throws Exception {
    var system = control.member().system();
    var key = NodeAgent.serviceKey(NODE);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
            system.receptionist(), replyTo -> Receptionist.find(key, replyTo), TIMEOUT, system.scheduler())
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS)
        .getServiceInstances(key)
        .isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no agent of " + NODE + " in the receptionist");
      }
      Thread.sleep(100);
    }
  }

  private static List<String> logLines(ContainerService containers, String id) throws Exception {
    NodeAgent.LogLines lines = containers.logs("default", id).toCompletableFuture().get(30, TimeUnit.SECONDS);
    return lines.lines().stream().map(NodeAgent.LogLines.Line::text).toList();
  }

  private static List<String> awaitLogLines(ContainerService containers, String id, int count) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        List<String> lines = logLines(containers, id);
        if (lines.size() >= count) {
          return lines;
        }
      } catch (java.util.concurrent.ExecutionException e) {
        // The agent is not known to the receptionist yet.
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("fewer than " + count + " log lines: " + logLines(containers, id));
      }
      Thread.sleep(100);
    }
  }

  /** Returns the node agent's view of a container: its runtime state, such as running or stopped. */
  private static String runtimeState(MemberRuntime control, String id) throws Exception {
    var system = control.member().system();
    var key = NodeAgent.serviceKey(NODE);
    var agent =
        AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
                system.receptionist(), replyTo -> Receptionist.find(key, replyTo), TIMEOUT, system.scheduler())
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS)
            .getServiceInstances(key)
            .iterator()
            .next();
    return AskPattern.<NodeAgent.Command, org.apache.pekko.pattern.StatusReply<NodeAgent.RuntimeView>>ask(
            agent, replyTo -> new NodeAgent.Describe(id, replyTo), TIMEOUT, system.scheduler())
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS)
        .getValue()
        .state();
  }

  @Test
  void computeMemberAdoptsContainerAndIsLost() throws Exception {
    try (RegistryServer mirror = RegistryServer.start(Files.createDirectories(dir.resolve("registry")), null);
        MemberRuntime control = TestMember.start("compute", dir.resolve("control"), LIVENESS)) {
      mirror.push("library/busybox", "latest", TestImage.of(List.of(BusyboxRootfs.tar()), List.of(), List.of("sh")));
      ClusterSharding sharding = control.member().sharding();
      ContainerService containers =
          new ContainerService(
              control.member().system(),
              sharding,
              new ContainerPlacement(sharding, "default", TIMEOUT),
              TIMEOUT,
              null,
              control.member().events());
      String id;
      List<String> before;
      ComputeNode.State registered;

      try (MemberRuntime machine = startCompute(control, mirror)) {
        registered = awaitNode(sharding, state -> state.status() == NodeStatus.READY);
        Path machineData = dir.resolve("machine").toAbsolutePath();
        assertEquals(MachineInventory.read(machineData), registered.capacity());
        assertEquals(Runtime.getRuntime().availableProcessors() * 1000L, registered.capacity().cpuMillis());
        assertEquals(Map.of("rack", "r7"), registered.labels());
        assertEquals("default", registered.pool());

        // The agent pulls busybox from the mirror when the container starts.
        assertTrue(machine.member().images().find("busybox").isEmpty());
        awaitAgent(control);
        ContainerSpec spec =
            ContainerSpec.of(
                "busybox",
                List.of("sh", "-c", "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.1; done"));
        id = containers.create("default", "counter", spec).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertTrue(containers.start("default", id).toCompletableFuture().get(60, TimeUnit.SECONDS));
        before = awaitLogLines(containers, id, 3);
        assertTrue(machine.member().images().find("busybox").isPresent());
      }

      // A restart within the heartbeat timeout: the node stays ready and the container is adopted.
      try (MemberRuntime machine = startCompute(control, mirror)) {
        List<String> after = awaitLogLines(containers, id, before.size() + 10);
        // The process ran on: its counter went on, so no second copy started from zero.
        assertEquals(before, after.subList(0, before.size()));
        for (int i = 0; i < after.size(); i++) {
          assertEquals("line " + i, after.get(i));
        }
        Container.State state = containers.find("default", id).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(ContainerStatus.RUNNING, state.status());
        assertEquals(NODE, state.nodeId());
        ComputeNode.State node = node(sharding);
        assertEquals(NodeStatus.READY, node.status());
        assertEquals(registered.statusChangedAt(), node.statusChangedAt(), "no status change while restarting");
      }

      // The member stays away past the timeout: the monitor marks the node lost, and the
      // scheduler marks its container, which has no restart policy, exited.
      awaitNode(sharding, state -> state.status() == NodeStatus.LOST);

      try (MemberRuntime machine = startCompute(control, mirror)) {
        awaitNode(sharding, state -> state.status() == NodeStatus.READY);
        awaitAgent(control);
        Container.State state = containers.find("default", id).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(ContainerStatus.EXITED, state.status());
        // The process that ran on through the loss is not wanted any more, so the agent stops it.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!runtimeState(control, id).equals("stopped") && System.nanoTime() < deadline) {
          Thread.sleep(200);
        }
        assertEquals("stopped", runtimeState(control, id));

        containers.remove("default", id, true).toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
    }
  }
}
