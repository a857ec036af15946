package io.nereid.scheduler;

import static io.nereid.scheduler.SchedulerTestCluster.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nereid.node.ComputeNode;
import io.nereid.container.PlacementRecord;
import io.nereid.node.Reservation;
import io.nereid.node.Resources;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A scheduler whose view missed a reservation picks a node that turns out to be full; the node
 * rejects, and the scheduler refreshes that node and places on the next one.
 */
class StaleViewTest {

  private static final long GIB = 1L << 30;

  private static ActorTestKit kit;
  private static ClusterSharding sharding;

  @BeforeAll
  static void start() throws Exception {
    // States that show an "outsider" reservation never reach the scheduler.
    kit =
        SchedulerTestCluster.startMember(
            "StaleViewTest",
            SchedulerTestCluster.config("StaleViewTest"),
            null,
            state -> state.reservations().keySet().stream().noneMatch(id -> id.startsWith("outsider")));
    SchedulerTestCluster.awaitUp(kit.system(), 1);
    sharding = ClusterSharding.get(kit.system());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void rejectedReservationTriesNextNode() throws Exception {
    Resources capacity = new Resources(4000, 4 * GIB, 0);
    SchedulerTestCluster.register(sharding, "stale-n1", "stale", capacity, Map.of());
    SchedulerTestCluster.register(sharding, "stale-n2", "stale", capacity, Map.of());
    SchedulerTestCluster.awaitPoolSize(sharding, "stale", 2);
    sharding
        .entityRefFor(ComputeNode.TYPE_KEY, "stale-n1")
        .<Done>askWithStatus(
            replyTo ->
                new ComputeNode.Reserve("outsider-1", Reservation.of(new Resources(0, 3 * GIB, 0)), replyTo),
            TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);

    // Both nodes look empty to the scheduler, and the tie goes to stale-n1 by node id.
    PlacementSpec spec = new PlacementSpec("c1", "c1", "busybox", Map.of(), List.of(), 2 * GIB, 0, 0);
    PlacementRecord record =
        sharding
            .entityRefFor(PoolScheduler.TYPE_KEY, "stale")
            .<PlacementRecord>askWithStatus(replyTo -> new PoolScheduler.Place(spec, replyTo), TIMEOUT)
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);

    assertEquals("stale-n2", record.nodeId());
    assertEquals(Set.of("outsider-1"), SchedulerTestCluster.persistedReservations(kit.system(), "stale-n1").keySet());
    assertEquals(Set.of("c1"), SchedulerTestCluster.persistedReservations(kit.system(), "stale-n2").keySet());
  }
}
