package io.nereid.runtime;

import java.time.Instant;

/**
 * One line a container wrote.
 *
 * @param time when the runtime read the line, not when the process wrote it
 * @param partial true if the line had no newline: it was longer than the line limit and continues
 *     in the next entry, or the stream ended without one
 */
public record LogEntry(Stream stream, Instant time, String line, boolean partial) {

  /** The standard output or standard error of the container's main process. */
  public enum Stream {
    STDOUT,
    STDERR;

    public String fileName() {
      return name().toLowerCase();
    }
  }
}
