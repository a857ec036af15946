package io.nereid.persistence.embedded;

import java.nio.file.Path;

/**
 * Main class of the launcher JVM in {@link EmbeddedCassandraLauncherDeathTest}: starts a node on
 * free ports, prints {@value #PID_PREFIX} and the node's pid, then runs until its standard input
 * closes. The test keeps that input open, so a launcher whose test JVM died exits by itself, and
 * its shutdown hook stops the node.
 *
 * <p>Arguments: the lib directory and the data directory.
 */
public final class NodeLauncherMain {

  static final String PID_PREFIX = "cassandra-pid=";

  private NodeLauncherMain() {}

  public static void main(String[] args) throws Exception {
    EmbeddedCassandraSettings settings =
        EmbeddedCassandraSettings.defaults(Path.of(args[0]), Path.of(args[1])).withFreePorts();
    EmbeddedCassandra node = EmbeddedCassandra.start(settings);
    System.out.println(PID_PREFIX + node.pid());
    System.out.flush();

    while (System.in.read() != -1) {
      // Discards input; only the end of the stream matters.
    }
    System.exit(0);
  }
}
