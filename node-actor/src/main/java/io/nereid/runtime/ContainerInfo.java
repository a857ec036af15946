package io.nereid.runtime;

import java.time.Instant;
import java.util.Optional;

/**
 * One container a runtime holds.
 *
 * @param pid the main process's ID on the host; 0 once it has exited
 * @param exit how it ended, once {@link ContainerState#STOPPED}
 */
public record ContainerInfo(
    String id, ContainerState state, long pid, Instant startedAt, Optional<ExitStatus> exit) {}
