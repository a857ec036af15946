package io.nereid.container;

import io.nereid.node.Resources;
import io.nereid.persistence.CborSerializable;
import java.util.List;

/**
 * Why a container went to its node, as the scheduler decided it: the chosen node, the score of
 * each candidate and the count of nodes rejected per reason. The container keeps it, so an
 * operator can ask later.
 *
 * @param summary one line, such as {@code bin-pack score 0.8125, best of 3 candidates, ...}
 * @param reserved what the container holds on the node, with the pool's default memory request
 *     applied when it gave no limit
 */
public record PlacementRecord(
    String containerId,
    String nodeId,
    String strategy,
    String summary,
    Resources reserved,
    List<Score> candidates,
    List<Rejected> rejections)
    implements CborSerializable {

  /** The score of one candidate node. */
  public record Score(String nodeId, double score) implements CborSerializable {}

  /** How many nodes one filter rejected, for example "memory exhausted" on 12 nodes. */
  public record Rejected(String reason, int nodes) implements CborSerializable {}

  public PlacementRecord {
    candidates = List.copyOf(candidates);
    rejections = List.copyOf(rejections);
  }

  /** Returns this decision with what the node reserves now, after the limits changed. */
  public PlacementRecord withReserved(Resources newReserved) {
    return new PlacementRecord(containerId, nodeId, strategy, summary, newReserved, candidates, rejections);
  }

  /** A record for a container found already placed, as after a retried request. */
  public static PlacementRecord existing(String containerId, String nodeId, Resources reserved) {
    return new PlacementRecord(
        containerId,
        nodeId,
        "",
        "container " + containerId + " was already placed on node " + nodeId,
        reserved,
        List.of(),
        List.of());
  }
}
