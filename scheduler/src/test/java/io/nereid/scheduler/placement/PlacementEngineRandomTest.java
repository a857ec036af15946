package io.nereid.scheduler.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Properties of {@link PlacementEngine} over random pools and requests, reproducible by seed. */
class PlacementEngineRandomTest {

  private final PlacementEngine engine = new PlacementEngine();

  @ParameterizedTest
  @EnumSource(ScoringStrategy.class)
  void placementsNeverExceedCapacity(ScoringStrategy strategy) {
    for (long seed = 1; seed <= 2; seed++) {
      Random random = new Random(seed);
      PoolSettings settings =
          PoolSettings.defaults()
              .withStrategy(strategy)
              .withOvercommit(Dimension.CPU, 1 + 3 * random.nextDouble())
              .withOvercommit(Dimension.MEMORY, 1 + 0.5 * random.nextDouble())
              .withRandomSeed(seed);
      PoolView pool = RandomPools.pool(random, settings, 100);
      List<String[]> placed = new ArrayList<>();

      for (int step = 0; step < 1000; step++) {
        int action = random.nextInt(100);
        if (action < 2) {
          NodeView.Status[] statuses = NodeView.Status.values();
          pool.updateStatus(
              String.format("n%04d", random.nextInt(100)),
              statuses[random.nextInt(statuses.length)]);
        } else if (action < 20 && !placed.isEmpty()) {
          String[] container = placed.remove(random.nextInt(placed.size()));
          assertTrue(pool.release(container[0], container[1]));
        } else {
          PlacementRequest request = RandomPools.request(random, step, true);
          PlacementDecision decision = engine.place(request, pool);
          if (decision.placed()) {
            String nodeId = decision.chosenNodeId().orElseThrow();
            pool.reserve(nodeId, request);
            placed.add(new String[] {nodeId, request.containerId()});
          }
        }
        assertWithinCapacity(pool, "seed " + seed + " step " + step);
      }
      assertTrue(placed.size() > 50, "only " + placed.size() + " containers placed");
    }
  }

  private static void assertWithinCapacity(PoolView pool, String when) {
    for (NodeView node : pool.nodes()) {
      for (Dimension dimension : Dimension.values()) {
        long capacity = pool.settings().effectiveCapacity(node, dimension);
        long reserved = node.reserved().get(dimension);
        assertTrue(
            reserved <= capacity,
            when
                + ": "
                + node.id()
                + " reserves "
                + reserved
                + " of "
                + capacity
                + " "
                + dimension.displayName());
      }
    }
  }

  /**
   * Checks that the indexed search chooses the node a full scan chooses, except when it stops at
   * the candidate limit. Then the full scan's choice meets as many soft expressions and scores at
   * most {@link PlacementDecision#maxScoreShortfall()} higher.
   */
  @ParameterizedTest
  @EnumSource(ScoringStrategy.class)
  void indexedSearchAgreesWithFullScan(ScoringStrategy strategy) {
    int differentChoices = 0;
    int decisions = 0;
    for (long seed = 1; seed <= 6; seed++) {
      Random random = new Random(seed);
      PoolSettings settings =
          PoolSettings.defaults()
              .withStrategy(strategy)
              .withCandidateLimit(1 + random.nextInt(16))
              .withOvercommit(Dimension.CPU, 1 + random.nextInt(3))
              .withRandomSeed(seed);
      PoolView pool = RandomPools.pool(random, settings, 200);

      for (int i = 0; i < 150; i++) {
        PlacementRequest request = RandomPools.request(random, i, random.nextBoolean());
        PlacementDecision indexed = engine.place(request, pool);
        PlacementDecision fullScan = engine.placeByFullScan(request, pool);
        String when = "seed " + seed + " request " + i + ": " + indexed.summary();
        decisions++;

        assertEquals(fullScan.placed(), indexed.placed(), when);
        if (!indexed.placed()) {
          assertEquals(fullScan.rejectionCounts(), indexed.rejectionCounts(), when);
          continue;
        }
        Candidate chosen = indexed.chosen().orElseThrow();
        Candidate best = fullScan.chosen().orElseThrow();
        if (!chosen.nodeId().equals(best.nodeId())) {
          differentChoices++;
          assertEquals(SearchOutcome.CANDIDATE_LIMIT, indexed.outcome(), when);
          assertEquals(
              best.softExpressionsUnmet().size(), chosen.softExpressionsUnmet().size(), when);
          assertTrue(
              best.score() - chosen.score() <= indexed.maxScoreShortfall() + 1e-12,
              when + ": full scan scores " + best.score());
        }
        pool.reserve(chosen.nodeId(), request);
      }
    }
    assertTrue(
        differentChoices < decisions / 2,
        differentChoices + " of " + decisions + " choices differ from the full scan");
  }

  /** At 10,000 nodes, placements without expressions visit a small share of the pool. */
  @ParameterizedTest
  @EnumSource(
      value = ScoringStrategy.class,
      names = {"BIN_PACK", "SPREAD"})
  void largePoolSearchVisitsFewNodes(ScoringStrategy strategy) {
    Random random = new Random(5);
    PoolView pool =
        RandomPools.pool(random, PoolSettings.defaults().withStrategy(strategy), 10_000);
    int placements = 200;
    int[] examined = new int[placements];

    for (int i = 0; i < placements; i++) {
      PlacementRequest request = RandomPools.request(random, i, false);
      PlacementDecision decision = engine.place(request, pool);
      examined[i] = decision.nodesExamined();
      assertTrue(decision.placed(), decision.summary());
      pool.reserve(decision.chosenNodeId().orElseThrow(), request);
    }

    Arrays.sort(examined);
    int median = examined[placements / 2];
    int max = examined[placements - 1];
    assertTrue(median <= 200, "median " + median + " nodes examined");
    assertTrue(max <= 1_000, "max " + max + " nodes examined");
  }
}
