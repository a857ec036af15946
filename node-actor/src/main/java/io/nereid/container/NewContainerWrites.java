package io.nereid.container;

import io.nereid.metrics.JournalWrites;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.PersistentEnvelope;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.PersistentRepr$;
import org.apache.pekko.persistence.typed.PersistenceId;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Writes a new container's creation and placement to its journal without starting its entity.
 *
 * <p>Starting the {@link Container} entity only to persist its first events costs a sharding
 * delivery, an actor and a recovery that reads an empty journal partition, and the entity then
 * uses memory until it passivates, while a created container is often not touched again for a
 * while. This class sends the write the entity would send, sequence numbers from 1 under the
 * entity's persistence id, to this member's journal, which batches it with the first writes of
 * other new containers. The entity starts on the container's first command and recovers these
 * events. An entity that a lookup started before the write landed finds no events and stops after
 * its reply, so the next command recovers what the write stored.
 *
 * <p>Only the create that chose the container's new random id writes under it, once, so no other
 * writer can store these sequence numbers; every later write is the entity's own, fenced by the
 * journal.
 */
// NOTE: the journal actor is reached through Persistence.journalFor, which Pekko marks as internal
// (private[pekko]). The protocol used with it, WriteMessages and its replies, is the journal plugin
// API that every event-sourced actor uses.
public final class NewContainerWrites {

  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final org.apache.pekko.actor.ActorRef journal;
  private final org.apache.pekko.actor.ActorRef replies;
  /** Identifies this writer in the journal, as each incarnation of an entity does. */
  private final String writerUuid = UUID.randomUUID().toString();
  private final AtomicInteger writeIds = new AtomicInteger();
  private final Map<Integer, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();
  private final Duration timeout;
  private final ContainerObserver observer;
  private final Clock clock;

  private NewContainerWrites(ActorSystem<?> system, Duration timeout, ContainerObserver observer, Clock clock) {
    this.timeout = timeout;
    this.observer = observer;
    this.clock = clock;
    this.journal = Persistence.get(Adapter.toClassic(system)).journalFor("", com.typesafe.config.ConfigFactory.empty());
    Behavior<Object> behavior =
        Behaviors.receiveMessage(
            reply -> {
              onReply(reply);
              return Behaviors.same();
            });
    this.replies =
        Adapter.toClassic(
            system.systemActorOf(behavior, "new-container-writes-" + INSTANCES.incrementAndGet(), Props.empty()));
  }

  /**
   * Starts a writer on this member.
   *
   * @param timeout how long a write may take before its future fails; the write may still land
   * @param observer receives the events of each container once they are written
   */
  public static NewContainerWrites start(
      ActorSystem<?> system, Duration timeout, ContainerObserver observer, Clock clock) {
    return new NewContainerWrites(system, timeout, observer, clock);
  }

  /**
   * Writes the creation of container {@code containerId}, placed when {@code placement} is not
   * null; the future returns the state its entity will recover.
   */
  public CompletionStage<Container.State> create(
      String containerId, String account, String name, ContainerSpec spec, PlacementRecord placement) {
    List<Container.Event> events = Container.creation(account, name, spec, placement, clock.instant());
    String persistenceId = PersistenceId.of(Container.TYPE_KEY.name(), containerId).id();
    List<PersistentRepr> reprs = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      reprs.add(PersistentRepr$.MODULE$.apply(events.get(i), i + 1, persistenceId, "", false, null, writerUuid));
    }
    int writeId = writeIds.incrementAndGet();
    CompletableFuture<Void> written = new CompletableFuture<>();
    pending.put(writeId, written);
    long start = System.nanoTime();
    AtomicWrite write = new AtomicWrite(CollectionConverters.asScala(reprs).toList());
    journal.tell(
        new JournalProtocol.WriteMessages(
            CollectionConverters.asScala(List.<PersistentEnvelope>of(write)).toList(), replies, writeId),
        replies);
    return written
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((done, error) -> pending.remove(writeId))
        .thenApply(
            done -> {
              JournalWrites.recordSince(start, Container.TYPE_KEY.name());
              Container.State state = Container.created(containerId, events);
              observer.containerChanged(events, state);
              return state;
            });
  }

  /**
   * Completes a write on the journal's first reply about one of its events. The events of one
   * write are stored or fail together, so the first reply applies to all.
   */
  private void onReply(Object reply) {
    if (reply instanceof JournalProtocol.WriteMessageSuccess success) {
      complete(success.actorInstanceId(), null);
    } else if (reply instanceof JournalProtocol.WriteMessageRejected rejected) {
      complete(rejected.actorInstanceId(), rejected.cause());
    } else if (reply instanceof JournalProtocol.WriteMessageFailure failure) {
      complete(failure.actorInstanceId(), failure.cause());
    }
    // WriteMessagesSuccessful and WriteMessagesFailed come before the replies per event.
  }

  private void complete(int writeId, Throwable error) {
    CompletableFuture<Void> written = pending.remove(writeId);
    if (written == null) {
      return;
    }
    if (error == null) {
      written.complete(null);
    } else {
      written.completeExceptionally(error);
    }
  }
}
