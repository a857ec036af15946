package io.nereid.scheduler.placement.score;

import static io.nereid.scheduler.placement.PlacementFixtures.GIB;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nereid.scheduler.placement.PlacementRequest;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.SearchOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class FirstFitScorerTest {

  @Test
  void everyNodeScoresZero() {
    PlacementRequest request = PlacementRequest.builder("c1").memoryBytes(4 * GIB).build();

    assertEquals(
        List.of(0.0, 0.0),
        ScorerFixtures.scores(
            new FirstFitScorer(), PoolSettings.defaults(), ScorerFixtures.exampleNodes(), request));
  }

  @Test
  void visitsNodeIdOrderAndStopsAtFirst() {
    FirstFitScorer scorer = new FirstFitScorer();

    assertEquals(SearchOrder.NODE_ID, scorer.order());
    assertEquals(1, scorer.candidateLimit(PoolSettings.defaults().withCandidateLimit(50)));
  }
}
