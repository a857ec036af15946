package io.nereid.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Where the journal lives and how it is written, read from {@code nereid.cassandra}.
 *
 * @param contactPoints only meaningful in external mode; embedded mode connects to the child it
 *     starts
 */
public record CassandraSettings(
    Mode mode,
    List<InetSocketAddress> contactPoints,
    String localDatacenter,
    String journalKeyspace,
    String snapshotKeyspace,
    int replicationFactor,
    String writeConsistency,
    String readConsistency,
    Embedded embedded) {

  public enum Mode {
    EMBEDDED,
    EXTERNAL
  }

  /** Settings of the Cassandra child JVM that embedded mode starts. */
  public record Embedded(
      String libDirectory,
      String host,
      int cqlPort,
      int storagePort,
      String maxHeap,
      Duration startTimeout) {}

  public static final String PATH = "nereid.cassandra";

  private static final Pattern KEYSPACE = Pattern.compile("[a-zA-Z][a-zA-Z0-9_]{0,47}");
  private static final Set<String> CONSISTENCY_LEVELS =
      new TreeSet<>(
          List.of("ONE", "TWO", "THREE", "QUORUM", "LOCAL_QUORUM", "EACH_QUORUM", "ALL", "LOCAL_ONE"));
  private static final Pattern HEAP = Pattern.compile("[1-9][0-9]*[mMgG]");

  /** Reads and validates the settings, throwing {@link InvalidConfigException} on the first bad value. */
  public static CassandraSettings fromConfig(Config config) {
    ConfigReader reader = new ConfigReader(config, PATH);
    Mode mode = reader.oneOf("mode", Mode.class);
    List<InetSocketAddress> contactPoints = parseContactPoints(reader);
    String journalKeyspace = keyspace(reader, "journal-keyspace");
    String snapshotKeyspace = keyspace(reader, "snapshot-keyspace");
    if (journalKeyspace.equalsIgnoreCase(snapshotKeyspace)) {
      throw new InvalidConfigException(
          reader.key("snapshot-keyspace"), "must differ from journal-keyspace");
    }
    ConfigReader embedded = reader.section("embedded");
    String heap = embedded.string("max-heap");
    if (!HEAP.matcher(heap).matches()) {
      throw new InvalidConfigException(
          embedded.key("max-heap"), "expected a JVM heap size such as 768m or 2g, got \"" + heap + "\"");
    }
    return new CassandraSettings(
        mode,
        contactPoints,
        nonBlank(reader, "local-datacenter"),
        journalKeyspace,
        snapshotKeyspace,
        reader.intAtLeast("replication-factor", 1),
        consistency(reader, "write-consistency"),
        consistency(reader, "read-consistency"),
        new Embedded(
            embedded.string("lib-directory"),
            nonBlank(embedded, "host"),
            embedded.port("cql-port"),
            embedded.port("storage-port"),
            heap,
            embedded.positiveDuration("start-timeout")));
  }

  /**
   * Returns the settings of the journal plugin and its driver that follow from these settings,
   * to be layered over the rest of the configuration.
   */
  public Config pluginConfig(List<InetSocketAddress> effectiveContactPoints) {
    Map<String, Object> values = new HashMap<>();
    values.put(
        "datastax-java-driver.basic.contact-points",
        effectiveContactPoints.stream().map(p -> p.getHostString() + ":" + p.getPort()).toList());
    values.put("datastax-java-driver.basic.load-balancing-policy.local-datacenter", localDatacenter);
    values.put("datastax-java-driver.profiles.nereid-write.basic.request.consistency", writeConsistency);
    values.put("datastax-java-driver.profiles.nereid-read.basic.request.consistency", readConsistency);
    values.put("pekko.persistence.cassandra.journal.keyspace", journalKeyspace);
    values.put("pekko.persistence.cassandra.journal.replication-factor", replicationFactor);
    values.put("pekko.persistence.cassandra.snapshot.keyspace", snapshotKeyspace);
    values.put("pekko.persistence.cassandra.snapshot.replication-factor", replicationFactor);
    return ConfigFactory.parseMap(values);
  }

  public Path embeddedDataDirectory(Path dataDirectory) {
    return dataDirectory.resolve("cassandra");
  }

  private static List<InetSocketAddress> parseContactPoints(ConfigReader reader) {
    List<String> raw = reader.strings("contact-points");
    if (raw.isEmpty()) {
      throw new InvalidConfigException(reader.key("contact-points"), "must name at least one host:port");
    }
    List<InetSocketAddress> points = new ArrayList<>();
    for (String entry : raw) {
      int colon = entry.lastIndexOf(':');
      if (colon <= 0 || colon == entry.length() - 1) {
        throw new InvalidConfigException(
            reader.key("contact-points"), "expected host:port, got \"" + entry + "\"");
      }
      int port;
      try {
        port = Integer.parseInt(entry.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 1 || port > 65535) {
        throw new InvalidConfigException(
            reader.key("contact-points"), "invalid port in \"" + entry + "\"");
      }
      points.add(InetSocketAddress.createUnresolved(entry.substring(0, colon), port));
    }
    return List.copyOf(points);
  }

  private static String keyspace(ConfigReader reader, String name) {
    String value = reader.string(name);
    if (!KEYSPACE.matcher(value).matches()) {
      throw new InvalidConfigException(
          reader.key(name),
          "a keyspace name is a letter then up to 47 letters, digits or underscores, got \""
              + value
              + "\"");
    }
    return value;
  }

  private static String consistency(ConfigReader reader, String name) {
    String value = reader.string(name).toUpperCase();
    if (!CONSISTENCY_LEVELS.contains(value)) {
      throw new InvalidConfigException(
          reader.key(name), "must be one of " + CONSISTENCY_LEVELS + ", got \"" + value + "\"");
    }
    return value;
  }

  private static String nonBlank(ConfigReader reader, String name) {
    String value = reader.string(name);
    if (value.isBlank()) {
      throw new InvalidConfigException(reader.key(name), "must not be empty");
    }
    return value;
  }
}
