package io.nereid.scheduler.placement.filter;

import io.nereid.scheduler.placement.Dimension;
import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementContext;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.Rejection;
import io.nereid.scheduler.placement.RejectionReason;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Rejects a node that lacks the request's demand in some dimension, checking memory, then CPU, then
 * disk, and naming the first that falls short.
 *
 * <p>A node fits in dimension d when {@code reserved(d) + demand(d) <= floor(capacity(d) *
 * overcommit(d))}. For example a node with 16 GiB of memory at overcommit 1.5 has an effective
 * capacity of 24 GiB, so with 20 GiB reserved it takes 4 GiB more and rejects 5 GiB. A dimension
 * with a demand of 0 never rejects, even on a node already over-reserved in it. A request without a
 * memory limit counts the pool's default memory request.
 */
public final class CapacityFilter implements NodeFilter {

  @Override
  public Optional<Rejection> check(NodeView node, PlacementContext context) {
    PoolSettings settings = context.settings();
    for (Dimension dimension : Dimension.values()) {
      long requested = context.demand().get(dimension);
      if (requested == 0) {
        continue;
      }
      long free = settings.effectiveFree(node, dimension);
      if (requested > free) {
        return Optional.of(
            Rejection.withLazyDetail(
                node.id(),
                RejectionReason.exhausted(dimension),
                "",
                new Shortfall(node, dimension, requested, free, settings)));
      }
    }
    return Optional.empty();
  }

  /**
   * The detail of a rejection, built when first read. A named class rather than a lambda, because
   * the JIT compiler did not inline the capture of five values and it became the costliest step of
   * rejecting a node.
   */
  private record Shortfall(
      NodeView node, Dimension dimension, long requested, long free, PoolSettings settings)
      implements Supplier<String> {

    @Override
    public String get() {
      return describeShortfall(node, dimension, requested, free, settings);
    }
  }

  private static String describeShortfall(
      NodeView node, Dimension dimension, long requested, long free, PoolSettings settings) {
    String detail =
        "requested "
            + dimension.format(requested)
            + ", "
            + dimension.format(free)
            + " free of "
            + dimension.format(settings.effectiveCapacity(node, dimension));
    double ratio = settings.overcommit(dimension);
    if (ratio != 1.0) {
      detail +=
          " ("
              + dimension.format(node.capacity().get(dimension))
              + " at overcommit "
              + Dimension.formatTwoDecimals(ratio)
              + ")";
    }
    return detail;
  }
}
