package io.nereid.scheduler;

import com.typesafe.config.Config;
import io.nereid.entity.EntitySettings;
import io.nereid.entity.EntitySharding;
import io.nereid.node.ComputeNode;
import io.nereid.node.NodeObserver;
import io.nereid.node.Reservation;
import io.nereid.node.Resources;
import io.nereid.persistence.testing.CassandraJournalConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Cluster members for scheduler tests: ActorSystems on loopback with the entities and the pool
 * schedulers, journaling to the shared test Cassandra in keyspaces of their own.
 */
public final class SchedulerTestCluster {

  static final Duration TIMEOUT = Duration.ofSeconds(20);

  private SchedulerTestCluster() {}

  /** Returns the configuration of a test cluster's members, with fresh keyspaces. */
  public static Config config(String label) {
    return CassandraJournalConfig.freshKeyspaces(
        label,
        "pekko.actor.provider = cluster\n"
            + "pekko.remote.artery.canonical.hostname = 127.0.0.1\n"
            + "pekko.remote.artery.canonical.port = 0\n"
            + "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on\n"
            + "pekko.cluster.roles = [control]\n"
            + "pekko.cluster.downing-provider-class = \"org.apache.pekko.cluster.sbr.SplitBrainResolverProvider\"\n"
            + "pekko.cluster.split-brain-resolver.stable-after = 5s\n");
  }

  /** Starts a member with the entities and schedulers that joins {@code seed}, or itself. */
  public static ActorTestKit startMember(String name, Config config, ActorSystem<?> seed) {
    return startMember(name, config, seed, state -> true);
  }

  /**
   * Starts a member whose nodes tell the scheduler only the states that {@code forwarded}
   * accepts, so a test can make the scheduler's view stale on purpose.
   */
  static ActorTestKit startMember(
      String name, Config config, ActorSystem<?> seed, Predicate<ComputeNode.State> forwarded) {
    ActorTestKit kit = ActorTestKit.create(name, config);
    ClusterSharding sharding = ClusterSharding.get(kit.system());
    NodeObserver toScheduler = SchedulerSharding.nodeObserver(sharding);
    NodeObserver observer =
        (state, changes) -> {
          if (forwarded.test(state)) {
            toScheduler.nodeChanged(state, changes);
          }
        };
    EntitySharding.init(kit.system(), EntitySettings.fromConfig(config), observer);
    SchedulerSharding.init(kit.system(), sharding, SchedulerSettings.fromConfig(config));
    Cluster cluster = Cluster.get(kit.system());
    ActorSystem<?> target = seed == null ? kit.system() : seed;
    cluster.manager().tell(Join.create(Cluster.get(target).selfMember().address()));
    return kit;
  }

  public static void awaitUp(ActorSystem<?> system, int members) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      long up =
          java.util.stream.StreamSupport.stream(
                  Cluster.get(system).state().getMembers().spliterator(), false)
              .filter(member -> member.status() == MemberStatus.up())
              .count();
      if (up == members) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("members not up: " + Cluster.get(system).state());
  }

  static ComputeNode.State register(
      ClusterSharding sharding, String nodeId, String pool, Resources capacity, Map<String, String> labels)
      throws Exception {
    return sharding
        .entityRefFor(ComputeNode.TYPE_KEY, nodeId)
        .<ComputeNode.State>askWithStatus(
            replyTo -> new ComputeNode.Register(pool, capacity, labels, replyTo), TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  public static PoolScheduler.PoolSummary pool(ClusterSharding sharding, String pool) throws Exception {
    return sharding
        .entityRefFor(PoolScheduler.TYPE_KEY, pool)
        .ask(PoolScheduler.GetPool::new, TIMEOUT)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  /** Waits until the scheduler of {@code pool} sees {@code count} nodes. */
  public static void awaitPoolSize(ClusterSharding sharding, String pool, int count) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (pool(sharding, pool).nodes().size() == count) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("pool " + pool + " never reached " + count + " nodes");
  }

  /**
   * Replays a node's journal from Cassandra and returns the reservations it holds, container id
   * to reservation: the persisted truth, independent of any actor's memory.
   */
  static Map<String, Reservation> persistedReservations(ActorSystem<?> system, String nodeId) {
    List<Object> events = persistedEvents(system, ComputeNode.TYPE_KEY.name() + "|" + nodeId);
    Map<String, Reservation> held = new HashMap<>();
    for (Object event : events) {
      if (event instanceof ComputeNode.ResourcesReserved reserved) {
        held.put(reserved.containerId(), reserved.reservation());
      } else if (event instanceof ComputeNode.ResourcesReleased released) {
        held.remove(released.containerId());
      }
    }
    return held;
  }

  /** Replays the events of one persistence id from Cassandra. */
  static List<Object> persistedEvents(ActorSystem<?> system, String persistenceId) {
    CassandraReadJournal journal =
        PersistenceQuery.get(system)
            .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    return journal
        .currentEventsByPersistenceId(persistenceId, 0, Long.MAX_VALUE)
        .map(EventEnvelope::event)
        .runWith(Sink.seq(), system)
        .toCompletableFuture()
        .join();
  }

  static Resources sum(Map<String, Reservation> reservations) {
    Resources total = Resources.NONE;
    for (Reservation reservation : reservations.values()) {
      total = total.plus(reservation.resources());
    }
    return total;
  }
}
