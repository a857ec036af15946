package io.nereid.chaos;

import io.nereid.persistence.embedded.EmbeddedCassandra;
import io.nereid.persistence.embedded.EmbeddedCassandraSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Cassandra cluster of one node per loopback address (127.0.0.1, 127.0.0.2, ...), all on the
 * same CQL and storage ports, each an {@link EmbeddedCassandra} child JVM with its own data
 * directory. Node {@code i} has the nodes started before it and itself as seeds: being its own
 * seed, no node bootstraps, and none waits on a seed that is not started yet (Cassandra waits 30 s
 * for an unreachable seed). A node restarted on its old data directory rejoins with its old tokens.
 */
final class CassandraRing implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(CassandraRing.class);
  private static final int FIRST_PORT = 19042;
  private static final int PORT_CANDIDATES = 200;

  private final List<EmbeddedCassandraSettings> settings;
  private final EmbeddedCassandra[] nodes;

  private CassandraRing(List<EmbeddedCassandraSettings> settings) {
    this.settings = settings;
    this.nodes = new EmbeddedCassandra[settings.size()];
  }

  /**
   * Starts {@code size} nodes one after the other, the first on 127.0.0.1. The ports are the
   * first pair free on every address, searched upwards from {@value #FIRST_PORT}.
   */
  static CassandraRing start(int size, Path root, String maxHeap) {
    List<String> hosts = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
      hosts.add("127.0.0." + i);
    }
    int[] ports = freePortPair(hosts);
    List<EmbeddedCassandraSettings> settings = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      settings.add(
          EmbeddedCassandraSettings.defaults(
                  EmbeddedCassandra.locateLibrary(), root.resolve("cassandra-" + (i + 1)))
              .withHost(hosts.get(i))
              .withCqlPort(ports[0])
              .withStoragePort(ports[1])
              .withClusterName("NereidChaos")
              .withMaxHeap(maxHeap)
              .withStartTimeout(Duration.ofMinutes(4))
              .withSeeds(hosts.subList(0, i + 1)));
    }
    CassandraRing ring = new CassandraRing(List.copyOf(settings));
    try {
      for (int i = 0; i < size; i++) {
        ring.startNode(i);
      }
    } catch (RuntimeException e) {
      ring.close();
      throw e;
    }
    return ring;
  }

  int size() {
    return nodes.length;
  }

  List<InetSocketAddress> contactPoints() {
    return settings.stream()
        .map(each -> new InetSocketAddress(each.host(), each.cqlPort()))
        .toList();
  }

  synchronized void startNode(int index) {
    if (nodes[index] != null && nodes[index].isRunning()) {
      return;
    }
    if (nodes[index] != null) {
      nodes[index].close();
    }
    nodes[index] = EmbeddedCassandra.start(settings.get(index));
    log.info("cassandra node up index={} host={} pid={}", index, settings.get(index).host(), nodes[index].pid());
  }

  /** Sends SIGKILL to node {@code index}, which loses what its commit log had not yet synced. */
  synchronized void kill(int index) {
    EmbeddedCassandra node = nodes[index];
    if (node == null || !node.isRunning()) {
      return;
    }
    ChildProcess.signal(name(index), node.pid(), "KILL");
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (node.isRunning() && System.nanoTime() < deadline) {
      sleep(Duration.ofMillis(50));
    }
  }

  synchronized void pause(int index) {
    ChildProcess.signal(name(index), nodes[index].pid(), "STOP");
  }

  synchronized void resume(int index) {
    ChildProcess.signal(name(index), nodes[index].pid(), "CONT");
  }

  /** Stops node {@code index} with SIGTERM, so Cassandra drains its commit log first. */
  synchronized void stopNode(int index) {
    if (nodes[index] != null) {
      nodes[index].close();
    }
  }

  synchronized boolean isRunning(int index) {
    return nodes[index] != null && nodes[index].isRunning();
  }

  synchronized long pid(int index) {
    return nodes[index] == null ? -1 : nodes[index].pid();
  }

  String name(int index) {
    return "cassandra-" + (index + 1);
  }

  @Override
  public synchronized void close() {
    for (int i = nodes.length - 1; i >= 0; i--) {
      if (nodes[i] != null) {
        if (nodes[i].isRunning()) {
          // A paused node would sit out the whole stop timeout.
          ChildProcess.signal(name(i), nodes[i].pid(), "CONT");
        }
        nodes[i].close();
      }
    }
  }

  private static int[] freePortPair(List<String> hosts) {
    for (int port = FIRST_PORT; port < FIRST_PORT + PORT_CANDIDATES; port += 2) {
      if (freeOnAll(hosts, port) && freeOnAll(hosts, port + 1)) {
        return new int[] {port, port + 1};
      }
    }
    throw new IllegalStateException(
        "no pair of ports free on every address of " + hosts + " between " + FIRST_PORT + " and "
            + (FIRST_PORT + PORT_CANDIDATES));
  }

  private static boolean freeOnAll(List<String> hosts, int port) {
    for (String host : hosts) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }

  static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
