package io.nereid.server.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.nereid.persistence.CassandraSessions;
import io.nereid.persistence.CassandraSettings;
import io.nereid.persistence.NereidConfig;
import io.nereid.persistence.SchemaInstaller;
import io.nereid.persistence.embedded.EmbeddedCassandra;
import io.nereid.persistence.testing.SharedCassandra;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Measures the Docker API of one Nereid member with the simulated runtime against a real
 * Cassandra, side by side with {@link BaselineDockerEndpoint} under the same client load:
 * {@code docker create} throughput with concurrent clients, {@code docker run -d} latency (create
 * and start, until the start returns), and the resident memory of both server JVMs once
 * {@code bench.containers} containers exist. Cassandra runs in a child JVM of this one, and the
 * member and the baseline each in a JVM of their own, so each process's memory is read apart.
 *
 * <p>System properties, set by the {@code gateway-bench} profile of server/pom.xml:
 * {@code bench.clients} (concurrent clients), {@code bench.creates} (creates timed for the
 * throughput), {@code bench.runs} (run -d pairs timed for the latency), {@code bench.run-clients}
 * (clients of the run -d phase), {@code bench.containers} (containers created in all before the
 * memory is read), {@code bench.warmup}, {@code bench.warmup-round}, {@code bench.warmup-max} and
 * {@code bench.warmup-jit-share} (see {@link #warmUp}), {@code bench.server-java-options} and
 * {@code bench.output}.
 */
public final class DockerApiBenchmark {

  /**
   * What {@code docker create bench sleep 300} sends to {@code POST /v1.41/containers/create},
   * captured from the docker CLI 28.2.2 against a server that advertises API 1.41.
   */
  static final String CREATE_BODY =
      "{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,"
          + "\"AttachStdout\":true,\"AttachStderr\":true,\"Tty\":false,\"OpenStdin\":false,"
          + "\"StdinOnce\":false,\"Env\":null,\"Cmd\":[\"sleep\",\"300\"],\"Image\":\"bench\","
          + "\"Volumes\":{},\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":{},"
          + "\"HostConfig\":{\"Binds\":null,\"ContainerIDFile\":\"\",\"LogConfig\":{\"Type\":\"\","
          + "\"Config\":{}},\"NetworkMode\":\"default\",\"PortBindings\":{},"
          + "\"RestartPolicy\":{\"Name\":\"no\",\"MaximumRetryCount\":0},\"AutoRemove\":false,"
          + "\"VolumeDriver\":\"\",\"VolumesFrom\":null,\"ConsoleSize\":[0,0],\"CapAdd\":null,"
          + "\"CapDrop\":null,\"CgroupnsMode\":\"\",\"Dns\":[],\"DnsOptions\":[],\"DnsSearch\":[],"
          + "\"ExtraHosts\":null,\"GroupAdd\":null,\"IpcMode\":\"\",\"Cgroup\":\"\",\"Links\":null,"
          + "\"OomScoreAdj\":0,\"PidMode\":\"\",\"Privileged\":false,\"PublishAllPorts\":false,"
          + "\"ReadonlyRootfs\":false,\"SecurityOpt\":null,\"UTSMode\":\"\",\"UsernsMode\":\"\","
          + "\"ShmSize\":0,\"Isolation\":\"\",\"CpuShares\":0,\"Memory\":0,\"NanoCpus\":0,"
          + "\"CgroupParent\":\"\",\"BlkioWeight\":0,\"BlkioWeightDevice\":[],"
          + "\"BlkioDeviceReadBps\":[],\"BlkioDeviceWriteBps\":[],\"BlkioDeviceReadIOps\":[],"
          + "\"BlkioDeviceWriteIOps\":[],\"CpuPeriod\":0,\"CpuQuota\":0,\"CpuRealtimePeriod\":0,"
          + "\"CpuRealtimeRuntime\":0,\"CpusetCpus\":\"\",\"CpusetMems\":\"\",\"Devices\":[],"
          + "\"DeviceCgroupRules\":null,\"DeviceRequests\":null,\"MemoryReservation\":0,"
          + "\"MemorySwap\":0,\"MemorySwappiness\":-1,\"OomKillDisable\":false,\"PidsLimit\":0,"
          + "\"Ulimits\":[],\"CpuCount\":0,\"CpuPercent\":0,\"IOMaximumIOps\":0,"
          + "\"IOMaximumBandwidth\":0,\"MaskedPaths\":null,\"ReadonlyPaths\":null},"
          + "\"NetworkingConfig\":{\"EndpointsConfig\":{\"default\":{\"IPAMConfig\":null,"
          + "\"Links\":null,\"Aliases\":null,\"MacAddress\":\"\",\"DriverOpts\":null,"
          + "\"GwPriority\":0,\"NetworkID\":\"\",\"EndpointID\":\"\",\"Gateway\":\"\","
          + "\"IPAddress\":\"\",\"IPPrefixLen\":0,\"IPv6Gateway\":\"\",\"GlobalIPv6Address\":\"\","
          + "\"GlobalIPv6PrefixLen\":0,\"DNSNames\":null}}}}\n";

  private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);

  private final int clients = Integer.getInteger("bench.clients", 32);
  private final int creates = Integer.getInteger("bench.creates", 4000);
  private final int runs = Integer.getInteger("bench.runs", 500);
  private final int runClients = Integer.getInteger("bench.run-clients", 1);
  private final int containers = Integer.getInteger("bench.containers", 10_000);
  private final int warmup = Integer.getInteger("bench.warmup", 5000);
  private final int warmupRound = Integer.getInteger("bench.warmup-round", 2000);
  private final int warmupMax = Integer.getInteger("bench.warmup-max", 40_000);
  private final double warmupJitShare = Double.parseDouble(System.getProperty("bench.warmup-jit-share", "0.05"));
  private final List<String> serverJavaOptions =
      List.of(System.getProperty("bench.server-java-options", "-Xmx1g").trim().split("\\s+"));
  private final Path output = Path.of(System.getProperty("bench.output", "target/gateway-bench"));

  public static void main(String[] args) throws Exception {
    new DockerApiBenchmark().run();
    // Cassandra stops in SharedCassandra's shutdown hook.
    System.exit(0);
  }

  private void run() throws Exception {
    Files.createDirectories(output);
    String loadBefore = loadAverage();
    Instant began = Instant.now();
    EmbeddedCassandra cassandra = SharedCassandra.get();
    log("cassandra pid=" + cassandra.pid() + " cql=" + cassandra.contactPoint());

    int baselinePort = freePort();
    int dockerPort = freePort();
    Path serverConfig = writeServerConfig(cassandra, dockerPort);
    installSchema(serverConfig);

    List<Process> started = new ArrayList<>();
    // A benchmark stopped with Ctrl-C leaves no server JVM behind.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> started.forEach(Process::destroy), "gateway-bench-stop"));
    try {
      Process baseline = startJvm("baseline", List.of(BaselineDockerEndpoint.class.getName(), Integer.toString(baselinePort)));
      started.add(baseline);
      Process nereid =
          startJvm("nereid", List.of("io.nereid.server.Main", "run", "--config", serverConfig.toString()));
      started.add(nereid);

      Side baselineSide = new Side("baseline", baseline, URI.create("http://127.0.0.1:" + baselinePort + "/v1.41"));
      Side nereidSide = new Side("Nereid", nereid, URI.create("http://127.0.0.1:" + dockerPort + "/v1.41"));
      importImage(nereidSide.base);
      awaitCreate(baselineSide);
      awaitCreate(nereidSide);
      baselineSide.created = 1;
      nereidSide.created = 1;

      // The baseline does so little per create that its compiler's share of its CPU stays high, so
      // it gets the fixed warm-up only. Nereid's member and Cassandra go on until their compilers settle.
      warmUp(baselineSide, List.of());
      warmUp(nereidSide, List.of(nereidSide.process.pid(), cassandra.pid()));
      for (Side side : List.of(baselineSide, nereidSide)) {
        log(side.name + ": " + creates + " creates from " + clients + " clients");
        ProcessCpu serverBefore = ProcessCpu.read(side.process.pid());
        ProcessCpu serverJitBefore = ProcessCpu.readCompilers(side.process.pid());
        ProcessCpu cassandraBefore = ProcessCpu.read(cassandra.pid());
        ProcessCpu cassandraJitBefore = ProcessCpu.readCompilers(cassandra.pid());
        side.createResult = side.load.creates(clients, creates);
        side.serverCpuPerCreate = ProcessCpu.read(side.process.pid()).millisSince(serverBefore) / creates;
        side.serverJitPerCreate =
            ProcessCpu.readCompilers(side.process.pid()).millisSince(serverJitBefore) / creates;
        side.cassandraCpuPerCreate = ProcessCpu.read(cassandra.pid()).millisSince(cassandraBefore) / creates;
        side.cassandraJitPerCreate =
            ProcessCpu.readCompilers(cassandra.pid()).millisSince(cassandraJitBefore) / creates;
        side.created += creates;
        log(side.name + String.format(Locale.ROOT, ": %.0f creates/s", side.createResult.perSecond()));
      }
      log("journal floor: the journal's requests for " + creates + " new containers, " + clients + " at a time");
      JournalFloorResult floor = journalFloor(serverConfig, cassandra);
      log(String.format(Locale.ROOT, "journal floor: %.0f creates/s", floor.load().perSecond()));
      for (Side side : List.of(baselineSide, nereidSide)) {
        log(side.name + ": " + runs + " run -d from " + runClients + " clients");
        side.runResult = side.load.runs(runClients, runs);
        side.created += runs;
      }
      for (Side side : List.of(baselineSide, nereidSide)) {
        int missing = containers - side.created;
        if (missing > 0) {
          log(side.name + ": " + missing + " more creates to reach " + containers);
          side.load.creates(clients, missing);
          side.created += missing;
        }
        // Let the JVM settle before its memory is read, as an idle member would.
        Thread.sleep(5_000);
        side.rss = ProcessMemory.read(side.process.pid());
      }
      ProcessMemory cassandraMemory = ProcessMemory.read(cassandra.pid());

      String table =
          table(baselineSide, nereidSide, floor, cassandraMemory, began, loadBefore, loadAverage());
      Files.writeString(output.resolve("results.md"), table, StandardCharsets.UTF_8);
      System.out.println();
      System.out.println(table);
      System.out.println("written to " + output.resolve("results.md").toAbsolutePath());
    } finally {
      for (Process process : started) {
        process.destroy();
      }
      for (Process process : started) {
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      }
    }
  }

  /**
   * Warms the side up with {@code bench.warmup} creates. The Nereid side, whose {@code pids} are
   * given, then goes on in rounds of {@code bench.warmup-round} creates each followed by a forced
   * remove, until the JIT compiler threads of each JVM of {@code pids} used less than {@code
   * bench.warmup-jit-share} of that process's CPU in a round, or {@code bench.warmup-max}
   * containers were made. On two cores both JVMs' compilers still used over 5 % of their CPU after
   * 20,000 creates in this benchmark, and that CPU would otherwise count against the timed
   * creates. The removes keep the account's and the node's state as small as without them.
   */
  private void warmUp(Side side, List<Long> pids) throws Exception {
    log(side.name + ": warm-up of " + warmup + " creates");
    side.load.creates(clients, warmup);
    side.created += warmup;
    int containersMade = warmup;
    while (!pids.isEmpty() && containersMade < warmupMax) {
      List<ProcessCpu> cpuBefore = new ArrayList<>();
      List<ProcessCpu> jitBefore = new ArrayList<>();
      for (long pid : pids) {
        cpuBefore.add(ProcessCpu.read(pid));
        jitBefore.add(ProcessCpu.readCompilers(pid));
      }
      CreateLoad.Result round = side.load.createsRemoved(clients, warmupRound);
      containersMade += warmupRound;
      double largestShare = 0;
      StringBuilder shares = new StringBuilder();
      for (int i = 0; i < pids.size(); i++) {
        double cpu = ProcessCpu.read(pids.get(i)).millisSince(cpuBefore.get(i));
        double share = cpu == 0 ? 0 : ProcessCpu.readCompilers(pids.get(i)).millisSince(jitBefore.get(i)) / cpu;
        largestShare = Math.max(largestShare, share);
        shares.append(String.format(Locale.ROOT, " pid %d %.0f %%", pids.get(i), share * 100));
      }
      log(String.format(Locale.ROOT, "%s: warm-up %d containers, %.0f create-remove pairs/s, JIT share of CPU:%s",
          side.name, containersMade, round.perSecond(), shares));
      if (largestShare < warmupJitShare) {
        break;
      }
    }
    side.warmedUp = containersMade;
  }

  /** One server under test and what the phases measured of it. */
  private static final class Side {
    final String name;
    final Process process;
    final URI base;
    final CreateLoad load;
    int created;
    CreateLoad.Result createResult;
    CreateLoad.Result runResult;
    /** Milliseconds of CPU per create in the timed create phase, of the server and of Cassandra. */
    double serverCpuPerCreate;
    double cassandraCpuPerCreate;
    /** The JIT compiler threads' part of the CPU per create above. */
    double serverJitPerCreate;
    double cassandraJitPerCreate;
    int warmedUp;
    ProcessMemory rss;

    Side(String name, Process process, URI base) {
      this.name = name;
      this.process = process;
      this.base = base;
      this.load = new CreateLoad(base, CREATE_BODY);
    }
  }

  private Path writeServerConfig(EmbeddedCassandra cassandra, int dockerPort) throws IOException {
    Path dataDir = output.resolve("nereid").toAbsolutePath();
    Files.createDirectories(dataDir);
    // This machine's node is the only one. Each container created without a memory limit counts
    // 1 MiB, not the default 256 MiB, so that 10,000 of them fit on one machine's memory.
    String config =
        String.join(
            "\n",
            "nereid {",
            "  data-dir = \"" + dataDir + "\"",
            "  cluster { roles = [control, compute], host = \"127.0.0.1\", port = " + freePort() + " }",
            "  admin { host = \"127.0.0.1\", port = " + freePort() + " }",
            "  docker { host = \"127.0.0.1\", port = " + dockerPort + " }",
            "  compute { node-id = \"bench-node\", runtime = simulated }",
            "  scheduler { default-memory-request = 1m }",
            "  cassandra {",
            "    mode = external",
            "    contact-points = [\"" + cassandra.host() + ":" + cassandra.cqlPort() + "\"]",
            "    journal-keyspace = gateway_bench_journal",
            "    snapshot-keyspace = gateway_bench_snapshot",
            "  }",
            "}",
            "");
    Path file = output.resolve("nereid.conf").toAbsolutePath();
    Files.writeString(file, config, StandardCharsets.UTF_8);
    return file;
  }

  /** What the journal floor phase measured: its load and Cassandra's CPU per create. */
  private record JournalFloorResult(CreateLoad.Result load, double cassandraCpuPerCreate) {}

  private JournalFloorResult journalFloor(Path configFile, EmbeddedCassandra cassandra) throws Exception {
    Config config = NereidConfig.load(ConfigFactory.parseFile(configFile.toFile()));
    CassandraSettings settings = CassandraSettings.fromConfig(config);
    try (CqlSession session =
        CassandraSessions.open(settings.contactPoints(), settings.localDatacenter(), Duration.ofSeconds(30))) {
      JournalFloor floor = JournalFloor.prepare(session, settings.journalKeyspace());
      floor.run(clients, warmup);
      ProcessCpu before = ProcessCpu.read(cassandra.pid());
      CreateLoad.Result load = floor.run(clients, creates);
      return new JournalFloorResult(load, ProcessCpu.read(cassandra.pid()).millisSince(before) / creates);
    }
  }

  private static void installSchema(Path configFile) throws Exception {
    Config config = NereidConfig.load(ConfigFactory.parseFile(configFile.toFile()));
    CassandraSettings settings = CassandraSettings.fromConfig(config);
    try (CqlSession session =
        CassandraSessions.open(settings.contactPoints(), settings.localDatacenter(), Duration.ofSeconds(30))) {
      SchemaInstaller.install(session, settings);
    }
  }

  private Process startJvm(String name, List<String> mainAndArguments) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(serverJavaOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.addAll(mainAndArguments);
    Path console = output.resolve(name + "-console.log");
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(console.toFile())
            .start();
    log(name + " pid=" + process.pid() + " console=" + console);
    return process;
  }

  /** Imports a one-file image named {@code bench} through the API, as {@code docker import} does. */
  private void importImage(URI base) throws Exception {
    Path rootfs = Files.createDirectories(output.resolve("image-rootfs"));
    Files.writeString(rootfs.resolve("hello"), "hello\n", StandardCharsets.UTF_8);
    Path tar = output.resolve("image.tar");
    Process packing = new ProcessBuilder("tar", "-C", rootfs.toString(), "-cf", tar.toString(), ".").inheritIO().start();
    if (packing.waitFor() != 0) {
      throw new IOException("tar failed to pack " + rootfs);
    }
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    HttpClient client = CreateLoad.newClient();
    while (true) {
      try {
        HttpResponse<String> imported =
            client.send(
                HttpRequest.newBuilder(base.resolve(base.getPath() + "/images/create?fromSrc=-&repo=bench&tag=latest"))
                    .header("Content-Type", "application/x-tar")
                    .POST(HttpRequest.BodyPublishers.ofFile(tar))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (imported.statusCode() != 200 || imported.body().contains("\"error")) {
          throw new IOException("image import returned status " + imported.statusCode() + ": " + imported.body());
        }
        log("image bench imported");
        return;
      } catch (java.net.ConnectException notYet) {
        if (System.nanoTime() > deadline) {
          throw new IOException("the Docker API at " + base + " did not come up in " + READY_TIMEOUT, notYet);
        }
        Thread.sleep(500);
      }
    }
  }

  /** Retries one create until it succeeds: the server is up and its node is ready. */
  private static void awaitCreate(Side side) throws Exception {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    HttpClient client = CreateLoad.newClient();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      if (!side.process.isAlive()) {
        throw new IllegalStateException(side.name + " exited with code " + side.process.exitValue());
      }
      try {
        side.load.createOnce(client);
        log(side.name + " is ready");
        return;
      } catch (IOException e) {
        last = e;
        Thread.sleep(500);
      }
    }
    throw new IllegalStateException(side.name + " accepted no create in " + READY_TIMEOUT, last);
  }

  private String table(
      Side baseline,
      Side nereid,
      JournalFloorResult floor,
      ProcessMemory cassandra,
      Instant began,
      String loadBefore,
      String loadAfter) {
    StringBuilder out = new StringBuilder();
    out.append("Run of ").append(began).append(", ").append(Runtime.getRuntime().availableProcessors())
        .append(" CPUs, load average ").append(loadBefore).append(" before and ").append(loadAfter).append(" after.\n");
    out.append("Server JVMs: ").append(String.join(" ", serverJavaOptions)).append(", ")
        .append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.version")).append(".\n");
    out.append(String.format(Locale.ROOT,
        "Warm-up: %,d creates for the baseline; %,d creates for Nereid, then create-remove pairs in rounds of %,d until"
            + " the JIT compiler threads used less than %.0f %% of each JVM's CPU in a round, %,d containers in all"
            + " (at most %,d).%n%n",
        baseline.warmedUp, warmup, warmupRound, warmupJitShare * 100, nereid.warmedUp, warmupMax));
    out.append("| measure | baseline | Nereid | Nereid / baseline | target |\n");
    out.append("| --- | --- | --- | --- | --- |\n");
    row(out, "create throughput (" + creates + " creates, " + clients + " clients)",
        baseline.createResult.perSecond(), nereid.createResult.perSecond(), "%,.0f/s", ">= 500/s");
    row(out, "CPU per create, server JVM", baseline.serverCpuPerCreate, nereid.serverCpuPerCreate, "%.2f ms", "");
    out.append(String.format(Locale.ROOT, "| CPU per create, Cassandra (apart) | | %.2f ms | | |%n", nereid.cassandraCpuPerCreate));
    row(out, "of it JIT compiler, server JVM", baseline.serverJitPerCreate, nereid.serverJitPerCreate, "%.2f ms", "");
    out.append(String.format(Locale.ROOT, "| of it JIT compiler, Cassandra | | %.2f ms | | |%n", nereid.cassandraJitPerCreate));
    out.append(String.format(Locale.ROOT, "| journal floor: its Cassandra requests alone (%d creates, %d at a time) | | %,.0f/s | | |%n",
        creates, clients, floor.load().perSecond()));
    out.append(String.format(Locale.ROOT, "| CPU per create, Cassandra, journal floor | | %.2f ms | | |%n", floor.cassandraCpuPerCreate()));
    row(out, "create latency p50", baseline.createResult.quantileMillis(0.5), nereid.createResult.quantileMillis(0.5), "%.1f ms", "");
    row(out, "create latency p99", baseline.createResult.quantileMillis(0.99), nereid.createResult.quantileMillis(0.99), "%.1f ms", "");
    String runs = "run -d latency (" + this.runs + " runs, " + runClients + (runClients == 1 ? " client" : " clients") + ")";
    row(out, runs + " p50", baseline.runResult.quantileMillis(0.5), nereid.runResult.quantileMillis(0.5), "%.1f ms", "");
    row(out, runs + " p99", baseline.runResult.quantileMillis(0.99), nereid.runResult.quantileMillis(0.99), "%.1f ms", "");
    row(out, "server RSS after " + String.format(Locale.ROOT, "%,d", Math.max(containers, nereid.created)) + " containers",
        baseline.rss.rssMebibytes(), nereid.rss.rssMebibytes(), "%,.0f MiB", "< 1,024 MiB");
    row(out, "server peak RSS (VmHWM)", baseline.rss.peakMebibytes(), nereid.rss.peakMebibytes(), "%,.0f MiB", "");
    out.append(String.format(Locale.ROOT, "| Cassandra RSS (apart, Nereid's journal) | | %,.0f MiB | | |%n", cassandra.rssMebibytes()));
    return out.toString();
  }

  private static void row(StringBuilder out, String measure, double baseline, double nereid, String format, String target) {
    out.append("| ").append(measure).append(" | ")
        .append(String.format(Locale.ROOT, format, baseline)).append(" | ")
        .append(String.format(Locale.ROOT, format, nereid)).append(" | ")
        .append(String.format(Locale.ROOT, "%.2f", nereid / baseline)).append(" | ")
        .append(target).append(" |\n");
  }

  private static String loadAverage() throws IOException {
    String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
    return fields[0] + " / " + fields[1] + " / " + fields[2];
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void log(String line) {
    System.out.println("[gateway-bench " + Instant.now() + "] " + line);
  }
}
