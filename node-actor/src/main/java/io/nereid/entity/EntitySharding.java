package io.nereid.entity;

import io.nereid.account.Account;
import io.nereid.container.Container;
import io.nereid.container.ContainerObserver;
import io.nereid.node.ComputeNode;
import io.nereid.node.NodeObserver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;

/**
 * Registers the persistent entities with Cluster Sharding. Members with the {@code control} role
 * host them; members without it reach them through a proxy.
 */
public final class EntitySharding {

  public static final String CONTROL_ROLE = "control";

  private EntitySharding() {}

  /**
   * Registers the entities; {@code nodeObserver} receives every new state of every compute node
   * hosted on this member.
   */
  public static ClusterSharding init(
      ActorSystem<?> system, EntitySettings settings, NodeObserver nodeObserver) {
    return init(system, settings, nodeObserver, ContainerObserver.NONE);
  }

  /**
   * Registers the entities; the observers receive the changes of the compute nodes and
   * containers hosted on this member.
   */
  public static ClusterSharding init(
      ActorSystem<?> system,
      EntitySettings settings,
      NodeObserver nodeObserver,
      ContainerObserver containerObserver) {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(
        Entity.of(
                ComputeNode.TYPE_KEY,
                context -> ComputeNode.create(context.getEntityId(), settings, nodeObserver))
            .withRole(CONTROL_ROLE));
    sharding.init(
        Entity.of(
                Container.TYPE_KEY,
                context ->
                    Behaviors.<Container.Command>setup(
                        actor ->
                            Container.create(
                                context.getEntityId(),
                                settings,
                                containerObserver,
                                () -> context.getShard().tell(new ClusterSharding.Passivate<>(actor.getSelf())))))
            .withRole(CONTROL_ROLE));
    sharding.init(
        Entity.of(Account.TYPE_KEY, context -> Account.create(context.getEntityId(), settings))
            .withRole(CONTROL_ROLE));
    return sharding;
  }
}
