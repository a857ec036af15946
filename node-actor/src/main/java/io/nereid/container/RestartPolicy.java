package io.nereid.container;

import io.nereid.persistence.CborSerializable;

/**
 * What happens when a container's main process exits, with Docker's names and rules.
 *
 * @param name one of {@code no}, {@code always}, {@code unless-stopped}, {@code on-failure}
 * @param maximumRetryCount for {@code on-failure}, the most restarts in a row; 0 means no bound
 */
public record RestartPolicy(String name, int maximumRetryCount) implements CborSerializable {

  public static final RestartPolicy NO = new RestartPolicy("no", 0);

  public RestartPolicy {
    if (name == null || name.isEmpty()) {
      name = "no";
    }
    switch (name) {
      case "no", "always", "unless-stopped", "on-failure" -> {}
      default -> throw new IllegalArgumentException(
          "invalid restart policy \"" + name + "\": use no, always, unless-stopped or on-failure");
    }
    if (maximumRetryCount < 0) {
      throw new IllegalArgumentException(
          "invalid maximum retry count " + maximumRetryCount + ": it must not be negative");
    }
    if (maximumRetryCount > 0 && !name.equals("on-failure")) {
      throw new IllegalArgumentException(
          "maximum retry count is only valid with the on-failure restart policy");
    }
  }

  /**
   * Decides whether an exit that the user did not ask for leads to a restart.
   *
   * @param restartsSoFar restarts since the user last started the container
   */
  public boolean restartsAfter(int exitCode, int restartsSoFar) {
    return switch (name) {
      case "always", "unless-stopped" -> true;
      case "on-failure" -> exitCode != 0
          && (maximumRetryCount == 0 || restartsSoFar < maximumRetryCount);
      default -> false;
    };
  }

  /** Whether a lost node's container with this policy is placed again elsewhere. */
  public boolean isRestartable() {
    return !name.equals("no");
  }
}
