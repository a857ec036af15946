package io.nereid.persistence.embedded;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Settings of one embedded Cassandra node. The constructor rejects each invalid value with an
 * {@link IllegalArgumentException} that names it. The state of the file system and of the ports is
 * checked later, by {@link EmbeddedCassandra#start}.
 *
 * @param libDirectory directory with the jars of {@code cassandra-all} and its runtime dependencies,
 *     usually {@link EmbeddedCassandra#locateLibrary()}
 * @param dataDirectory root of everything the node writes (configuration, data, commit log and
 *     logs), stored as an absolute path
 * @param host address that Cassandra listens on for CQL clients and for other nodes
 * @param cqlPort port of the CQL native protocol
 * @param storagePort port of Cassandra's inter-node messaging
 * @param clusterName name that Cassandra stores in the data directory on the first start, so a
 *     later start with another name fails
 * @param maxHeap heap size of the Cassandra JVM in {@code -Xmx} syntax, such as {@code 512m}
 * @param startTimeout how long {@link EmbeddedCassandra#start} waits for CQL connections
 * @param stopTimeout how long {@link EmbeddedCassandra#close} waits after SIGTERM before SIGKILL
 * @param seeds addresses of the seed nodes that this node contacts to join a cluster, all on
 *     {@code storagePort}; empty makes the node its own seed, a cluster of one
 */
public record EmbeddedCassandraSettings(
    Path libDirectory,
    Path dataDirectory,
    String host,
    int cqlPort,
    int storagePort,
    String clusterName,
    String maxHeap,
    Duration startTimeout,
    Duration stopTimeout,
    List<String> seeds) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_CQL_PORT = 9042;
  public static final int DEFAULT_STORAGE_PORT = 7000;
  public static final String DEFAULT_CLUSTER_NAME = "Nereid";
  public static final String DEFAULT_MAX_HEAP = "512m";
  public static final Duration DEFAULT_START_TIMEOUT = Duration.ofMinutes(3);
  public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(30);

  private static final Pattern HEAP_SIZE = Pattern.compile("[1-9][0-9]*[mMgG]");
  private static final Set<String> WILDCARD_ADDRESSES =
      Set.of("0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0");

  public EmbeddedCassandraSettings {
    Objects.requireNonNull(libDirectory, "libDirectory must not be null");
    Objects.requireNonNull(dataDirectory, "dataDirectory must not be null");
    requireNonBlank(host, "host");
    requireNonBlank(clusterName, "clusterName");
    requireNonBlank(maxHeap, "maxHeap");
    Objects.requireNonNull(startTimeout, "startTimeout must not be null");
    Objects.requireNonNull(stopTimeout, "stopTimeout must not be null");

    dataDirectory = dataDirectory.toAbsolutePath().normalize();
    requirePort(cqlPort, "cqlPort");
    requirePort(storagePort, "storagePort");
    if (cqlPort == storagePort) {
      throw new IllegalArgumentException(
          "cqlPort and storagePort must differ, both are " + cqlPort);
    }
    requireConcreteAddress(host, "host");
    if (clusterName.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          "clusterName must not contain control characters such as a newline, got \""
              + clusterName.replaceAll("\\p{Cntrl}", "?")
              + "\"");
    }
    if (!HEAP_SIZE.matcher(maxHeap).matches()) {
      throw new IllegalArgumentException(
          "maxHeap must be a JVM heap size such as 512m or 2g, got \"" + maxHeap + "\"");
    }
    requirePositive(startTimeout, "startTimeout");
    requirePositive(stopTimeout, "stopTimeout");
    Objects.requireNonNull(seeds, "seeds must not be null");
    seeds = List.copyOf(seeds);
    for (String seed : seeds) {
      requireNonBlank(seed, "seed");
      requireConcreteAddress(seed, "seed");
    }
  }

  /** Returns settings with every default except the two directories. */
  public static EmbeddedCassandraSettings defaults(Path libDirectory, Path dataDirectory) {
    return new EmbeddedCassandraSettings(
        libDirectory,
        dataDirectory,
        DEFAULT_HOST,
        DEFAULT_CQL_PORT,
        DEFAULT_STORAGE_PORT,
        DEFAULT_CLUSTER_NAME,
        DEFAULT_MAX_HEAP,
        DEFAULT_START_TIMEOUT,
        DEFAULT_STOP_TIMEOUT,
        List.of());
  }

  /**
   * Returns a copy with a CQL port and a storage port that were free on {@link #host} a moment ago.
   * Another process may take one before the start checks it, which fails with
   * {@link EmbeddedCassandraException.Reason#PORT_IN_USE}, or after that check, which makes
   * Cassandra exit with {@link EmbeddedCassandraException.Reason#PROCESS_EXITED}.
   */
  public EmbeddedCassandraSettings withFreePorts() {
    InetAddress address = Ports.resolve(host);
    int cql = Ports.findFree(address);
    int storage = Ports.findFree(address);
    while (storage == cql) {
      storage = Ports.findFree(address);
    }
    return withCqlPort(cql).withStoragePort(storage);
  }

  public EmbeddedCassandraSettings withHost(String newHost) {
    return new EmbeddedCassandraSettings(
        libDirectory, dataDirectory, newHost, cqlPort, storagePort, clusterName, maxHeap,
        startTimeout, stopTimeout, seeds);
  }

  public EmbeddedCassandraSettings withCqlPort(int newCqlPort) {
    return new EmbeddedCassandraSettings(
        libDirectory, dataDirectory, host, newCqlPort, storagePort, clusterName, maxHeap,
        startTimeout, stopTimeout, seeds);
  }

  public EmbeddedCassandraSettings withStoragePort(int newStoragePort) {
    return new EmbeddedCassandraSettings(
        libDirectory, dataDirectory, host, cqlPort, newStoragePort, clusterName, maxHeap,
        startTimeout, stopTimeout, seeds);
  }

  public EmbeddedCassandraSettings withClusterName(String newClusterName) {
    return new EmbeddedCassandraSettings(
        libDirectory, dataDirectory, host, cqlPort, storagePort, newClusterName, maxHeap,
        startTimeout, stopTimeout, seeds);
  }

  public EmbeddedCassandraSettings withMaxHeap(String newMaxHeap) {
    return new EmbeddedCassandraSettings(
        libDirectory, dataDirectory, host, cqlPort, storagePort, clusterName, newMaxHeap,
        startTimeout, stopTimeout, seeds);
  }

  public EmbeddedCassandraSettings withStartTimeout(Duration newStartTimeout) {
    return new EmbeddedCassandraSettings(
        libDirectory, dataDirectory, host, cqlPort, storagePort, clusterName, maxHeap,
        newStartTimeout, stopTimeout, seeds);
  }

  public EmbeddedCassandraSettings withStopTimeout(Duration newStopTimeout) {
    return new EmbeddedCassandraSettings(
        libDirectory, dataDirectory, host, cqlPort, storagePort, clusterName, maxHeap,
        startTimeout, newStopTimeout, seeds);
  }

  /**
   * Returns a copy that joins the cluster of {@code newSeeds}, such as every node of a small
   * cluster on one machine, each on its own loopback address.
   */
  public EmbeddedCassandraSettings withSeeds(List<String> newSeeds) {
    return new EmbeddedCassandraSettings(
        libDirectory, dataDirectory, host, cqlPort, storagePort, clusterName, maxHeap,
        startTimeout, stopTimeout, newSeeds);
  }

  private static void requireNonBlank(String value, String name) {
    Objects.requireNonNull(value, name + " must not be null");
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
  }

  private static void requirePort(int port, String name) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          name + " must be between 1 and 65535, got " + port);
    }
  }

  private static void requirePositive(Duration duration, String name) {
    if (duration.isZero() || duration.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive, got " + duration);
    }
  }

  /**
   * Rejects the wildcard addresses, which Cassandra refuses as a listen address. Host names are
   * resolved later, by {@link EmbeddedCassandra#start}.
   */
  private static void requireConcreteAddress(String host, String name) {
    if (WILDCARD_ADDRESSES.contains(host)) {
      throw new IllegalArgumentException(
          name + " must be a concrete address such as 127.0.0.1, not the wildcard " + host);
    }
  }
}
