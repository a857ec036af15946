package io.nereid.container;

/** The observed state of a container, as its node agent last reported it. */
public enum ContainerStatus {
  /** The entity has not been created. */
  NEW,
  /** Created and waiting for a node. */
  CREATED,
  /** Holds a reservation on a node and has not run there yet. */
  PLACED,
  RUNNING,
  /** Running with every process frozen. */
  PAUSED,
  /** The main process ended; the state keeps its exit code. */
  EXITED,
  /** Removed by the user; the entity accepts no further command but reads. */
  REMOVED;

  public String lowerCase() {
    return name().toLowerCase();
  }
}
