package io.nereid.scheduler.placement;

import static io.nereid.scheduler.placement.PlacementFixtures.GIB;
import static io.nereid.scheduler.placement.PlacementFixtures.MIB;
import static io.nereid.scheduler.placement.PlacementFixtures.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementEngineTest {

  private final PlacementEngine engine = new PlacementEngine();

  /**
   * Six 4000-millicore, 16 GiB nodes. Free memory: n1 4 GiB, n2 6 GiB, n3 14 GiB, n4 16 GiB but
   * cordoned, n5 2 GiB, n6 8 GiB but no free CPU.
   */
  private static PoolView mixedPool(ScoringStrategy strategy) {
    return PlacementFixtures.pool(
        PoolSettings.defaults().withStrategy(strategy),
        node("n1").reserved(0, 12, 0).build(),
        node("n2").reserved(0, 10, 0).build(),
        node("n3").reserved(0, 2, 0).build(),
        node("n4").status(NodeView.Status.CORDONED).build(),
        node("n5").reserved(0, 14, 0).build(),
        node("n6").reserved(4000, 8, 0).build());
  }

  private static PlacementRequest smallRequest() {
    return PlacementRequest.builder("c1").cpuMillis(500).memoryBytes(3 * GIB).build();
  }

  @Test
  void binPackChoosesFullestFittingNode() {
    // Weights: raw cpu = 4500/16000 = 0.281, raw memory = 49/34 = 1.441, raw disk = 0, so
    // w(cpu) = 0.163 and w(memory) = 0.837. The memory cursor returns n1 first, which scores
    // 0.163 * 500/4000 + 0.837 * 15/16 = 0.805. The cursors then bound every other node by
    // 0.163 * 500/4000 + 0.837 * 13/16 = 0.700 (n2 is next for memory, and no node has CPU
    // reserved), so n1 wins without visiting more.
    PlacementDecision decision = engine.place(smallRequest(), mixedPool(ScoringStrategy.BIN_PACK));

    assertEquals("n1", decision.chosenNodeId().orElseThrow());
    assertEquals(List.of("n1"), decision.candidates().stream().map(Candidate::nodeId).toList());
    assertEquals(0.8048, decision.candidates().get(0).score(), 0.0001);
    assertEquals(List.of(), decision.rejections());
    assertEquals(SearchOutcome.BEST_PROVEN, decision.outcome());
    assertEquals(1, decision.nodesExamined());
    assertEquals(4, decision.nodesNotExamined());
    assertEquals(
        "container c1 placed on n1: bin-pack score 0.8048, best of 1 candidate, 1 of 6 nodes"
            + " examined, rejected: not ready (cordoned) on 1 node",
        decision.summary());
  }

  @Test
  void fullScanRejectsEveryOtherNode() {
    PlacementDecision decision =
        engine.placeByFullScan(smallRequest(), mixedPool(ScoringStrategy.BIN_PACK));

    assertEquals("n1", decision.chosenNodeId().orElseThrow());
    assertEquals(
        List.of("n1", "n2", "n3"), decision.candidates().stream().map(Candidate::nodeId).toList());
    assertEquals(0.7002, decision.candidates().get(1).score(), 0.0001);
    assertEquals(
        List.of(
            "n4: not ready (cordoned) (status is cordoned)",
            "n5: memory exhausted (requested 3 GiB, 2 GiB free of 16 GiB)",
            "n6: cpu exhausted (requested 500 millicores, 0 millicores free of 4000 millicores)"),
        decision.rejections().stream().map(Rejection::describe).toList());
    assertEquals(SearchOutcome.EXHAUSTIVE, decision.outcome());
    assertEquals(6, decision.nodesExamined());
    assertEquals(0, decision.nodesNotExamined());
  }

  @Test
  void spreadChoosesLeastLoadedNode() {
    // The memory cursor returns n3 first, which scores 1 - (0.163 * 500/4000 + 0.837 * 5/16) =
    // 0.718. No other node can score above 0.163 * (1 - 500/4000) + 0.837 * (1 - 11/16) = 0.404,
    // because n6 (8 GiB free) is next for memory.
    PlacementDecision decision = engine.place(smallRequest(), mixedPool(ScoringStrategy.SPREAD));

    assertEquals("n3", decision.chosenNodeId().orElseThrow());
    assertEquals(0.7181, decision.chosen().orElseThrow().score(), 0.0001);
    assertEquals(SearchOutcome.BEST_PROVEN, decision.outcome());
    assertEquals(1, decision.nodesExamined());
  }

  @Test
  void firstFitTakesLowestFittingNodeId() {
    PoolView pool =
        PlacementFixtures.pool(
            PoolSettings.defaults().withStrategy(ScoringStrategy.FIRST_FIT),
            node("d").build(),
            node("c").build(),
            node("b").reserved(0, 15, 0).build(),
            node("a").status(NodeView.Status.DRAINING).build());

    PlacementDecision decision = engine.place(smallRequest(), pool);

    assertEquals("c", decision.chosenNodeId().orElseThrow());
    assertEquals(2, decision.nodesExamined());
    assertEquals(1, decision.nodesNotExamined());
    assertEquals(
        "container c1 placed on c: first-fit score 0.0000, best of 1 candidate, 2 of 4 nodes"
            + " examined, rejected: not ready (draining) on 1 node, memory exhausted on 1 node",
        decision.summary());
  }

  @Test
  void randomStrategyRepeatsWithSameSeed() {
    PoolView pool = mixedPool(ScoringStrategy.RANDOM);
    PoolView samePool = mixedPool(ScoringStrategy.RANDOM);

    PlacementDecision first = engine.place(smallRequest(), pool);
    PlacementDecision second = engine.place(smallRequest(), samePool);

    assertEquals(first.chosenNodeId(), second.chosenNodeId());
    assertEquals(first.seed(), second.seed());
    assertEquals(SearchOutcome.EXHAUSTIVE, first.outcome());
    assertEquals(3, first.candidates().size());
  }

  @Test
  void tiesBrokenByNodeId() {
    for (ScoringStrategy strategy : ScoringStrategy.values()) {
      if (strategy == ScoringStrategy.RANDOM) {
        continue;
      }
      PoolView pool =
          PlacementFixtures.pool(
              PoolSettings.defaults().withStrategy(strategy),
              node("b").reserved(0, 4, 0).build(),
              node("a").reserved(0, 4, 0).build(),
              node("c").reserved(0, 4, 0).build());

      PlacementDecision decision = engine.place(smallRequest(), pool);

      assertEquals("a", decision.chosenNodeId().orElseThrow(), strategy.displayName());
    }
  }

  @Test
  void noNodeFitsCountsEveryReason() {
    PoolView pool = new PoolView(PoolSettings.defaults());
    for (int i = 0; i < 12; i++) {
      pool.putNode(node("m" + i).label("rack", "r1").reserved(0, 15, 0).build());
    }
    for (int i = 0; i < 30; i++) {
      pool.putNode(node("r" + i).label("rack", "r2").build());
    }
    for (int i = 0; i < 2; i++) {
      pool.putNode(node("x" + i).label("rack", "r1").status(NodeView.Status.CORDONED).build());
    }
    PlacementRequest request =
        PlacementRequest.builder("c1")
            .memoryBytes(4 * GIB)
            .env(List.of("constraint:rack==r1"))
            .build();

    PlacementDecision indexed = engine.place(request, pool);
    PlacementDecision fullScan = engine.placeByFullScan(request, pool);

    String expected =
        "no node fits container c1: constraint rack==r1 unmet on 30 nodes, memory exhausted on"
            + " 12 nodes, not ready (cordoned) on 2 nodes";
    assertFalse(indexed.placed());
    assertEquals(expected, indexed.summary());
    assertEquals(expected, fullScan.summary());
    assertEquals(42, indexed.nodesExamined());
    assertEquals(0, indexed.nodesNotExamined());
    assertEquals(44, fullScan.nodesExamined());
  }

  @Test
  void emptyPoolNamedInSummary() {
    PlacementDecision decision =
        engine.place(smallRequest(), new PoolView(PoolSettings.defaults()));

    assertEquals("no node fits container c1: the pool has no nodes", decision.summary());
  }

  @Test
  void softConstraintRanksBeforeScore() {
    PoolView pool =
        PlacementFixtures.pool(
            PoolSettings.defaults(),
            node("tight").label("rack", "r2").reserved(0, 12, 0).build(),
            node("loose").label("rack", "r1").reserved(0, 4, 0).build());
    PlacementRequest request =
        PlacementRequest.builder("c1").memoryBytes(2 * GIB).constraint("rack==~r1").build();

    PlacementDecision decision = engine.place(request, pool);

    assertEquals("loose", decision.chosenNodeId().orElseThrow());
    assertEquals(List.of(), decision.candidates().get(0).softExpressionsUnmet());
    assertEquals("tight", decision.candidates().get(1).nodeId());
    assertEquals(List.of("rack==~r1"), decision.candidates().get(1).softExpressionsUnmet());
    assertTrue(decision.candidates().get(1).score() > decision.candidates().get(0).score());
  }

  @Test
  void softConstraintDroppedWhenNoNodeMeetsIt() {
    PoolView pool =
        PlacementFixtures.pool(
            PoolSettings.defaults(),
            node("tight").label("rack", "r2").reserved(0, 12, 0).build(),
            node("loose").label("rack", "r1").reserved(0, 4, 0).build());
    PlacementRequest request =
        PlacementRequest.builder("c1")
            .memoryBytes(2 * GIB)
            .env(List.of("constraint:rack==~r9", "affinity:container!=~web*"))
            .build();

    PlacementDecision decision = engine.place(request, pool);

    assertEquals("tight", decision.chosenNodeId().orElseThrow());
    assertEquals(List.of("rack==~r9"), decision.chosen().orElseThrow().softExpressionsUnmet());
    assertEquals(SearchOutcome.EXHAUSTIVE, decision.outcome());
    assertTrue(
        decision.summary().contains("soft expressions unmet: rack==~r9"), decision.summary());
  }

  @Test
  void softAntiAffinityNeverRejects() {
    PoolView pool =
        PlacementFixtures.pool(
            PoolSettings.defaults(), node("only").container("id1", "web-1").build());
    PlacementRequest request =
        PlacementRequest.builder("c1").memoryBytes(GIB).affinity("container!=~web*").build();

    PlacementDecision decision = engine.place(request, pool);

    assertEquals("only", decision.chosenNodeId().orElseThrow());
    assertEquals(
        List.of("container!=~web*"), decision.chosen().orElseThrow().softExpressionsUnmet());
  }

  @Test
  void hardAntiAffinitySpreadsReplicas() {
    PoolView pool =
        PlacementFixtures.pool(
            PoolSettings.defaults(),
            node("a").reserved(0, 8, 0).build(),
            node("b").reserved(0, 4, 0).build());

    PlacementDecision first = engine.place(replica("web-1"), pool);
    pool.reserve(first.chosenNodeId().orElseThrow(), replica("web-1"));
    PlacementDecision second = engine.place(replica("web-2"), pool);

    assertEquals("a", first.chosenNodeId().orElseThrow());
    assertEquals("b", second.chosenNodeId().orElseThrow());
    assertEquals(
        List.of("a: anti-affinity container!=web* violated (container web-1 matches)"),
        second.rejections().stream().map(Rejection::describe).toList());
  }

  private static PlacementRequest replica(String name) {
    return PlacementRequest.builder("id-" + name)
        .name(name)
        .memoryBytes(GIB)
        .affinity("container!=web*")
        .build();
  }

  @Test
  void candidateLimitBoundsExamination() {
    PoolView pool = new PoolView(PoolSettings.defaults().withCandidateLimit(5));
    for (int i = 0; i < 100; i++) {
      pool.putNode(
          node(String.format("n%03d", i)).reservedBytes(i * 37 % 3000, i * 100 * MIB, 0).build());
    }
    PlacementRequest request =
        PlacementRequest.builder("c1").cpuMillis(1000).memoryBytes(GIB).build();

    PlacementDecision indexed = engine.place(request, pool);
    PlacementDecision fullScan = engine.placeByFullScan(request, pool);

    assertEquals(SearchOutcome.CANDIDATE_LIMIT, indexed.outcome());
    assertEquals(5, indexed.nodesExamined());
    assertEquals(95, indexed.nodesNotExamined());
    assertTrue(indexed.maxScoreShortfall() > 0);
    double lost = fullScan.chosen().orElseThrow().score() - indexed.chosen().orElseThrow().score();
    assertTrue(lost <= indexed.maxScoreShortfall(), lost + " > " + indexed.maxScoreShortfall());
  }

  @Test
  void memoryOnlyRequestProvesTightestNodeBest() {
    // Equal capacities and a memory-only request make the score the memory utilization, and the
    // memory cursor bounds every other node by the next one's, which is lower.
    PoolView pool = new PoolView(PoolSettings.defaults());
    for (int i = 0; i < 50; i++) {
      pool.putNode(node(String.format("n%02d", i)).reservedBytes(0, i * 200 * MIB, 0).build());
    }

    PlacementDecision decision =
        engine.place(PlacementRequest.builder("c1").memoryBytes(GIB).build(), pool);

    assertEquals("n49", decision.chosenNodeId().orElseThrow());
    assertEquals(SearchOutcome.BEST_PROVEN, decision.outcome());
    assertEquals(1, decision.nodesExamined());
    assertEquals(0.0, decision.maxScoreShortfall());
  }

  @Test
  void malformedExpressionPlacesNothing() {
    PoolView pool = mixedPool(ScoringStrategy.BIN_PACK);

    InvalidExpressionException error =
        assertThrows(
            InvalidExpressionException.class,
            () ->
                PlacementRequest.builder("c1")
                    .memoryBytes(GIB)
                    .env(List.of("constraint:rack=r1"))
                    .build());

    assertEquals("constraint:rack=r1", error.expression());
    assertTrue(pool.nodes().stream().allMatch(node -> node.containers().isEmpty()));
  }

  @Test
  void pinnedToNodeById() {
    PlacementRequest request =
        PlacementRequest.builder("c1").memoryBytes(GIB).constraint("node==n3").build();

    PlacementDecision decision = engine.place(request, mixedPool(ScoringStrategy.BIN_PACK));

    assertEquals("n3", decision.chosenNodeId().orElseThrow());
    assertEquals(1, decision.candidates().size());
  }
}
