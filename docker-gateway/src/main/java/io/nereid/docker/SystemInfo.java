package io.nereid.docker;

import io.nereid.account.Account;
import io.nereid.image.ImageStore;
import io.nereid.node.ComputeNode;
import io.nereid.node.NodeDirectory;
import io.nereid.node.NodeStatus;
import io.nereid.node.Resources;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * The document of {@code GET /info}: the whole cluster as one Docker host. NCPU and MemTotal are
 * the sums over the nodes that are not lost or decommissioned, and the container counts are the
 * account's. SystemStatus lists every node with its state and reservations as name and value
 * pairs, which {@code docker info} prints as they are.
 */
final class SystemInfo {

  private final NodeDirectory nodes;
  private final ContainerService containers;
  private final ImageStore images;
  private final Map<String, Object> fixed;

  /** @param fixed fields that do not change while the member runs, such as the server version */
  SystemInfo(NodeDirectory nodes, ContainerService containers, ImageStore images, Map<String, Object> fixed) {
    this.nodes = nodes;
    this.containers = containers;
    this.images = images;
    this.fixed = fixed;
  }

  CompletionStage<Map<String, Object>> describe(String account) {
    return nodes
        .nodes()
        .thenCombine(
            containers.list(account, new ContainerListing(DockerFilters.NONE, true, -1, reference -> java.util.Optional.empty())),
            (nodeStates, summaries) -> document(nodeStates, summaries));
  }

  private Map<String, Object> document(List<ComputeNode.State> nodeStates, List<Account.ContainerSummary> summaries) {
    Map<String, Long> byState =
        summaries.stream()
            .collect(Collectors.groupingBy(summary -> ContainerViews.dockerState(summary.status()), Collectors.counting()));
    long running = byState.getOrDefault("running", 0L);
    long paused = byState.getOrDefault("paused", 0L);

    Resources capacity = Resources.NONE;
    for (ComputeNode.State node : nodeStates) {
      if (counts(node)) {
        capacity = capacity.plus(node.capacity());
      }
    }

    Map<String, Object> info = new LinkedHashMap<>(fixed);
    info.put("Containers", summaries.size());
    info.put("ContainersRunning", running);
    info.put("ContainersPaused", paused);
    info.put("ContainersStopped", summaries.size() - running - paused);
    info.put("Images", images == null ? 0 : images.list().size());
    // Docker counts whole CPUs. Fractional node shares, such as dev mode's, round to the nearest
    // whole CPU, so three nodes of 0.666 CPU count as 2.
    info.put("NCPU", Math.round(capacity.cpuMillis() / 1000.0));
    info.put("MemTotal", capacity.memoryBytes());
    info.put("SystemStatus", systemStatus(nodeStates));
    return info;
  }

  /** Returns true for a node whose capacity belongs to the cluster: not lost or decommissioned. */
  private static boolean counts(ComputeNode.State node) {
    return node.status() != NodeStatus.LOST && node.status() != NodeStatus.DECOMMISSIONED;
  }

  private static List<List<String>> systemStatus(List<ComputeNode.State> nodeStates) {
    List<List<String>> lines = new ArrayList<>();
    lines.add(List.of("Nodes", Integer.toString(nodeStates.size())));
    for (ComputeNode.State node : nodeStates) {
      Resources reserved = node.reserved();
      lines.add(List.of(" " + node.nodeId(), "pool " + node.pool()));
      lines.add(List.of("  └ Status", node.status().lowerCase()));
      lines.add(List.of("  └ Containers", Integer.toString(node.reservations().size())));
      lines.add(
          List.of(
              "  └ Reserved CPUs",
              cpus(reserved.cpuMillis()) + " / " + cpus(node.capacity().cpuMillis())));
      lines.add(
          List.of(
              "  └ Reserved Memory",
              mebibytes(reserved.memoryBytes()) + " / " + mebibytes(node.capacity().memoryBytes())));
      String labels =
          node.labels().entrySet().stream()
              .sorted(Map.Entry.comparingByKey())
              .map(entry -> entry.getKey() + "=" + entry.getValue())
              .collect(Collectors.joining(", "));
      lines.add(List.of("  └ Labels", labels));
      lines.add(List.of("  └ UpdatedAt", node.statusChangedAt().toString()));
    }
    return lines;
  }

  private static String cpus(long millis) {
    return java.math.BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString();
  }

  private static String mebibytes(long bytes) {
    return bytes / (1024 * 1024) + " MiB";
  }
}
