package io.nereid.scheduler.placement.score;

import static io.nereid.scheduler.placement.PlacementFixtures.GIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementContext;
import io.nereid.scheduler.placement.PlacementRequest;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.PoolView;
import io.nereid.scheduler.placement.ResourceVector;
import java.util.List;
import org.junit.jupiter.api.Test;

class RandomScorerTest {

  private final RandomScorer scorer = new RandomScorer();

  @Test
  void sameSeedSameScores() {
    PlacementRequest request = PlacementRequest.builder("c1").memoryBytes(GIB).build();
    PoolSettings settings = PoolSettings.defaults().withRandomSeed(42);

    List<Double> first =
        ScorerFixtures.scores(scorer, settings, ScorerFixtures.exampleNodes(), request);
    List<Double> second =
        ScorerFixtures.scores(scorer, settings, ScorerFixtures.exampleNodes(), request);

    assertEquals(first, second);
  }

  @Test
  void otherSeedOtherScores() {
    PlacementRequest request = PlacementRequest.builder("c1").memoryBytes(GIB).build();

    List<Double> seed42 =
        ScorerFixtures.scores(
            scorer,
            PoolSettings.defaults().withRandomSeed(42),
            ScorerFixtures.exampleNodes(),
            request);
    List<Double> seed43 =
        ScorerFixtures.scores(
            scorer,
            PoolSettings.defaults().withRandomSeed(43),
            ScorerFixtures.exampleNodes(),
            request);

    assertNotEquals(seed42, seed43);
  }

  @Test
  void placementSeedDependsOnContainer() {
    assertNotEquals(RandomScorer.placementSeed(7, "c1"), RandomScorer.placementSeed(7, "c2"));
    assertEquals(RandomScorer.placementSeed(7, "c1"), RandomScorer.placementSeed(7, "c1"));
  }

  @Test
  void highestScoreSpreadsEvenlyOverNodes() {
    // 4 equal nodes and 8000 containers: each node should win about 2000 times. A binomial
    // standard deviation is sqrt(8000 * 1/4 * 3/4) = 39, so 1800..2200 is about 5 of them.
    PoolView pool = new PoolView(PoolSettings.defaults().withRandomSeed(99));
    for (int i = 0; i < 4; i++) {
      pool.putNode(NodeView.ready("n" + i, new ResourceVector(4000, 16 * GIB, 0)));
    }
    int[] wins = new int[4];

    for (int c = 0; c < 8000; c++) {
      PlacementContext context =
          PlacementContext.of(PlacementRequest.builder("c" + c).memoryBytes(GIB).build(), pool);
      int best = 0;
      double bestScore = -1;
      for (int i = 0; i < 4; i++) {
        double score = scorer.score(pool.node("n" + i).orElseThrow(), context);
        assertTrue(score >= 0 && score < 1, "score " + score + " outside [0, 1)");
        if (score > bestScore) {
          bestScore = score;
          best = i;
        }
      }
      wins[best]++;
    }

    for (int i = 0; i < 4; i++) {
      assertTrue(wins[i] > 1800 && wins[i] < 2200, "n" + i + " won " + wins[i] + " times");
    }
  }
}
