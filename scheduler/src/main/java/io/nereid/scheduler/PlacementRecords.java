package io.nereid.scheduler;

import io.nereid.container.PlacementRecord;
import io.nereid.scheduler.placement.PlacementDecision;
import io.nereid.scheduler.placement.ResourceVector;
import java.util.List;

/** Turns the engine's decision into the record a container keeps. */
final class PlacementRecords {

  private PlacementRecords() {}

  static PlacementRecord of(PlacementDecision decision, String nodeId) {
    List<PlacementRecord.Score> scores =
        decision.candidates().stream()
            .map(candidate -> new PlacementRecord.Score(candidate.nodeId(), candidate.score()))
            .toList();
    List<PlacementRecord.Rejected> rejected =
        decision.rejectionCounts().stream()
            .map(
                count ->
                    new PlacementRecord.Rejected(
                        count.reason().describe(count.subject()), count.nodes()))
            .toList();
    ResourceVector demand = decision.demand();
    return new PlacementRecord(
        decision.containerId(),
        nodeId,
        decision.strategy(),
        decision.summary(),
        NodeViews.resources(demand),
        scores,
        rejected);
  }
}
