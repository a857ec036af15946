package io.nereid.scheduler;

import io.nereid.entity.EntitySharding;
import io.nereid.node.NodeObserver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;

/** Registers the pool schedulers with Cluster Sharding on the control role. */
public final class SchedulerSharding {

  private SchedulerSharding() {}

  public static void init(ActorSystem<?> system, ClusterSharding sharding, SchedulerSettings settings) {
    sharding.init(
        Entity.of(
                PoolScheduler.TYPE_KEY,
                context -> PoolScheduler.create(context.getEntityId(), settings, sharding))
            .withRole(EntitySharding.CONTROL_ROLE));
  }

  /**
   * Returns the observer that forwards each new node state, with the reservations that changed, to
   * its pool's scheduler. Nodes that have not registered yet belong to no pool and are skipped.
   */
  public static NodeObserver nodeObserver(ClusterSharding sharding) {
    return (state, changes) -> {
      if (!state.pool().isEmpty()) {
        sharding
            .entityRefFor(PoolScheduler.TYPE_KEY, state.pool())
            .tell(new PoolScheduler.NodeUpdated(state, changes));
      }
    };
  }
}
