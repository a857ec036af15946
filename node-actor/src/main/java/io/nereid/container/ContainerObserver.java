package io.nereid.container;

import java.util.List;

/**
 * Receives the events of a container right after they are persisted, with the state they led
 * to. The Docker API turns them into its event stream. Implementations must not block, because
 * they run inside the container's entity actor.
 */
@FunctionalInterface
public interface ContainerObserver {

  ContainerObserver NONE = (events, state) -> {};

  void containerChanged(List<Container.Event> events, Container.State state);
}
