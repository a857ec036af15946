package io.nereid.persistence.embedded;

import io.nereid.persistence.embedded.EmbeddedCassandraException.Reason;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Command line of the Cassandra JVM: the java binary, JVM options, classpath and main class. */
final class CassandraCommand {

  static final String MAIN_CLASS = "org.apache.cassandra.service.CassandraDaemon";

  /**
   * Module exports and opens that Cassandra 5.0 needs on Java 17; without them it fails at start
   * with an IllegalAccessException in FileUtils. The flags are those of the JPMS section of
   * {@code conf/jvm17-server.options} in the Apache Cassandra source tree.
   */
  private static final List<String> JAVA_17_MODULE_OPTIONS =
      List.of(
          "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
          "--add-exports=java.base/java.lang.ref=ALL-UNNAMED",
          "--add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED",
          "--add-exports=java.sql/java.sql=ALL-UNNAMED",
          "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
          "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
          "--add-exports=jdk.attach/sun.tools.attach=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.module=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.math=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.module=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
          "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED");

  private CassandraCommand() {}

  /**
   * Builds the command that runs Cassandra in the foreground with the same Java runtime as this JVM
   * and only the jars of {@code settings.libDirectory()} on its classpath.
   */
  static List<String> build(EmbeddedCassandraSettings settings, NodeDirectories dirs) {
    List<String> command = new ArrayList<>();
    command.add(javaExecutable().toString());

    command.add("-Xms" + settings.maxHeap());
    command.add("-Xmx" + settings.maxHeap());
    command.add("-XX:+UseG1GC");
    // Cassandra's start-up checks warn without one of these: a JVM that goes on after an
    // OutOfMemoryError can corrupt data.
    command.add("-XX:+ExitOnOutOfMemoryError");
    command.add("-Djdk.attach.allowAttachSelf=true");
    command.addAll(JAVA_17_MODULE_OPTIONS);
    // Lets Netty use Unsafe for direct buffers on Java 9 and later instead of falling back to
    // ByteBuffer.allocateDirect.
    command.add("-Dio.netty.tryReflectionSetAccessible=true");

    command.add("-Dcassandra-foreground=yes");
    command.add("-Dcassandra.config=" + dirs.cassandraYaml().toUri());
    command.add("-Dcassandra.storagedir=" + dirs.root());
    command.add("-Dcassandra.logdir=" + dirs.logs());
    command.add("-Dcassandra.triggers_dir=" + dirs.triggers());
    command.add("-Dlogback.configurationFile=" + dirs.logbackXml());
    // Neither cassandra.jmx.local.port nor cassandra.jmx.remote.port is set, so Cassandra opens
    // no JMX port: nothing to collide with other nodes on this machine, but no nodetool either.

    command.add("-cp");
    command.add(classpath(settings.libDirectory()));
    command.add(MAIN_CLASS);
    return command;
  }

  // NOTE: Cassandra's "Support for Java" page lists Java 11 and 17 as runtimes of 5.0. Cassandra
  // runs on this JVM's Java, and only Java 17 is tested here.
  private static Path javaExecutable() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  /** Joins the jars of the lib directory in name order, so every start gets the same classpath. */
  static String classpath(Path libDirectory) {
    List<String> jars;
    try (Stream<Path> entries = Files.list(libDirectory)) {
      jars =
          entries
              .filter(path -> path.getFileName().toString().endsWith(".jar"))
              .map(Path::toString)
              .sorted()
              .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the jars of " + libDirectory, e);
    }
    boolean hasCassandra =
        jars.stream().anyMatch(jar -> Path.of(jar).getFileName().toString().startsWith("cassandra-all-"));
    if (!hasCassandra) {
      throw new EmbeddedCassandraException(
          Reason.LIBRARY_NOT_FOUND,
          "cannot start embedded Cassandra: "
              + libDirectory
              + " contains no cassandra-all jar; "
              + EmbeddedCassandra.BUILD_HINT);
    }
    return String.join(File.pathSeparator, jars);
  }
}
