package io.nereid.docker;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * This member's copy of the cluster's Docker events: it subscribes to the events topic, keeps
 * the most recent ones for {@code since} and {@code until}, and forwards each to the event
 * streams open on this member. Because one actor does both, a new stream gets the recent events
 * and then the live ones with no gap and no repeat.
 */
final class EventLog {

  interface Command extends NoSerializationVerificationNeeded {}

  /**
   * Sends {@code sink} every kept event at or after {@code sinceNanos}, oldest first, then every
   * new event until the sink stops. A negative {@code sinceNanos} sends only new events.
   */
  record Subscribe(ActorRef<DockerEvent> sink, long sinceNanos) implements Command {}

  /** Replies with the kept events, oldest first. */
  record GetRecent(ActorRef<List<DockerEvent>> replyTo) implements Command {}

  private record Received(DockerEvent event) implements Command {}

  static Behavior<Command> create(ActorRef<Topic.Command<DockerEvent>> topic, int capacity) {
    return Behaviors.setup(
        context -> {
          ActorRef<DockerEvent> adapter = context.messageAdapter(DockerEvent.class, Received::new);
          topic.tell(Topic.subscribe(adapter));
          return new EventLog(context, capacity).behavior();
        });
  }

  private final ActorContext<Command> context;
  private final int capacity;
  private final ArrayDeque<DockerEvent> recent = new ArrayDeque<>();
  private final Set<ActorRef<DockerEvent>> sinks = new HashSet<>();

  private EventLog(ActorContext<Command> context, int capacity) {
    this.context = context;
    this.capacity = capacity;
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Received.class, this::onReceived)
        .onMessage(Subscribe.class, this::onSubscribe)
        .onMessage(GetRecent.class, this::onGetRecent)
        .onSignal(Terminated.class, this::onTerminated)
        .build();
  }

  private Behavior<Command> onReceived(Received received) {
    if (recent.size() == capacity) {
      recent.removeFirst();
    }
    recent.addLast(received.event());
    for (ActorRef<DockerEvent> sink : sinks) {
      sink.tell(received.event());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onSubscribe(Subscribe subscribe) {
    if (subscribe.sinceNanos() >= 0) {
      for (DockerEvent event : recent) {
        if (event.timeNano() >= subscribe.sinceNanos()) {
          subscribe.sink().tell(event);
        }
      }
    }
    sinks.add(subscribe.sink());
    context.watch(subscribe.sink());
    return Behaviors.same();
  }

  private Behavior<Command> onGetRecent(GetRecent request) {
    request.replyTo().tell(new ArrayList<>(recent));
    return Behaviors.same();
  }

  private Behavior<Command> onTerminated(Terminated terminated) {
    sinks.remove(terminated.getRef());
    return Behaviors.same();
  }
}
