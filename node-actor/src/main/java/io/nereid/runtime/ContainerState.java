package io.nereid.runtime;

/** A container's state as the runtime sees it, in the OCI runtime spec's terms. */
public enum ContainerState {
  /** Set up but its process has not started. */
  CREATED,
  RUNNING,
  /** Frozen by {@link ContainerRuntime#pause}. */
  PAUSED,
  /** Its process has exited; its files remain until {@link ContainerRuntime#remove}. */
  STOPPED
}
