package io.nereid.persistence.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.stream.Collectors;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes the files that configure an embedded node: {@code cassandra.yaml}, {@code logback.xml}
 * and the launch script. They are rewritten on every start from the templates beside this class,
 * so a changed port or cluster name takes effect on the next start.
 */
final class NodeConfiguration {

  private static final Pattern PLACEHOLDER = Pattern.compile("@([a-z_]+)@");

  private NodeConfiguration() {}

  static void write(EmbeddedCassandraSettings settings, InetAddress address, NodeDirectories dirs) {
    Map<String, String> yamlValues = new LinkedHashMap<>();
    yamlValues.put("cluster_name", yamlString(settings.clusterName()));
    yamlValues.put("data_directory", yamlString(dirs.data().toString()));
    yamlValues.put("commitlog_directory", yamlString(dirs.commitLog().toString()));
    yamlValues.put("saved_caches_directory", yamlString(dirs.savedCaches().toString()));
    yamlValues.put("hints_directory", yamlString(dirs.hints().toString()));
    yamlValues.put("cdc_raw_directory", yamlString(dirs.cdcRaw().toString()));
    yamlValues.put("host", yamlString(address.getHostAddress()));
    yamlValues.put("storage_port", Integer.toString(settings.storagePort()));
    yamlValues.put("cql_port", Integer.toString(settings.cqlPort()));
    yamlValues.put("seed", yamlString(seedList(settings, address)));
    writeFile(dirs.cassandraYaml(), fill("cassandra.yaml", yamlValues));

    String logFile = xmlText(dirs.systemLog().toString());
    writeFile(dirs.logbackXml(), fill("logback.xml", Map.of("log_file", logFile)));

    writeFile(dirs.launchScript(), template("watchdog.sh"));
  }

  /** Returns the seeds as Cassandra's seed provider reads them: {@code host:port,host:port}. */
  static String seedList(EmbeddedCassandraSettings settings, InetAddress self) {
    if (settings.seeds().isEmpty()) {
      return hostAndPort(self, settings.storagePort());
    }
    return settings.seeds().stream()
        .map(seed -> hostAndPort(Ports.resolve(seed), settings.storagePort()))
        .collect(Collectors.joining(","));
  }

  /** Formats an address and port the way Cassandra's seed list expects, IPv6 in brackets. */
  static String hostAndPort(InetAddress address, int port) {
    String host = address.getHostAddress();
    return address instanceof Inet6Address ? "[" + host + "]:" + port : host + ":" + port;
  }

  /** Quotes a value as a single-quoted YAML scalar, in which only the quote needs escaping. */
  static String yamlString(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  static String xmlText(String value) {
    return value
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;")
        .replace("'", "&apos;");
  }

  /** Replaces each {@code @name@} of a template; a placeholder without a value is a bug here. */
  static String fill(String templateName, Map<String, String> values) {
    Matcher matcher = PLACEHOLDER.matcher(template(templateName));
    StringBuilder filled = new StringBuilder();
    while (matcher.find()) {
      String value = values.get(matcher.group(1));
      if (value == null) {
        throw new IllegalStateException(
            "template " + templateName + " has placeholder " + matcher.group() + " without a value");
      }
      matcher.appendReplacement(filled, Matcher.quoteReplacement(value));
    }
    matcher.appendTail(filled);
    return filled.toString();
  }

  private static String template(String name) {
    try (InputStream in = NodeConfiguration.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(
            "template " + name + " is missing from the classpath next to "
                + NodeConfiguration.class.getName());
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read template " + name, e);
    }
  }

  /** Writes through a temporary file, so a crash never leaves a half-written configuration. */
  private static void writeFile(Path target, String content) {
    Path temporary = null;
    try {
      temporary = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".tmp");
      Files.writeString(temporary, content, StandardCharsets.UTF_8);
      Files.move(
          temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      deleteQuietly(temporary);
      throw new UncheckedIOException("cannot write " + target, e);
    }
  }

  private static void deleteQuietly(Path file) {
    if (file == null) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // The write already failed; that error is the one to report.
    }
  }
}
