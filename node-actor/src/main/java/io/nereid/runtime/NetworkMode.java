package io.nereid.runtime;

/** The network a container sees. */
public enum NetworkMode {
  /** A new network namespace holding only the loopback interface. */
  NONE,
  /** The host's network namespace, with all of its interfaces. */
  HOST;

  /** Parses Docker's {@code --network} value: {@code none} or {@code host}. */
  public static NetworkMode parse(String dockerValue) {
    return switch (dockerValue) {
      case "none", "" -> NONE;
      case "host" -> HOST;
      default -> throw new IllegalArgumentException(
          "unsupported network mode '" + dockerValue + "': expected none or host");
    };
  }
}
