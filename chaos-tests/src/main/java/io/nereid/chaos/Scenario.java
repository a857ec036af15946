package io.nereid.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One fault under load: the workload runs for {@code workload}; {@code faultAfter} into it the
 * fault hits process {@code target} (an index among the control members, compute members or
 * Cassandra nodes) and
 * holds for {@code hold} before the harness undoes it.
 */
record Scenario(Fault fault, int target, Duration faultAfter, Duration hold, Duration workload) {

  String describe() {
    return fault + " target=" + target + " after=" + faultAfter.toSeconds() + "s hold="
        + hold.toSeconds() + "s workload=" + workload.toSeconds() + "s";
  }

  /**
   * Returns the short profile of the default build: a control member killed, a Cassandra node killed,
   * a control member paused and another one cut off by a network partition, both past the Split
   * Brain Resolver's delay.
   */
  static List<Scenario> shortProfile(Duration stableAfter) {
    Duration pause = stableAfter.multipliedBy(4);
    return List.of(
        new Scenario(Fault.KILL_CONTROL, 1, Duration.ofSeconds(6), Duration.ofSeconds(15), Duration.ofSeconds(30)),
        new Scenario(Fault.KILL_CASSANDRA, 2, Duration.ofSeconds(6), Duration.ofSeconds(15), Duration.ofSeconds(30)),
        new Scenario(Fault.PAUSE_CONTROL, 2, Duration.ofSeconds(6), pause, Duration.ofSeconds(30)),
        new Scenario(Fault.PARTITION_CONTROL, 0, Duration.ofSeconds(6), pause, Duration.ofSeconds(30)));
  }

  static boolean isPartition(Fault fault) {
    return fault.isolatesControl() || fault.isolatesCompute();
  }

  /**
   * Returns {@code rounds} SIGKILLs to a control member, for measuring failover. The rounds
   * alternate between the second oldest control member and the oldest, which hosts the sharding
   * coordinators, so that they move too. The members start in index order and a killed member
   * starts again as the youngest, which fixes their ages.
   */
  static List<Scenario> failoverProfile(int rounds, int controls) {
    List<Integer> oldestFirst = new ArrayList<>();
    for (int member = 0; member < controls; member++) {
      oldestFirst.add(member);
    }
    List<Scenario> schedule = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      int target = oldestFirst.remove(round % 2 == 0 ? Math.min(1, controls - 1) : 0);
      oldestFirst.add(target);
      schedule.add(
          new Scenario(
              Fault.KILL_CONTROL, target, Duration.ofSeconds(6), Duration.ofSeconds(15), Duration.ofSeconds(30)));
    }
    return schedule;
  }

  /** Returns a randomized schedule of {@code rounds} scenarios, the same for the same seed. */
  static List<Scenario> randomized(
      long seed, int rounds, int controls, int computes, int cassandraNodes, Duration stableAfter) {
    return randomized(seed, rounds, controls, computes, cassandraNodes, stableAfter, List.of(Fault.values()));
  }

  /** Returns a randomized schedule drawn from {@code allowed} faults only. */
  static List<Scenario> randomized(
      long seed,
      int rounds,
      int controls,
      int computes,
      int cassandraNodes,
      Duration stableAfter,
      List<Fault> allowed) {
    if (allowed.isEmpty()) {
      throw new IllegalArgumentException("no fault to choose from");
    }
    Random random = new Random(seed);
    Fault[] faults = allowed.toArray(Fault[]::new);
    List<Scenario> schedule = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      Fault fault = faults[random.nextInt(faults.length)];
      int target =
          switch (fault) {
            case KILL_CONTROL, PAUSE_CONTROL -> random.nextInt(controls);
            case KILL_CASSANDRA, PAUSE_CASSANDRA -> random.nextInt(cassandraNodes);
            case KILL_COMPUTE, PARTITION_COMPUTE -> random.nextInt(computes);
            case PARTITION_CONTROL -> random.nextInt(controls);
            case PARTITION_PAIR -> random.nextInt(Math.min(controls, computes));
            case RESTART_CLUSTER -> 0;
          };
      Duration faultAfter = Duration.ofSeconds(3 + random.nextInt(8));
      Duration hold =
          fault == Fault.PAUSE_CONTROL || isPartition(fault)
              ? stableAfter.multipliedBy(2).plusSeconds(random.nextInt(10))
              : Duration.ofSeconds(5 + random.nextInt(20));
      Duration workload = faultAfter.plus(hold).plusSeconds(10 + random.nextInt(10));
      schedule.add(new Scenario(fault, target, faultAfter, hold, workload));
    }
    return schedule;
  }
}
