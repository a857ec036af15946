package io.nereid.scheduler.bench;

import io.nereid.scheduler.placement.Dimension;
import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementDecision;
import io.nereid.scheduler.placement.PlacementEngine;
import io.nereid.scheduler.placement.PlacementRequest;
import io.nereid.scheduler.placement.PoolView;
import io.nereid.scheduler.placement.ResourceVector;
import io.nereid.scheduler.placement.ScoringStrategy;

/**
 * Packing density: containers of the workload arrive one by one, with no departures, into an empty
 * pool of identical nodes, until the lower bound reaches a quarter of the pool. Density is the
 * nodes that hold at least one container divided by the lower bound, which is, over the
 * dimensions, the largest total demand divided by one node's capacity, rounded up. No packing can
 * use fewer nodes than the lower bound, so 1.00 is perfect.
 */
final class Density {

  /** The share of the pool that the lower bound reaches when arrivals stop. */
  static final double TARGET_SHARE = 0.25;

  record Result(
      ScoringStrategy strategy, int nodes, int containers, int nodesUsed, long lowerBound) {

    double ratio() {
      return (double) nodesUsed / lowerBound;
    }
  }

  private Density() {}

  static Result measure(ScoringStrategy strategy, int nodes) {
    ResourceVector capacity = Workload.UNIFORM_HARDWARE;
    PoolView pool = Workload.emptyPool(nodes, strategy, capacity);
    PlacementEngine engine = new PlacementEngine();
    Workload workload = new Workload(2);
    long[] demand = new long[Dimension.values().length];
    long target = (long) Math.ceil(nodes * TARGET_SHARE);
    int containers = 0;
    while (lowerBound(demand, capacity) < target) {
      PlacementRequest request = workload.next();
      PlacementDecision decision = engine.place(request, pool);
      if (!decision.placed()) {
        throw new IllegalStateException(
            strategy.displayName() + " could not place into a pool a quarter full: "
                + decision.summary());
      }
      pool.reserve(decision.chosenNodeId().orElseThrow(), request);
      ResourceVector placed = pool.settings().demandOf(request);
      for (Dimension dimension : Dimension.values()) {
        demand[dimension.ordinal()] += placed.get(dimension);
      }
      containers++;
    }

    int used = 0;
    for (NodeView node : pool.nodes()) {
      if (!node.containers().isEmpty()) {
        used++;
      }
    }
    return new Result(strategy, nodes, containers, used, lowerBound(demand, capacity));
  }

  private static long lowerBound(long[] demand, ResourceVector capacity) {
    long bound = 0;
    for (Dimension dimension : Dimension.values()) {
      long perNode = capacity.get(dimension);
      long total = demand[dimension.ordinal()];
      bound = Math.max(bound, (total + perNode - 1) / perNode);
    }
    return bound;
  }
}
