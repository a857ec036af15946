package io.nereid.scheduler.placement.filter;

import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementContext;
import io.nereid.scheduler.placement.Rejection;
import io.nereid.scheduler.placement.RejectionReason;
import java.util.Optional;

/**
 * Rejects every node that is not {@link NodeView.Status#READY}: registering nodes have no agent
 * yet, cordoned and draining nodes take no new containers, and lost and decommissioned nodes are
 * gone.
 */
public final class StatusFilter implements NodeFilter {

  @Override
  public Optional<Rejection> check(NodeView node, PlacementContext context) {
    if (node.status() == NodeView.Status.READY) {
      return Optional.empty();
    }
    String status = node.status().lowerCase();
    return Optional.of(
        Rejection.withLazyDetail(
            node.id(), RejectionReason.NODE_NOT_READY, status, () -> "status is " + status));
  }
}
