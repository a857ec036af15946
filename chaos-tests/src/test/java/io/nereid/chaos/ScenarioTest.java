package io.nereid.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScenarioTest {

  private static final Duration STABLE_AFTER = Duration.ofSeconds(4);

  @Test
  void sameSeedGivesSameSchedule() {
    assertEquals(
        Scenario.randomized(42, 10, 3, 3, 3, STABLE_AFTER),
        Scenario.randomized(42, 10, 3, 3, 3, STABLE_AFTER));
  }

  @Test
  void otherSeedGivesOtherSchedule() {
    assertNotEquals(
        Scenario.randomized(42, 10, 3, 3, 3, STABLE_AFTER),
        Scenario.randomized(43, 10, 3, 3, 3, STABLE_AFTER));
  }

  @Test
  void randomizedScheduleStaysWithinCluster() {
    List<Scenario> schedule = Scenario.randomized(7, 200, 3, 3, 3, STABLE_AFTER);

    for (Scenario scenario : schedule) {
      assertTrue(scenario.target() >= 0, scenario.describe());
      assertTrue(scenario.target() < 3, scenario.describe());
      assertTrue(scenario.workload().compareTo(scenario.faultAfter().plus(scenario.hold())) > 0, scenario.describe());
    }
  }

  @Test
  void failoverProfileAlternatesOldest() {
    List<Integer> targets = Scenario.failoverProfile(4, 3).stream().map(Scenario::target).toList();

    // Ages oldest first: 0 1 2, then 0 2 1, then 2 1 0, then 2 0 1.
    assertEquals(List.of(1, 0, 1, 2), targets);
  }

  @Test
  void pausesOutlastSplitBrainResolver() {
    List<Scenario> pauses =
        Scenario.randomized(7, 200, 3, 3, 3, STABLE_AFTER).stream()
            .filter(scenario -> scenario.fault() == Fault.PAUSE_CONTROL)
            .toList();

    assertTrue(!pauses.isEmpty());
    for (Scenario pause : pauses) {
      assertTrue(pause.hold().compareTo(STABLE_AFTER.multipliedBy(2)) >= 0, pause.describe());
    }
  }

  @Test
  void partitionsOutlastSplitBrainResolver() {
    List<Scenario> partitions =
        Scenario.randomized(7, 200, 3, 3, 3, STABLE_AFTER).stream()
            .filter(scenario -> Scenario.isPartition(scenario.fault()))
            .toList();

    assertTrue(!partitions.isEmpty());
    for (Scenario partition : partitions) {
      assertTrue(partition.hold().compareTo(STABLE_AFTER.multipliedBy(2)) >= 0, partition.describe());
    }
  }

  @Test
  void scheduleDrawsOnlyAllowedFaults() {
    List<Fault> allowed = List.of(Fault.PARTITION_CONTROL, Fault.PARTITION_COMPUTE);

    List<Scenario> schedule = Scenario.randomized(7, 50, 3, 3, 3, STABLE_AFTER, allowed);

    assertEquals(
        java.util.Set.copyOf(allowed),
        schedule.stream().map(Scenario::fault).collect(java.util.stream.Collectors.toSet()));
  }
}
