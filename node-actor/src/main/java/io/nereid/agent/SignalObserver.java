package io.nereid.agent;

import io.nereid.container.Container;
import java.time.Instant;

/**
 * Receives the signals that a node agent sends to a container on its own, such as the SIGKILL
 * that ends a stop whose timeout expired. No entity persists them; the Docker API publishes
 * them as {@code kill} events. Implementations must not block, because they run on the
 * runtime's threads.
 */
@FunctionalInterface
public interface SignalObserver {

  SignalObserver NONE = (state, signal, at) -> {};

  /**
   * @param state the container's state from before the signal, for the event's attributes
   * @param signal the signal number
   * @param at when the signal was sent
   */
  void signalSent(Container.State state, int signal, Instant at);
}
