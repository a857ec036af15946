package io.nereid.scheduler;

import static io.nereid.scheduler.SchedulerTestCluster.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.nereid.container.PlacementRecord;
import io.nereid.node.Reservation;
import io.nereid.node.Resources;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.Test;

/**
 * Placements keep going, and no node is over-committed, while the member hosting the pool's
 * scheduler stops in the middle of a run. Three ActorSystems on loopback: two control members
 * that can host the scheduler and a client member that only routes to it.
 */
class SchedulerFailoverTest {

  private static final long MIB = 1L << 20;
  private static final int NODES = 4;
  private static final int CONTAINERS = 60;
  private static final Resources CAPACITY = new Resources(16000, 4096 * MIB, 0);

  private static PlacementSpec spec(int index) {
    return new PlacementSpec("fo-" + index, "fo-" + index, "busybox", Map.of(), List.of(), 512 * MIB, 100, 0);
  }

  private static CompletableFuture<PlacementRecord> place(ClusterSharding sharding, PlacementSpec spec) {
    return sharding
        .entityRefFor(PoolScheduler.TYPE_KEY, "failover")
        .<PlacementRecord>askWithStatus(replyTo -> new PoolScheduler.Place(spec, replyTo), TIMEOUT)
        .toCompletableFuture();
  }

  @Test
  void hostStopsMidRun() throws Exception {
    Config base = SchedulerTestCluster.config("SchedulerFailoverTest");
    ActorTestKit first = SchedulerTestCluster.startMember("failover", base, null);
    ActorTestKit second = SchedulerTestCluster.startMember("failover", base, first.system());
    Config clientConfig = ConfigFactory.parseString("pekko.cluster.roles = [client]").withFallback(base);
    ActorTestKit client = SchedulerTestCluster.startMember("failover", clientConfig, first.system());
    ActorTestKit survivor = null;
    try {
      SchedulerTestCluster.awaitUp(client.system(), 3);
      ClusterSharding sharding = ClusterSharding.get(client.system());
      for (int i = 1; i <= NODES; i++) {
        SchedulerTestCluster.register(sharding, "failover-n" + i, "failover", CAPACITY, Map.of());
      }
      SchedulerTestCluster.awaitPoolSize(sharding, "failover", NODES);

      // The first half runs against the original host.
      Map<String, String> placedOn = new HashMap<>();
      for (int i = 0; i < CONTAINERS / 2; i++) {
        PlacementRecord record = place(sharding, spec(i)).get(60, TimeUnit.SECONDS);
        placedOn.put(record.containerId(), record.nodeId());
      }

      // Start the second half, then stop the host while they are in flight.
      String host = SchedulerTestCluster.pool(sharding, "failover").member();
      ActorTestKit hostKit = memberAt(host, first, second);
      survivor = hostKit == first ? second : first;
      List<CompletableFuture<PlacementRecord>> inFlight = new ArrayList<>();
      for (int i = CONTAINERS / 2; i < CONTAINERS; i++) {
        inFlight.add(place(sharding, spec(i)));
      }
      hostKit.shutdownTestKit();

      // A client retries what failed; placement is idempotent per container id.
      int refused = 0;
      for (int i = CONTAINERS / 2; i < CONTAINERS; i++) {
        PlacementRecord record = settle(sharding, inFlight.get(i - CONTAINERS / 2), spec(i));
        if (record == null) {
          refused++;
        } else {
          placedOn.put(record.containerId(), record.nodeId());
        }
      }
      String newHost = SchedulerTestCluster.pool(sharding, "failover").member();
      assertNotEquals(host, newHost, "the scheduler moved");

      // 4 nodes of 4 GiB hold 32 containers of 512 MiB; the rest must be turned away.
      assertEquals(32, placedOn.size());
      assertEquals(CONTAINERS - 32, refused);
      Set<String> persisted = new HashSet<>();
      for (int i = 1; i <= NODES; i++) {
        Map<String, Reservation> held =
            SchedulerTestCluster.persistedReservations(client.system(), "failover-n" + i);
        assertTrue(
            SchedulerTestCluster.sum(held).fitsWithin(CAPACITY),
            "node failover-n" + i + " over-committed: " + SchedulerTestCluster.sum(held));
        for (String containerId : held.keySet()) {
          assertTrue(persisted.add(containerId), "reserved twice: " + containerId);
          assertEquals("failover-n" + i, placedOn.get(containerId), "journal and reply agree");
        }
      }
      assertEquals(placedOn.keySet(), persisted);
    } finally {
      client.shutdownTestKit();
      if (survivor != null) {
        survivor.shutdownTestKit();
      } else {
        second.shutdownTestKit();
        first.shutdownTestKit();
      }
    }
  }

  private static ActorTestKit memberAt(String address, ActorTestKit... kits) {
    for (ActorTestKit kit : kits) {
      if (Cluster.get(kit.system()).selfMember().address().toString().equals(address)) {
        return kit;
      }
    }
    throw new AssertionError("no control member at " + address);
  }

  /**
   * Waits for a placement; when it failed for any reason other than "no node fits", retries it,
   * at most 5 times. Returns null when no node fits.
   */
  private static PlacementRecord settle(
      ClusterSharding sharding, CompletableFuture<PlacementRecord> first, PlacementSpec spec)
      throws Exception {
    CompletableFuture<PlacementRecord> attempt = first;
    for (int tries = 1; ; tries++) {
      try {
        return attempt.get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        boolean full =
            e.getCause() instanceof StatusReply.ErrorMessage
                && e.getCause().getMessage().startsWith("no node fits");
        if (full) {
          return null;
        }
        if (tries == 5) {
          throw e;
        }
        attempt = place(sharding, spec);
      }
    }
  }
}
