package io.nereid.chaos;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.Props;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.DowningProvider;
import org.apache.pekko.event.Logging;
import org.apache.pekko.event.LoggingAdapter;
import scala.Option;
import scala.concurrent.duration.FiniteDuration;

/**
 * UNSAFE downing provider, for the failure tests only: every member downs each member it has seen
 * unreachable for {@link #DELAY}, whatever the size of its own side. On both sides of a network
 * partition the members down the other side and go on as two clusters, so a sharded entity can run
 * on each side at once and both incarnations write its journal. The tests use it to play a build
 * whose Split Brain Resolver is off. A member runs it only when its configuration names it in
 * {@code pekko.cluster.downing-provider-class}.
 */
public final class UnsafeDownUnreachable extends DowningProvider {

  /** How long a member stays unreachable before it is downed. */
  static final Duration DELAY = Duration.ofSeconds(2);

  public UnsafeDownUnreachable(ActorSystem system) {}

  /** Zero, so that sharding hands a downed member's shards over at once. */
  @Override
  public FiniteDuration downRemovalMargin() {
    return FiniteDuration.Zero();
  }

  @Override
  public Option<Props> downingActorProps() {
    return Option.apply(Props.create(Downer.class, Downer::new));
  }

  /** Schedules a down for each unreachable member and cancels it when the member comes back. */
  static final class Downer extends AbstractActor {
    private final LoggingAdapter log = Logging.getLogger(getContext().getSystem(), this);
    private final Cluster cluster = Cluster.get(getContext().getSystem());
    private final Map<Address, Cancellable> pending = new HashMap<>();

    private record Down(Address address) {}

    @Override
    public void preStart() {
      cluster.subscribe(
          getSelf(),
          ClusterEvent.initialStateAsEvents(),
          ClusterEvent.UnreachableMember.class,
          ClusterEvent.ReachableMember.class,
          ClusterEvent.MemberRemoved.class);
    }

    @Override
    public void postStop() {
      cluster.unsubscribe(getSelf());
      pending.values().forEach(Cancellable::cancel);
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(ClusterEvent.UnreachableMember.class, event -> schedule(event.member().address()))
          .match(ClusterEvent.ReachableMember.class, event -> cancel(event.member().address()))
          .match(ClusterEvent.MemberRemoved.class, event -> cancel(event.member().address()))
          .match(Down.class, this::down)
          .build();
    }

    private void schedule(Address address) {
      if (pending.containsKey(address)) {
        return;
      }
      pending.put(
          address,
          getContext()
              .getSystem()
              .scheduler()
              .scheduleOnce(DELAY, getSelf(), new Down(address), getContext().getDispatcher(), getSelf()));
    }

    private void cancel(Address address) {
      Cancellable timer = pending.remove(address);
      if (timer != null) {
        timer.cancel();
      }
    }

    private void down(Down command) {
      if (pending.remove(command.address()) != null) {
        log.warning("unsafe downing: downing unreachable member address={}", command.address());
        cluster.down(command.address());
      }
    }
  }
}
