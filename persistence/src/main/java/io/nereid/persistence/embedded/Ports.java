package io.nereid.persistence.embedded;

import io.nereid.persistence.embedded.EmbeddedCassandraException.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;

/** TCP port checks on the address that Cassandra will listen on. */
final class Ports {

  private Ports() {}

  /** Resolves the listen host, failing with a message that names it. */
  static InetAddress resolve(String host) {
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(
          "host " + host + " cannot be resolved to an address; use an IP address such as 127.0.0.1",
          e);
    }
  }

  /** Returns a port that the operating system reported free on {@code address} a moment ago. */
  static int findFree(InetAddress address) {
    try (ServerSocket socket = new ServerSocket(0, 1, address)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind any port on " + address.getHostAddress(), e);
    }
  }

  /**
   * Binds and releases {@code port} to check that no other process listens on it. The bind uses
   * SO_REUSEADDR like Cassandra does, so connections of an earlier run in TIME_WAIT do not count.
   */
  static void requireFree(InetAddress address, int port, String role) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(address, port), 1);
    } catch (IOException e) {
      throw new EmbeddedCassandraException(
          Reason.PORT_IN_USE,
          "cannot start embedded Cassandra: "
              + role
              + " "
              + address.getHostAddress()
              + ":"
              + port
              + " is already in use ("
              + e.getMessage()
              + "); stop the process that listens on it or choose another "
              + role,
          e);
    }
  }
}
