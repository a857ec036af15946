package io.nereid.runtime;

import java.time.Instant;

/**
 * How a container's main process ended.
 *
 * @param exitCode the process's exit code, or 128 plus the signal number if a signal ended it;
 *     {@link #UNKNOWN_EXIT_CODE} when the runtime lost track of the process
 * @param oomKilled true if the kernel's OOM killer killed a process of the container because of
 *     its memory limit, even if the main process survived it
 */
public record ExitStatus(int exitCode, boolean oomKilled, Instant finishedAt) {

  /** The exit code reported when the process's real exit code could not be read. */
  public static final int UNKNOWN_EXIT_CODE = -1;
}
