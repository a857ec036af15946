package io.nereid.server;

import io.nereid.entity.EntitySharding;
import io.nereid.node.ComputeNode;
import io.nereid.node.NodeDirectory;
import io.nereid.node.NodeMonitor;
import io.nereid.node.NodeObserver;
import java.time.Clock;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * The node monitor of the cluster: a singleton on the control members, reached from every member
 * through its proxy. It marks nodes lost only while its member is on the side that the Split Brain
 * Resolver keeps, by the rule of {@link MinorityDowning}.
 */
final class NodeLiveness {

  private NodeLiveness() {}

  /** Starts the singleton where this member may host it and returns its proxy. */
  static ActorRef<NodeMonitor.Command> monitor(
      ActorSystem<?> system, ClusterSharding sharding, ServerSettings settings) {
    ServerSettings.Compute compute = settings.compute();
    Cluster cluster = Cluster.get(system);
    NodeMonitor.Settings monitorSettings =
        new NodeMonitor.Settings(
            compute.heartbeatTimeout(),
            compute.heartbeatInterval(),
            settings.askTimeout(),
            Clock.systemUTC(),
            true);
    var monitor =
        NodeMonitor.create(
            monitorSettings,
            nodeId -> sharding.entityRefFor(ComputeNode.TYPE_KEY, nodeId),
            () -> new NodeDirectory(system, sharding, settings.askTimeout()).nodes(),
            () -> MinorityDowning.majorityMissing(cluster));
    return ClusterSingleton.get(system)
        .init(
            SingletonActor.of(
                    Behaviors.supervise(monitor).onFailure(SupervisorStrategy.restart()),
                    "node-monitor")
                .withSettings(
                    ClusterSingletonSettings.create(system).withRole(EntitySharding.CONTROL_ROLE)));
  }

  /** Returns an observer that also sends every node's status to the monitor. */
  static NodeObserver observing(NodeObserver next, ActorRef<NodeMonitor.Command> monitor) {
    return (state, changes) -> {
      next.nodeChanged(state, changes);
      monitor.tell(new NodeMonitor.NodeChanged(state.nodeId(), state.status()));
    };
  }
}
