package io.nereid.server;

import io.nereid.entity.EntitySharding;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downs this member once it has been unable to reach a majority of the cluster for {@code
 * downAfter}, so that its persistent entities stop before the other side starts them again.
 *
 * <p>The Split Brain Resolver (keep-majority) makes the same decision only after {@code
 * stable-after}. The majority side starts the downed members' shards and singletons later still:
 * after {@code stable-after}, the leader's removal of the downed members and {@code
 * down-removal-margin}. This check decides before both, so after a partition the minority's
 * entities stop about {@code downAfter} after it detects the others as unreachable, well before the
 * takeover. It cannot act while its member is paused, so the margin still has to outlast pauses.
 *
 * <p>The rule is keep-majority's with the resolver's role set to control: the members counted are
 * the control members that are up or leaving in this data center; this side survives with more
 * than half of them, or with exactly half when it reaches the one with the lowest address. A
 * compute member counts for neither side, so it goes down with the side that lost the control
 * members, and a cluster of one control member and a compute member keeps the control member. Downing itself when the resolver would not is safe,
 * only less available; the cases this rule misses still have the margin.
 */
final class MinorityDowning {

  private static final Logger log = LoggerFactory.getLogger(MinorityDowning.class);
  private static final Duration CHECK_INTERVAL = Duration.ofMillis(200);

  private enum Tick {
    INSTANCE
  }

  private MinorityDowning() {}

  /** Starts the check on this member. */
  static void start(ActorSystem<?> system, Duration downAfter) {
    system.systemActorOf(behavior(downAfter), "minority-downing", Props.empty());
  }

  private static Behavior<Tick> behavior(Duration downAfter) {
    return Behaviors.withTimers(
        timers -> {
          timers.startTimerWithFixedDelay(Tick.INSTANCE, CHECK_INTERVAL);
          return Behaviors.setup(context -> watching(Cluster.get(context.getSystem()), downAfter, -1));
        });
  }

  /** @param minoritySince when this member first saw itself in a minority, -1 when it does not */
  private static Behavior<Tick> watching(Cluster cluster, Duration downAfter, long minoritySince) {
    return Behaviors.receiveMessage(
        tick -> {
          Member self = cluster.selfMember();
          if (!isCounted(self)) {
            return watching(cluster, downAfter, -1);
          }
          ClusterEvent.CurrentClusterState state = cluster.state();
          List<String> counted = countedAddresses(state.getMembers(), self.dataCenter());
          Set<String> unreachable = unreachableAddresses(state);
          if (!inMinority(counted, unreachable)) {
            if (minoritySince >= 0) {
              log.info("member reaches a majority again address={}", self.address());
            }
            return watching(cluster, downAfter, -1);
          }
          long now = System.nanoTime();
          if (minoritySince < 0) {
            log.warn(
                "member cannot reach a majority, downing itself in {} unless that changes address={} unreachable={} members={}",
                downAfter,
                self.address(),
                unreachable,
                counted.size());
            return watching(cluster, downAfter, now);
          }
          if (now - minoritySince < downAfter.toNanos()) {
            return Behaviors.same();
          }
          log.warn(
              "member downing itself, it reached no majority for {} address={} unreachable={} members={}",
              downAfter,
              self.address(),
              unreachable,
              counted.size());
          cluster.manager().tell(new Down(self.address()));
          return Behaviors.stopped();
        });
  }

  /**
   * Returns why this member is not on the side that keep-majority keeps, or empty when it is. That
   * side needs the member to be up or leaving and not in a minority. Reads the member's cluster
   * state without blocking.
   */
  static Optional<String> majorityMissing(Cluster cluster) {
    Member self = cluster.selfMember();
    ClusterEvent.CurrentClusterState state = cluster.state();
    return majorityMissing(
        self.status(), countedAddresses(state.getMembers(), self.dataCenter()), unreachableAddresses(state));
  }

  /**
   * @param status this member's status
   * @param counted the counted members' addresses, lowest address first
   * @param unreachable the addresses this member cannot reach
   */
  static Optional<String> majorityMissing(
      MemberStatus status, List<String> counted, Set<String> unreachable) {
    if (status != MemberStatus.up() && status != MemberStatus.leaving()) {
      return Optional.of("member status " + status);
    }
    if (!inMinority(counted, unreachable)) {
      return Optional.empty();
    }
    List<String> unreachableControl = counted.stream().filter(unreachable::contains).toList();
    return Optional.of(
        "unreachable control members " + unreachableControl + " of " + counted.size());
  }

  private static Set<String> unreachableAddresses(ClusterEvent.CurrentClusterState state) {
    return state.getUnreachable().stream()
        .map(member -> member.address().toString())
        .collect(Collectors.toSet());
  }

  private static boolean isCounted(Member member) {
    return member.status() == MemberStatus.up() || member.status() == MemberStatus.leaving();
  }

  /**
   * Returns the addresses of the counted control members of {@code dataCenter}, lowest address
   * first.
   */
  private static List<String> countedAddresses(Iterable<Member> members, String dataCenter) {
    List<Member> counted = new ArrayList<>();
    for (Member member : members) {
      if (member.dataCenter().equals(dataCenter)
          && isCounted(member)
          && member.hasRole(EntitySharding.CONTROL_ROLE)) {
        counted.add(member);
      }
    }
    counted.sort(Member.ordering());
    return counted.stream().map(member -> member.address().toString()).toList();
  }

  /**
   * Returns whether this side loses under keep-majority: it reaches fewer than half of {@code
   * counted}, or exactly half without the lowest address.
   *
   * @param counted the counted members' addresses, lowest address first
   * @param unreachable the addresses this member cannot reach
   */
  static boolean inMinority(List<String> counted, Set<String> unreachable) {
    if (counted.isEmpty()) {
      return false;
    }
    long reachable = counted.stream().filter(address -> !unreachable.contains(address)).count();
    if (reachable * 2 != counted.size()) {
      return reachable * 2 < counted.size();
    }
    return unreachable.contains(counted.get(0));
  }
}
