package io.nereid.docker;

import io.nereid.agent.SignalObserver;
import io.nereid.container.Container;
import io.nereid.container.ContainerObserver;
import io.nereid.container.ContainerStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSource;

/**
 * The Docker event stream of the whole cluster. Container entities publish their persisted
 * changes through {@link #containerObserver()} on whichever member hosts them; the gateway
 * publishes what no entity persists, such as a signal sent or an image pulled. Every member
 * keeps the most recent {@value #RECENT_EVENTS} events for {@code since} and {@code until}.
 */
public final class DockerEvents {

  /** Events each member keeps for requests with {@code since}; older ones are not replayed. */
  static final int RECENT_EVENTS = 1000;
  /** Events buffered for one slow client before the oldest are dropped. */
  private static final int STREAM_BUFFER = 1024;

  private final ActorSystem<?> system;
  private final ActorRef<Topic.Command<DockerEvent>> topic;
  private final ActorRef<EventLog.Command> log;

  private DockerEvents(
      ActorSystem<?> system, ActorRef<Topic.Command<DockerEvent>> topic, ActorRef<EventLog.Command> log) {
    this.system = system;
    this.topic = topic;
    this.log = log;
  }

  /** Joins this member to the cluster's events topic and starts its log of recent events. */
  public static DockerEvents start(ActorSystem<?> system) {
    ActorRef<Topic.Command<DockerEvent>> topic =
        system.systemActorOf(
            Topic.create(DockerEvent.class, "docker-events"), "docker-events-topic", Props.empty());
    ActorRef<EventLog.Command> log =
        system.systemActorOf(EventLog.create(topic, RECENT_EVENTS), "docker-event-log", Props.empty());
    return new DockerEvents(system, topic, log);
  }

  public void publish(DockerEvent event) {
    topic.tell(Topic.publish(event));
  }

  /** Publishes an action on a container that changes none of its persisted state, such as kill. */
  void publishContainerAction(Container.State state, String action, Map<String, String> details) {
    publishContainerAction(state, action, details, Instant.now());
  }

  private void publishContainerAction(
      Container.State state, String action, Map<String, String> details, Instant at) {
    Map<String, String> attributes = containerAttributes(state);
    attributes.putAll(details);
    publish(DockerEvent.of("container", action, state.containerId(), attributes, at));
  }

  /**
   * Publishes an image event about the image {@code actorId}, its ID or, for a pull, its
   * reference; {@code name} is the reference the action concerns.
   */
  void publishImageAction(String action, String actorId, String name) {
    publish(DockerEvent.of("image", action, actorId, Map.of("name", name), Instant.now()));
  }

  /** Returns the observer that publishes the signals node agents send on their own as kill events. */
  public SignalObserver signalObserver() {
    return (state, signal, at) -> publishContainerAction(state, "kill", Map.of("signal", Integer.toString(signal)), at);
  }

  /** Returns the observer that turns a container's persisted events into Docker events. */
  public ContainerObserver containerObserver() {
    return (events, state) -> {
      for (Container.Event event : events) {
        if (event instanceof Container.ContainerRemoved removed && killedByRemoval(state)) {
          // Docker kills a running container that it removes by force, and reports the kill and
          // the exit before the removal.
          publishContainerAction(state, "kill", Map.of("signal", "9"), removed.at());
          String exitCode = Integer.toString(ContainerStreams.exitCode(state));
          publishContainerAction(state, "die", Map.of("exitCode", exitCode), removed.at());
        }
        translate(event, state).ifPresent(this::publish);
      }
    };
  }

  /** Returns whether a removed container was running, so that its removal killed it. */
  static boolean killedByRemoval(Container.State state) {
    return state.status() == ContainerStatus.REMOVED && state.startedAt().isAfter(state.finishedAt());
  }

  /** Returns the Docker event for a container event, or empty for one Docker has no name for. */
  static Optional<DockerEvent> translate(Container.Event event, Container.State state) {
    Map<String, String> attributes = containerAttributes(state);
    String action;
    Instant at;
    if (event instanceof Container.ContainerCreated created) {
      action = "create";
      at = created.at();
    } else if (event instanceof Container.ContainerStarted started) {
      action = "start";
      at = started.at();
    } else if (event instanceof Container.ContainerExited exited) {
      action = "die";
      at = exited.at();
      attributes.put("exitCode", Integer.toString(exited.exitCode()));
    } else if (event instanceof Container.ContainerRemoved removed) {
      action = "destroy";
      at = removed.at();
    } else if (event instanceof Container.ContainerPaused paused) {
      action = "pause";
      at = paused.at();
    } else if (event instanceof Container.ContainerUnpaused unpaused) {
      action = "unpause";
      at = unpaused.at();
    } else if (event instanceof Container.ContainerRenamed renamed) {
      action = "rename";
      at = renamed.at();
      attributes.put("oldName", "/" + renamed.oldName());
    } else {
      return Optional.empty();
    }
    return Optional.of(DockerEvent.of("container", action, state.containerId(), attributes, at));
  }

  /** Returns the attributes the daemon gives every container event: its labels, image and name. */
  private static Map<String, String> containerAttributes(Container.State state) {
    Map<String, String> attributes = new LinkedHashMap<>(state.spec().labels());
    attributes.put("image", state.spec().image());
    attributes.put("name", state.name());
    return attributes;
  }

  /**
   * Returns the events of one request: the kept ones from {@code sinceNanos} on, then new
   * ones as they happen, until {@code untilNanos} has passed. A negative {@code sinceNanos}
   * means new events only; a negative {@code untilNanos} means no end.
   */
  Source<DockerEvent, NotUsed> stream(long sinceNanos, long untilNanos, EventFilter filter) {
    long now = nanos(Instant.now());
    Source<DockerEvent, NotUsed> events;
    if (untilNanos >= 0 && untilNanos <= now) {
      events =
          Source.completionStage(
                  AskPattern.<EventLog.Command, List<DockerEvent>>ask(
                      log, EventLog.GetRecent::new, Duration.ofSeconds(5), system.scheduler()))
              .mapConcat(recent -> recent)
              .filter(event -> sinceNanos >= 0 && event.timeNano() >= sinceNanos);
    } else {
      events =
          ActorSource.<DockerEvent>actorRef(
                  event -> false, event -> Optional.empty(), STREAM_BUFFER, OverflowStrategy.dropHead())
              .mapMaterializedValue(
                  sink -> {
                    log.tell(new EventLog.Subscribe(sink, sinceNanos));
                    return NotUsed.notUsed();
                  });
      if (untilNanos >= 0) {
        events = events.takeWithin(Duration.ofNanos(untilNanos - now));
      }
    }
    return events.filter(event -> (untilNanos < 0 || event.timeNano() <= untilNanos) && filter.includes(event));
  }

  static long nanos(Instant instant) {
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }
}
