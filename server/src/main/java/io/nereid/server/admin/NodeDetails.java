package io.nereid.server.admin;

import io.nereid.container.Container;
import io.nereid.container.ContainerStatus;
import io.nereid.node.ComputeNode;
import io.nereid.node.Reservation;
import io.nereid.node.Resources;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The document of {@code GET /v1/nodes/{id}}: the node's summary, its utilization per dimension
 * and its reservations, each with the status its container entity reports.
 */
final class NodeDetails {

  private NodeDetails() {}

  static CompletionStage<Map<String, Object>> of(
      ComputeNode.State node, ClusterSharding sharding, Duration askTimeout) {
    Map<String, CompletableFuture<String>> statuses = new TreeMap<>();
    for (String containerId : node.reservations().keySet()) {
      statuses.put(
          containerId,
          sharding
              .entityRefFor(Container.TYPE_KEY, containerId)
              .ask(Container.Get::new, askTimeout)
              .thenApply(NodeDetails::statusOf)
              .exceptionally(error -> "unknown")
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(statuses.values().toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              Map<String, Object> view = AdminRoutes.nodeView(node);
              view.put("utilization", utilization(node.capacity(), node.reserved()));
              Map<String, Object> reservations = new LinkedHashMap<>();
              statuses.forEach(
                  (containerId, status) ->
                      reservations.put(
                          containerId,
                          reservationView(node.reservations().get(containerId), status.join())));
              view.put("reservations", reservations);
              return view;
            });
  }

  /** Returns a container's status, or "unknown" for a reservation without a container entity. */
  private static String statusOf(Container.State container) {
    return container.status() == ContainerStatus.NEW ? "unknown" : container.status().lowerCase();
  }

  private static Map<String, Object> reservationView(Reservation reservation, String status) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("name", reservation.containerName());
    entry.put("image", reservation.image());
    entry.put("status", status);
    entry.put("reserved", AdminRoutes.resourcesView(reservation.resources()));
    return entry;
  }

  /**
   * Returns reserved against capacity for each dimension; {@code fraction} is reserved divided by
   * capacity (0 for a dimension the node lacks), so 1536 of 2048 MiB reads 0.75.
   */
  static Map<String, Object> utilization(Resources capacity, Resources reserved) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("cpus", dimension(capacity.cpuMillis() / 1000.0, reserved.cpuMillis() / 1000.0));
    view.put("memoryBytes", dimension(capacity.memoryBytes(), reserved.memoryBytes()));
    view.put("diskBytes", dimension(capacity.diskBytes(), reserved.diskBytes()));
    return view;
  }

  private static Map<String, Object> dimension(Number capacity, Number reserved) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("capacity", capacity);
    view.put("reserved", reserved);
    double total = capacity.doubleValue();
    view.put("fraction", total == 0 ? 0.0 : reserved.doubleValue() / total);
    return view;
  }
}
