package io.nereid.persistence.embedded;

import io.nereid.persistence.embedded.EmbeddedCassandraException.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Layout of an embedded node's data directory. Everything the node writes stays below the root, so
 * a restart on the same root finds its data and deleting the root removes the node.
 */
record NodeDirectories(Path root) {

  Path conf() {
    return root.resolve("conf");
  }

  Path data() {
    return root.resolve("data");
  }

  Path commitLog() {
    return root.resolve("commitlog");
  }

  Path savedCaches() {
    return root.resolve("saved_caches");
  }

  Path hints() {
    return root.resolve("hints");
  }

  Path cdcRaw() {
    return root.resolve("cdc_raw");
  }

  Path triggers() {
    return root.resolve("triggers");
  }

  Path logs() {
    return root.resolve("logs");
  }

  Path cassandraYaml() {
    return conf().resolve("cassandra.yaml");
  }

  Path logbackXml() {
    return conf().resolve("logback.xml");
  }

  Path launchScript() {
    return conf().resolve("launch-cassandra.sh");
  }

  /** Cassandra's own log, written by the logback configuration in {@link #logbackXml()}. */
  Path systemLog() {
    return logs().resolve("system.log");
  }

  /** Standard output and error of the Cassandra JVM and the watchdog's messages. */
  Path consoleLog() {
    return logs().resolve("console.log");
  }

  /** Pid of the running Cassandra process and of the JVM that launched it. */
  Path pidFile() {
    return root.resolve("cassandra.pid");
  }

  /**
   * Creates every directory and checks that the root is writable, so an unusable root fails here
   * with its path instead of deep inside Cassandra's start.
   */
  void create() {
    for (Path directory :
        List.of(conf(), data(), commitLog(), savedCaches(), hints(), cdcRaw(), triggers(), logs())) {
      try {
        Files.createDirectories(directory);
      } catch (IOException e) {
        throw unusable("cannot be created (" + describe(e) + ")", e);
      }
    }
    Path probe;
    try {
      probe = Files.createTempFile(root, ".write-check", ".tmp");
    } catch (IOException e) {
      throw unusable("is not writable (" + describe(e) + ")", e);
    }
    try {
      Files.delete(probe);
    } catch (IOException e) {
      throw unusable("does not allow deleting files (" + describe(e) + ")", e);
    }
  }

  private EmbeddedCassandraException unusable(String problem, IOException cause) {
    return new EmbeddedCassandraException(
        Reason.DATA_DIRECTORY_UNUSABLE,
        "cannot start embedded Cassandra: data directory "
            + root
            + " "
            + problem
            + "; choose a directory that the user "
            + System.getProperty("user.name")
            + " can create and write",
        cause);
  }

  private static String describe(IOException e) {
    String message = e.getMessage();
    return message == null
        ? e.getClass().getSimpleName()
        : e.getClass().getSimpleName() + ": " + message;
  }
}
