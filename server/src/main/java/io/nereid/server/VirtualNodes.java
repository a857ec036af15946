package io.nereid.server;

import io.nereid.node.ComputeNode;
import io.nereid.node.Resources;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compute nodes of dev mode: this machine presented as several smaller nodes, so that
 * bin-packing is visible on one box.
 */
final class VirtualNodes {

  private static final Logger log = LoggerFactory.getLogger(VirtualNodes.class);

  private VirtualNodes() {}

  /** Returns the capacity of each virtual node: the configured values, or an even split. */
  static Resources capacityOfEach(ServerSettings.Dev dev, Resources machine) {
    int count = dev.virtualNodes();
    long cpuMillis =
        dev.nodeCpus().isPresent()
            ? Math.round(dev.nodeCpus().getAsDouble() * 1000)
            : Math.max(1, machine.cpuMillis() / count);
    long memory = dev.nodeMemoryBytes().orElse(machine.memoryBytes() / count);
    long disk = dev.nodeDiskBytes().orElse(machine.diskBytes() / count);
    return new Resources(cpuMillis, memory, disk);
  }

  static String nodeId(int index) {
    return "dev-node-" + index;
  }

  /** Registers every virtual node; returns their ids. */
  static List<String> register(
      ClusterSharding sharding, ServerSettings.Dev dev, Path dataDir, Duration timeout)
      throws Exception {
    Resources capacity = capacityOfEach(dev, MachineInventory.read(dataDir));
    List<String> ids = new ArrayList<>();
    for (int index = 1; index <= dev.virtualNodes(); index++) {
      String id = nodeId(index);
      Map<String, String> labels = Map.of("nereid.virtual", "true");
      ComputeNode.State state = registerOne(sharding, id, dev.pool(), capacity, labels, timeout);
      log.info(
          "virtual node registered node_id={} pool={} status={} cpu_millis={} memory_bytes={}",
          id,
          dev.pool(),
          state.status().lowerCase(),
          capacity.cpuMillis(),
          capacity.memoryBytes());
      ids.add(id);
    }
    return ids;
  }

  /**
   * Sends one registration, retrying while the member is still joining and sharding cannot yet
   * allocate the entity. Registration is idempotent, so a retry after a lost reply is harmless.
   */
  private static ComputeNode.State registerOne(
      ClusterSharding sharding,
      String id,
      String pool,
      Resources capacity,
      Map<String, String> labels,
      Duration timeout)
      throws Exception {
    int attempts = 6;
    for (int attempt = 1; ; attempt++) {
      try {
        return sharding
            .entityRefFor(ComputeNode.TYPE_KEY, id)
            .<ComputeNode.State>askWithStatus(
                replyTo -> new ComputeNode.Register(pool, capacity, labels, replyTo), timeout)
            .toCompletableFuture()
            .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        if (attempt == attempts) {
          throw e;
        }
        log.info("virtual node registration retrying node_id={} attempt={} error={}", id, attempt, e.toString());
      }
    }
  }
}
