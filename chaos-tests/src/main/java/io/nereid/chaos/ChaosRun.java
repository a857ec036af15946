package io.nereid.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs scenarios one after the other against one cluster, with one history for the whole run:
 * each scenario runs the workload, injects its fault, undoes it, heals the cluster, waits for the
 * containers to converge and then checks every invariant over everything recorded so far.
 */
final class ChaosRun {

  private static final Logger log = LoggerFactory.getLogger(ChaosRun.class);

  /** How long the containers' states may take to converge after healing. */
  static final Duration CONVERGENCE_BOUND = Duration.ofSeconds(30);
  private static final Duration HEAL_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Outcome of one scenario: its times, what healing restarted and the violations found.
   *
   * @param faultAtMs when the fault hit, on the history's clock
   * @param recoveryMs from the fault until the cluster served again, see {@link #recoveryMs}
   * @param convergenceMs how long after healing the containers took to reach the states the
   *     history allows, or -1 when they did not within {@link #CONVERGENCE_BOUND}
   */
  record Result(
      Scenario scenario,
      long faultAtMs,
      long undoneAtMs,
      long healedAtMs,
      List<String> restarted,
      long recoveryMs,
      long convergenceMs,
      List<Violation> violations) {}

  private final LoopbackCluster cluster;
  private final History history;
  private final long seed;
  private final Workload workload;
  private final List<Result> results = new ArrayList<>();

  ChaosRun(LoopbackCluster cluster, Path historyFile, long seed, Workload.Settings workload) {
    this.cluster = cluster;
    this.history = new History(historyFile);
    this.seed = seed;
    this.workload = new Workload(workload, cluster.dockerPorts(), history, seed);
  }

  History history() {
    return history;
  }

  List<Result> results() {
    return List.copyOf(results);
  }

  Result run(Scenario scenario) {
    log.info("scenario starting seed={} scenario={}", seed, scenario.describe());
    List<Thread> threads = workload.start(scenario.workload());
    CassandraRing.sleep(scenario.faultAfter());

    long faultAt = history.now();
    history.note("fault " + scenario.describe(), faultAt);
    inject(scenario);
    log.info("fault injected seed={} scenario={} at_ms={}", seed, scenario.describe(), faultAt);
    if (scenario.fault() != Fault.RESTART_CLUSTER) {
      CassandraRing.sleep(scenario.hold());
    }
    undo(scenario);
    long undoneAt = history.now();
    history.note("undone " + scenario.fault(), undoneAt);

    Workload.join(threads, scenario.workload().plus(Duration.ofSeconds(30)));
    workload.stop();
    Workload.join(threads, Duration.ofSeconds(30));

    List<String> restarted = new ArrayList<>(cluster.heal(HEAL_TIMEOUT));
    long healedAt = history.now();
    history.note("healed restarted=" + restarted, healedAt);

    StateCollector collector = new StateCollector(cluster);
    long convergence = awaitConvergence(collector);
    ClusterState state = collector.collect(containerIds());
    List<Violation> violations = Invariants.check(history, state);
    Result result =
        new Result(
            scenario,
            faultAt,
            undoneAt,
            healedAt,
            restarted,
            recoveryMs(scenario, faultAt),
            convergence,
            violations);
    results.add(result);
    log.info(
        "scenario finished seed={} scenario={} recovery_ms={} convergence_ms={} violations={}",
        seed,
        scenario.describe(),
        result.recoveryMs(),
        result.convergenceMs(),
        violations.size());
    return result;
  }

  private void inject(Scenario scenario) {
    switch (scenario.fault()) {
      case KILL_CONTROL -> cluster.kill(cluster.controls().get(scenario.target()));
      case PAUSE_CONTROL -> cluster.controls().get(scenario.target()).process().pause();
      case KILL_CASSANDRA -> cluster.ring().kill(scenario.target());
      case PAUSE_CASSANDRA -> cluster.ring().pause(scenario.target());
      case KILL_COMPUTE -> {
        MemberProcess compute = cluster.computes().get(scenario.target());
        cluster.kill(compute);
        history.recordCrash(compute.nodeId(), history.now());
      }
      case RESTART_CLUSTER -> {
        long crashAt = history.now();
        cluster.computes().forEach(compute -> history.recordCrash(compute.nodeId(), crashAt));
        cluster.restartAll();
      }
      case PARTITION_CONTROL, PARTITION_COMPUTE, PARTITION_PAIR -> cluster.partition(isolated(scenario));
    }
  }

  /** Returns the members a partition scenario cuts off from the rest. */
  private List<MemberProcess> isolated(Scenario scenario) {
    List<MemberProcess> side = new ArrayList<>();
    if (scenario.fault().isolatesControl()) {
      side.add(cluster.controls().get(scenario.target()));
    }
    if (scenario.fault().isolatesCompute()) {
      side.add(cluster.computes().get(scenario.target()));
    }
    return side;
  }

  private void undo(Scenario scenario) {
    switch (scenario.fault()) {
      case KILL_CONTROL -> cluster.controls().get(scenario.target()).start();
      case PAUSE_CONTROL -> cluster.controls().get(scenario.target()).process().resume();
      case KILL_CASSANDRA -> cluster.ring().startNode(scenario.target());
      case PAUSE_CASSANDRA -> cluster.ring().resume(scenario.target());
      case KILL_COMPUTE, RESTART_CLUSTER -> {
        // heal() starts a killed compute member again; the cluster restart brought everything back.
      }
      case PARTITION_CONTROL, PARTITION_COMPUTE, PARTITION_PAIR -> {
        cluster.healPartition();
        if (scenario.fault().isolatesCompute()) {
          // The cut-off node may have been marked lost, which marks its containers exited, and
          // the Split Brain Resolver may have downed its member, whose simulated processes died.
          history.recordCrash(cluster.computes().get(scenario.target()).nodeId(), history.now());
        }
      }
    }
  }

  /** Polls the containers until their states match the history or the bound passes. */
  private long awaitConvergence(StateCollector collector) {
    long start = System.nanoTime();
    long deadline = start + CONVERGENCE_BOUND.toNanos();
    while (true) {
      List<Violation> open = Invariants.containers(history, collector.containers(containerIds()));
      if (open.isEmpty()) {
        return (System.nanoTime() - start) / 1_000_000;
      }
      if (System.nanoTime() > deadline) {
        log.info("containers did not converge open={}", open);
        return -1;
      }
      CassandraRing.sleep(Duration.ofSeconds(1));
    }
  }

  private Set<String> containerIds() {
    return new LinkedHashSet<>(Invariants.containerIds(history));
  }

  /**
   * Returns the time from the fault until the cluster served again. That is the time at which the
   * client received the first definite response (acknowledged, or rejected by Nereid such as for
   * lack of capacity) to a request sent after the last unanswered request, minus the fault time.
   * The response's time counts, not the sending time, because during a failover the members keep
   * requests for the moving shards until the shards run again. Requests to a faulted or isolated
   * control member are left out, because its clients move to another member. Returns 0 when no
   * request went unanswered after the fault.
   */
  long recoveryMs(Scenario scenario, long faultAt) {
    boolean memberFault =
        scenario.fault() == Fault.KILL_CONTROL
            || scenario.fault() == Fault.PAUSE_CONTROL
            || scenario.fault().isolatesControl();
    List<Operation> counted = new ArrayList<>();
    for (Operation operation : history.operations()) {
      if (operation.endMs() >= faultAt && !(memberFault && operation.member() == scenario.target())) {
        counted.add(operation);
      }
    }
    long lastUnanswered = -1;
    for (Operation operation : counted) {
      if (operation.outcome() == Operation.Outcome.UNKNOWN) {
        lastUnanswered = Math.max(lastUnanswered, operation.startMs());
      }
    }
    if (lastUnanswered < 0) {
      return 0;
    }
    long firstAnswer = Long.MAX_VALUE;
    for (Operation operation : counted) {
      boolean definite = operation.status() != 0 && operation.outcome() != Operation.Outcome.UNKNOWN;
      if (definite && operation.startMs() > lastUnanswered) {
        firstAnswer = Math.min(firstAnswer, operation.endMs());
      }
    }
    return (firstAnswer == Long.MAX_VALUE ? history.now() : firstAnswer) - faultAt;
  }
}
