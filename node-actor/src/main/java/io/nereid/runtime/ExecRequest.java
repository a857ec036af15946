package io.nereid.runtime;

import java.time.Duration;
import java.util.List;

/**
 * A process to run inside a running container, as {@code docker exec} describes one.
 *
 * @param env {@code NAME=value} entries added to the container's environment
 * @param user as in {@link RuntimeSpec#user}; empty means the container's user
 * @param workingDir empty means the container's working directory
 * @param timeout how long to wait for the process before killing it
 */
public record ExecRequest(
    List<String> args, List<String> env, String user, String workingDir, Duration timeout) {

  public ExecRequest {
    if (args == null || args.isEmpty()) {
      throw new IllegalArgumentException("exec needs a command");
    }
    args = List.copyOf(args);
    env = env == null ? List.of() : List.copyOf(env);
    user = user == null ? "" : user;
    workingDir = workingDir == null ? "" : workingDir;
    timeout = timeout == null ? Duration.ofMinutes(5) : timeout;
  }

  /** Returns a request for {@code args} with the container's environment, user and directory. */
  public static ExecRequest of(String... args) {
    return new ExecRequest(List.of(args), List.of(), "", "", null);
  }
}
