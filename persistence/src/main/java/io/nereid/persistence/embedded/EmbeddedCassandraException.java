package io.nereid.persistence.embedded;

import java.util.Objects;

/**
 * Failure to start an embedded Cassandra node. The message names what failed, on which port,
 * directory or process, and what to do next. {@link #reason()} lets callers react without parsing
 * it.
 */
public final class EmbeddedCassandraException extends RuntimeException {

  /** Category of the failure. */
  public enum Reason {
    /** The directory with Cassandra's jars is not configured, missing or incomplete. */
    LIBRARY_NOT_FOUND,
    /** This machine lacks something the launcher needs, such as {@code /bin/sh} or {@code /proc}. */
    PLATFORM_UNSUPPORTED,
    /** The CQL port or the storage port is already bound by another process. */
    PORT_IN_USE,
    /** The data directory cannot be created or written. */
    DATA_DIRECTORY_UNUSABLE,
    /** Another Cassandra process still runs on the data directory. */
    DATA_DIRECTORY_IN_USE,
    /** The Cassandra process could not be launched. */
    LAUNCH_FAILED,
    /** The Cassandra process exited before it accepted CQL connections. */
    PROCESS_EXITED,
    /** The Cassandra process did not accept CQL connections within the start timeout. */
    START_TIMED_OUT,
    /** The thread waiting for the start was interrupted, so the Cassandra process was stopped. */
    START_INTERRUPTED
  }

  private final Reason reason;

  public EmbeddedCassandraException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public EmbeddedCassandraException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }
}
