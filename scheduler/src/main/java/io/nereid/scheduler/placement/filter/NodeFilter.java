package io.nereid.scheduler.placement.filter;

import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementContext;
import io.nereid.scheduler.placement.Rejection;
import java.util.Optional;

/** A hard filter: one reason a node may be unable to take a request. */
public interface NodeFilter {

  /** Returns why the node cannot take the request, or empty when this filter lets it pass. */
  Optional<Rejection> check(NodeView node, PlacementContext context);
}
