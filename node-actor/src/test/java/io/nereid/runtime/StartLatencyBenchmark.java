package io.nereid.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nereid.image.BusyboxRootfs;
import io.nereid.image.ImageLoader;
import io.nereid.image.ImageReference;
import io.nereid.image.ImageStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Measures how long it takes to create and start a tiny container (busybox running {@code sleep})
 * through {@link RuncRuntime}, side by side with bare {@code runc run -d} of the same bundle in
 * the same run. Runs alternate between the two, so load on the machine affects both alike.
 *
 * <p>Both time the same span: from the request until the container's process runs. For Nereid
 * that is {@link RuncRuntime#run}: the overlay root file system over the image's layers, the
 * config.json, the log FIFOs and the shim, then {@code runc run}. The bare runs reuse the
 * config.json Nereid wrote, with a root file system unpacked once beforehand. Removal is not
 * timed.
 *
 * <p>Usage: {@code StartLatencyBenchmark [RUNS] [RESULT_FILE]}; the defaults are 200 runs and no
 * file. It needs root and runc.
 */
public final class StartLatencyBenchmark {

  private static final int WARMUP = 10;
  private static final ObjectMapper JSON = new ObjectMapper();

  private StartLatencyBenchmark() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    Optional<Path> resultFile = args.length > 1 ? Optional.of(Path.of(args[1])) : Optional.empty();
    Path work = Files.createTempDirectory("nereid-start-bench");
    ExecutorService blocking = Executors.newCachedThreadPool();
    try {
      ImageStore images = ImageStore.open(work.resolve("images"));
      new ImageLoader(images, blocking, Clock.systemUTC())
          .importRootfs(new ByteArrayInputStream(BusyboxRootfs.tar()), Optional.of(ImageReference.parse("busybox:latest")));
      Path state = work.resolve("state");
      try (RuncRuntime runtime =
          RuncRuntime.open(RuncRuntime.Options.defaults(state), images, blocking, Clock.systemUTC())) {
        // A container that stays up for the whole run: the bare bundles borrow its config.json,
        // whose /etc/hosts, /etc/hostname and /etc/resolv.conf mounts point into its bundle.
        String template = containerId("template", 0);
        runtime.run(spec(template)).toCompletableFuture().get(60, TimeUnit.SECONDS);
        Path bareBundle = bareBundle(work, state.resolve("containers").resolve(template).resolve("config.json"));
        Path bareRoot = Files.createDirectories(work.resolve("bare-runc-root"));

        List<Long> nereid = new ArrayList<>();
        List<Long> bare = new ArrayList<>();
        for (int i = 0; i < WARMUP + runs; i++) {
          long nereidNanos = timeNereid(runtime, containerId("nereid", i));
          long bareNanos = timeBare(bareRoot, bareBundle, containerId("bare", i));
          if (i >= WARMUP) {
            nereid.add(nereidNanos);
            bare.add(bareNanos);
          }
        }
        runtime.remove(template, true).toCompletableFuture().get(60, TimeUnit.SECONDS);

        String table = table(runs, nereid, bare, runtime.rootfsMode());
        System.out.println(table);
        if (resultFile.isPresent()) {
          Files.writeString(resultFile.get(), table);
        }
      }
    } finally {
      blocking.shutdownNow();
      Commands.check(List.of("rm", "-rf", work.toString()), java.time.Duration.ofMinutes(1));
    }
  }

  private static String containerId(String kind, int run) {
    return String.format("bench-%s-%05d", kind, run);
  }

  private static RuntimeSpec spec(String id) {
    return RuntimeSpec.fromImage(id, "busybox").args("sleep", "600").build();
  }

  private static long timeNereid(RuncRuntime runtime, String id) throws Exception {
    long start = System.nanoTime();
    runtime.run(spec(id)).toCompletableFuture().get(60, TimeUnit.SECONDS);
    long elapsed = System.nanoTime() - start;
    runtime.remove(id, true).toCompletableFuture().get(60, TimeUnit.SECONDS);
    return elapsed;
  }

  private static long timeBare(Path root, Path bundle, String id) throws Exception {
    rewriteCgroup(bundle.resolve("config.json"), id);
    long start = System.nanoTime();
    runc(root, "run", "-d", "--bundle", bundle.toString(), id);
    long elapsed = System.nanoTime() - start;
    runc(root, "delete", "-f", id);
    return elapsed;
  }

  /** Copies Nereid's config.json beside a root file system of its own. */
  private static Path bareBundle(Path work, Path nereidConfig) throws IOException {
    Path bundle = Files.createDirectories(work.resolve("bare-bundle"));
    BusyboxRootfs.unpack(bundle.resolve("rootfs"));
    Files.copy(nereidConfig, bundle.resolve("config.json"));
    return bundle;
  }

  /** Gives each bare container its own cgroup, as Nereid does. */
  private static void rewriteCgroup(Path config, String id) throws IOException {
    ObjectNode node = (ObjectNode) JSON.readTree(config.toFile());
    ObjectNode linux = (ObjectNode) node.get("linux");
    String path = linux.get("cgroupsPath").asText();
    linux.put("cgroupsPath", path.substring(0, path.lastIndexOf('/') + 1) + id);
    JSON.writeValue(config.toFile(), node);
  }

  private static void runc(Path root, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("runc", "--root", root.toString()));
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("runc " + String.join(" ", args) + " failed");
    }
  }

  private static String table(int runs, List<Long> nereid, List<Long> bare, RuncRuntime.RootfsMode mode) {
    double nereidP50 = percentile(nereid, 50);
    double bareP50 = percentile(bare, 50);
    double nereidP99 = percentile(nereid, 99);
    double bareP99 = percentile(bare, 99);
    StringBuilder out = new StringBuilder();
    out.append(String.format("Create and start of busybox `sleep`, %d runs each, %s root file systems, %s%n%n",
        runs, mode.name().toLowerCase(), LocalDate.now()));
    out.append("| path | p50 | p99 | mean |\n| --- | --- | --- | --- |\n");
    out.append(String.format("| Nereid `RuncRuntime.run` | %.1f ms | %.1f ms | %.1f ms |%n", nereidP50, nereidP99, mean(nereid)));
    out.append(String.format("| bare `runc run -d` | %.1f ms | %.1f ms | %.1f ms |%n", bareP50, bareP99, mean(bare)));
    out.append(String.format("| ratio | %.2fx | %.2fx | %.2fx |%n", nereidP50 / bareP50, nereidP99 / bareP99, mean(nereid) / mean(bare)));
    return out.toString();
  }

  /** Returns the nearest-rank percentile in milliseconds. */
  private static double percentile(List<Long> nanos, int percent) {
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
    return sorted.get(Math.max(rank - 1, 0)) / 1e6;
  }

  private static double mean(List<Long> nanos) {
    return nanos.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6;
  }
}
