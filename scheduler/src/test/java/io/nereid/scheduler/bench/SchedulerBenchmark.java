package io.nereid.scheduler.bench;

import io.nereid.scheduler.placement.ScoringStrategy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The scheduler benchmark: the four strategies side by side on synthetic pools, for the engine
 * alone, packing density, the heap of a capacity view and the sharded scheduler with persistence.
 * Bin-pack and spread are Nereid's strategies. First-fit and random are the baselines.
 *
 * <p>Run it with {@code mvn -B -Pbench -pl scheduler -am verify}. It prints Markdown tables and
 * writes them to {@code scheduler/target/bench/results.md}. System properties choose what runs:
 *
 * <ul>
 *   <li>{@code bench.nodes}: pool sizes, default {@code 1000,10000}
 *   <li>{@code bench.sections}: any of {@code engine,density,heap,actor}, default all
 *   <li>{@code bench.engine-seconds}: CPU seconds each strategy is timed in the engine section,
 *       default 5
 *   <li>{@code bench.actor-placements}: placements timed per strategy in the actor section,
 *       default 2000, with {@code bench.actor-in-flight} (default 64) requests in flight
 *   <li>{@code bench.actor-all-strategies-max-nodes}: the largest pool the actor section runs
 *       with every strategy, default 2000. Larger pools run bin-pack alone, because each run
 *       registers every node in Cassandra anew, which takes minutes at 10,000 nodes.
 *   <li>{@code bench.density-random-max-nodes}: the largest pool random fills in the density
 *       section, default 2000, because each random placement runs the filters on every ready node
 * </ul>
 */
public final class SchedulerBenchmark {

  private final List<String> lines = new ArrayList<>();

  private SchedulerBenchmark() {}

  public static void main(String[] args) throws Exception {
    new SchedulerBenchmark().run();
    // The embedded Cassandra's shutdown hook stops it; Pekko threads must not keep the JVM alive.
    System.exit(0);
  }

  private void run() throws Exception {
    List<Integer> sizes = new ArrayList<>();
    for (String size : System.getProperty("bench.nodes", "1000,10000").split(",")) {
      sizes.add(Integer.parseInt(size.trim()));
    }
    String sections = System.getProperty("bench.sections", "engine,density,heap,actor");
    print(
        "Java "
            + System.getProperty("java.version")
            + ", "
            + Runtime.getRuntime().availableProcessors()
            + " processors, max heap "
            + Runtime.getRuntime().maxMemory() / (1 << 20)
            + " MiB");
    if (sections.contains("engine")) {
      engine(sizes, Long.getLong("bench.engine-seconds", 5));
    }
    if (sections.contains("density")) {
      density(sizes, Integer.getInteger("bench.density-random-max-nodes", 2000));
    }
    if (sections.contains("heap")) {
      heap(sizes);
    }
    if (sections.contains("actor")) {
      actor(
          sizes,
          Integer.getInteger("bench.actor-placements", 2000),
          Integer.getInteger("bench.actor-in-flight", 64),
          Integer.getInteger("bench.actor-all-strategies-max-nodes", 2000));
    }
    Path out = Path.of("target", "bench", "results.md");
    Files.createDirectories(out.getParent());
    Files.write(out, lines);
    System.out.println("results written to " + out.toAbsolutePath());
  }

  private void engine(List<Integer> sizes, long seconds) {
    print("");
    print("### Engine alone, one thread");
    print("");
    print(
        "| nodes | strategy | placements/s (engine) | placements/s (with reserve) | median"
            + " latency | p99 latency | nodes examined (median) | same node as full scan |");
    print("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (int nodes : sizes) {
      for (ScoringStrategy strategy : ScoringStrategy.values()) {
        // Random examines every ready node, so it gets fewer placements and full-scan samples.
        boolean full = strategy == ScoringStrategy.RANDOM;
        EngineThroughput.Result result =
            EngineThroughput.measure(
                strategy, nodes, seconds * 1_000_000_000L, full ? 20_000 : 1_000_000, full ? 10 : 200);
        print(
            String.format(
                Locale.ROOT,
                "| %,d | %s | %,.0f | %,.0f | %.1f µs | %.1f µs | %d | %.0f %% |",
                nodes,
                strategy.displayName(),
                result.perCpuSecond(),
                result.withReservePerCpuSecond(),
                result.medianMicros(),
                result.p99Micros(),
                result.medianExamined(),
                100 * result.sameAsFullScan()));
      }
    }
  }

  private void density(List<Integer> sizes, int randomMaxNodes) {
    print("");
    print("### Density, arrivals only, until the lower bound is a quarter of the pool");
    print("");
    print("| nodes | strategy | containers | nodes used | lower bound | nodes used / lower bound |");
    print("| --- | --- | --- | --- | --- | --- |");
    for (int nodes : sizes) {
      for (ScoringStrategy strategy : ScoringStrategy.values()) {
        if (strategy == ScoringStrategy.RANDOM && nodes > randomMaxNodes) {
          print(
              String.format(
                  Locale.ROOT,
                  "| %,d | %s | not run: each placement examines every node | | | |",
                  nodes,
                  strategy.displayName()));
          continue;
        }
        Density.Result result = Density.measure(strategy, nodes);
        print(
            String.format(
                Locale.ROOT,
                "| %,d | %s | %,d | %,d | %,d | %.3f |",
                nodes,
                strategy.displayName(),
                result.containers(),
                result.nodesUsed(),
                result.lowerBound(),
                result.ratio()));
      }
    }
  }

  private void heap(List<Integer> sizes) {
    print("");
    print("### Heap of a capacity view, used heap after GC, median of 5 builds");
    print("");
    print("| nodes | containers in the view | heap (median) | min | max |");
    print("| --- | --- | --- | --- | --- |");
    for (int nodes : sizes) {
      ViewHeap.Result result = ViewHeap.measure(nodes, 5);
      print(
          String.format(
              Locale.ROOT,
              "| %,d | %,d | %.1f MiB | %.1f MiB | %.1f MiB |",
              nodes,
              result.containers(),
              result.medianBytes() / 1048576.0,
              result.minBytes() / 1048576.0,
              result.maxBytes() / 1048576.0));
    }
  }

  private void actor(List<Integer> sizes, int placements, int inFlight, int allStrategiesMaxNodes)
      throws Exception {
    print("");
    print(
        "### Sharded PoolScheduler with persistence in the embedded Cassandra, "
            + inFlight
            + " requests in flight");
    print("");
    print("| nodes | strategy | placements | placements/s | failed | node registration |");
    print("| --- | --- | --- | --- | --- | --- |");
    for (int nodes : sizes) {
      for (ScoringStrategy strategy : ScoringStrategy.values()) {
        if (strategy != ScoringStrategy.BIN_PACK && nodes > allStrategiesMaxNodes) {
          print(
              String.format(
                  Locale.ROOT,
                  "| %,d | %s | not run: registering the pool again takes minutes | | | |",
                  nodes,
                  strategy.displayName()));
          continue;
        }
        ActorThroughput.Result result =
            ActorThroughput.measure(strategy, nodes, placements, inFlight);
        print(
            String.format(
                Locale.ROOT,
                "| %,d | %s | %,d | %,.0f | %d | %.0f s |",
                nodes,
                strategy.displayName(),
                result.placed(),
                result.perSecond(),
                result.failed(),
                result.registrationSeconds()));
      }
    }
  }

  private void print(String line) {
    System.out.println(line);
    lines.add(line);
  }
}
