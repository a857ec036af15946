package io.nereid.server.admin;

import io.nereid.node.ComputeNode;
import io.nereid.node.NodeStatus;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The query of {@code GET /v1/nodes}: a node matches when its status is one of {@code statuses}
 * (all when empty), it is in {@code pool} (any when empty) and it carries every label in {@code
 * labels}.
 */
record NodeFilter(Set<NodeStatus> statuses, String pool, Map<String, String> labels) {

  /**
   * Parses the query parameters: {@code status} as a comma-separated list, {@code pool} as a
   * name and each {@code label} as {@code key=value}. Throws IllegalArgumentException with a
   * message for the client.
   */
  static NodeFilter parse(Optional<String> status, Optional<String> pool, List<String> labels) {
    Set<NodeStatus> statuses = EnumSet.noneOf(NodeStatus.class);
    for (String each : status.map(value -> value.split(",")).orElse(new String[0])) {
      statuses.add(status(each.trim()));
    }
    Map<String, String> required = new LinkedHashMap<>();
    for (String label : labels) {
      int equals = label.indexOf('=');
      if (equals <= 0) {
        throw new IllegalArgumentException(
            "invalid label filter \"" + label + "\"; use label=key=value");
      }
      required.put(label.substring(0, equals), label.substring(equals + 1));
    }
    return new NodeFilter(statuses, pool.orElse(""), required);
  }

  private static NodeStatus status(String value) {
    for (NodeStatus candidate : NodeStatus.values()) {
      if (candidate != NodeStatus.UNREGISTERED && candidate.lowerCase().equals(value)) {
        return candidate;
      }
    }
    throw new IllegalArgumentException(
        "invalid status \""
            + value
            + "\"; use one or more of "
            + Arrays.stream(NodeStatus.values())
                .filter(candidate -> candidate != NodeStatus.UNREGISTERED)
                .map(NodeStatus::lowerCase)
                .toList());
  }

  boolean matches(ComputeNode.State node) {
    if (!statuses.isEmpty() && !statuses.contains(node.status())) {
      return false;
    }
    if (!pool.isEmpty() && !pool.equals(node.pool())) {
      return false;
    }
    return node.labels().entrySet().containsAll(labels.entrySet());
  }
}
