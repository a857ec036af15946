package io.nereid.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.nereid.persistence.CassandraSettings;
import io.nereid.persistence.InvalidConfigException;
import io.nereid.persistence.NereidConfig;
import io.nereid.persistence.embedded.EmbeddedCassandraException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code nereid} program. Every failure to start is reported as one line on standard error
 * with a non-zero exit code: 2 for bad arguments or configuration, 1 for anything else.
 */
public final class Main {

  private final PrintStream out;
  private final PrintStream err;

  Main(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    keepCallbacksOnCommonPool();
    int code = new Main(System.out, System.err).run(Arrays.asList(args));
    if (code != 0) {
      System.exit(code);
    }
  }

  /**
   * Gives the JDK's common pool at least two threads, before anything uses it. Pekko's Java ask
   * returns Scala's CompletableFuture adapter, which runs every dependent stage (thenApply,
   * thenCompose, handle) asynchronously on the default executor. On a machine with fewer than
   * three CPUs the common pool's parallelism is 1, and JDK 17's CompletableFuture then starts a
   * new thread for each such stage, several per docker create. An operator's own
   * {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism} is kept.
   */
  static void keepCallbacksOnCommonPool() {
    String parallelism = "java.util.concurrent.ForkJoinPool.common.parallelism";
    if (System.getProperty(parallelism) == null && Runtime.getRuntime().availableProcessors() < 3) {
      System.setProperty(parallelism, "2");
    }
  }

  /** Runs one command; returns the process exit code. Blocks while a member runs. */
  int run(List<String> args) {
    CommandLine commandLine;
    Config config;
    try {
      commandLine = CommandLine.parse(args);
      if (commandLine.command().equals("help")) {
        out.print(CommandLine.USAGE);
        return 0;
      }
      Config user = userConfig(commandLine);
      if (commandLine.command().equals("up")) {
        MemberRuntime.rejectDevOverrides(user);
      }
      config = loadConfig(user);
    } catch (IllegalArgumentException | InvalidConfigException e) {
      err.println("nereid: " + e.getMessage());
      return 2;
    }
    try {
      return switch (commandLine.command()) {
        case "up" -> up(config);
        case "run" -> runMember(config);
        case "schema" -> schema(config);
        default -> throw new IllegalStateException(commandLine.command());
      };
    } catch (InvalidConfigException e) {
      err.println("nereid: " + e.getMessage());
      return 2;
    } catch (StartupException | EmbeddedCassandraException e) {
      err.println("nereid: " + e.getMessage());
      return 1;
    } catch (Exception e) {
      err.println("nereid: failed to start: " + e);
      return 1;
    }
  }

  /** Returns the command-line options layered over the configuration file, without defaults. */
  static Config userConfig(CommandLine commandLine) {
    Map<String, Object> overrides = new HashMap<>();
    String dataDir = commandLine.options().get("data-dir");
    if (dataDir != null) {
      overrides.put("nereid.data-dir", dataDir);
    }
    int adminPort = commandLine.port("admin-port");
    if (adminPort >= 0) {
      overrides.put("nereid.admin.port", adminPort);
    }
    int dockerPort = commandLine.port("docker-port");
    if (dockerPort >= 0) {
      overrides.put("nereid.docker.port", dockerPort);
    }
    Config user = ConfigFactory.parseMap(overrides);
    String file = commandLine.options().get("config");
    if (file != null) {
      Path path = Path.of(file);
      if (!Files.isReadable(path)) {
        throw new IllegalArgumentException("cannot read configuration file " + path);
      }
      try {
        user = user.withFallback(ConfigFactory.parseFile(path.toFile()));
      } catch (ConfigException e) {
        throw new IllegalArgumentException("invalid configuration file: " + e.getMessage());
      }
    }
    UnknownKeys.check(user);
    return user;
  }

  /** Layers the user's configuration over Nereid's defaults and resolves it. */
  static Config loadConfig(Config user) {
    try {
      return NereidConfig.load(user);
    } catch (ConfigException e) {
      throw new IllegalArgumentException("invalid configuration: " + e.getMessage());
    }
  }

  private int up(Config loaded) throws Exception {
    return startMember(MemberRuntime.devConfig(loaded), true);
  }

  private int runMember(Config config) throws Exception {
    return startMember(config, false);
  }

  private int startMember(Config config, boolean devMode) throws Exception {
    ServerSettings settings = ServerSettings.fromConfig(config);
    Path dataDir = MemberRuntime.prepareDataDir(settings.dataDir());
    Path logFile = dataDir.resolve("nereid.log");
    // Both properties must be set before the first logger is created.
    System.setProperty("nereid.log.file", logFile.toString());
    System.setProperty("logback.configurationFile", "nereid-logback.xml");
    MemberRuntime runtime = MemberRuntime.start(config, devMode, out::println);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  out.println("nereid: stopping");
                  runtime.close();
                  out.println("nereid: stopped");
                },
                "nereid-shutdown"));
    printEndpoints(settings, runtime, logFile);
    runtime.member().system().getWhenTerminated().toCompletableFuture().join();
    return 0;
  }

  private void printEndpoints(ServerSettings settings, MemberRuntime runtime, Path logFile) {
    out.println("nereid is up");
    int adminPort = runtime.member().adminPort();
    if (adminPort > 0) {
      out.println("  admin API:  http://" + settings.adminHost() + ":" + adminPort + "/v1/nodes");
    }
    int dockerPort = runtime.member().dockerPort();
    if (dockerPort > 0) {
      out.println(
          "  docker API: tcp://"
              + settings.dockerHost()
              + ":"
              + dockerPort
              + " (what it serves: see README)");
    }
    if (!settings.dockerSocket().isEmpty()) {
      out.println("  docker API: unix://" + Path.of(settings.dockerSocket()).toAbsolutePath());
    }
    out.println(
        "  cassandra:  "
            + MemberRuntime.describe(runtime.contactPoints())
            + (runtime.cassandra().isPresent() ? " (embedded)" : ""));
    out.println("  log:        " + logFile);
    var cluster = org.apache.pekko.cluster.typed.Cluster.get(runtime.member().system()).selfMember().address();
    out.println(
        "  cluster:    "
            + cluster.host().get()
            + ":"
            + cluster.port().get()
            + " (nereid.cluster.seed-nodes for members that join)");
    if (!runtime.virtualNodes().isEmpty()) {
      out.println(
          "  nodes:      "
              + String.join(", ", runtime.virtualNodes())
              + " in pool "
              + settings.dev().pool());
    }
    out.println("Press Ctrl-C to stop.");
    out.flush();
  }

  private int schema(Config config) {
    CassandraSettings settings = CassandraSettings.fromConfig(config);
    if (settings.mode() == CassandraSettings.Mode.EMBEDDED) {
      throw new InvalidConfigException(
          "nereid.cassandra.mode",
          "\"schema\" creates tables in an external Cassandra; set it to external with its"
              + " contact-points (dev mode creates its schema itself)");
    }
    MemberRuntime.installSchema(settings.contactPoints(), settings);
    out.println(
        "schema ready in keyspaces "
            + settings.journalKeyspace()
            + " and "
            + settings.snapshotKeyspace());
    return 0;
  }

  /** A start-up failure whose message is fit to show the user as it is. */
  static final class StartupException extends RuntimeException {
    StartupException(String message) {
      super(message);
    }
  }
}
