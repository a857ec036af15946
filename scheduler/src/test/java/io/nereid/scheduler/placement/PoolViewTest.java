package io.nereid.scheduler.placement;

import static io.nereid.scheduler.placement.PlacementFixtures.GIB;
import static io.nereid.scheduler.placement.PlacementFixtures.MIB;
import static io.nereid.scheduler.placement.PlacementFixtures.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PoolViewTest {

  /** Nodes of 16 GiB with 2, 10, 6 and 10 GiB free, and one cordoned node with 16 GiB free. */
  private static PoolView examplePool() {
    return PlacementFixtures.pool(
        PoolSettings.defaults(),
        node("d").reserved(0, 14, 0).build(),
        node("b").reserved(0, 6, 0).build(),
        node("c").reserved(0, 10, 0).build(),
        node("a").reserved(0, 6, 0).build(),
        node("e").status(NodeView.Status.CORDONED).build());
  }

  private static List<String> ids(Iterable<NodeView> nodes) {
    List<String> ids = new ArrayList<>();
    nodes.forEach(node -> ids.add(node.id()));
    return ids;
  }

  private static List<String> fullestFirst(PoolView pool, long memoryDemand) {
    return drain(pool.cursor(Dimension.MEMORY, memoryDemand, SearchOrder.FULLEST_FIRST));
  }

  private static List<String> drain(UtilizationCursor cursor) {
    List<String> ids = new ArrayList<>();
    while (cursor.hasNext()) {
      ids.add(cursor.next().id());
    }
    return ids;
  }

  @Test
  void fullestFirstSkipsNodesWithoutRoom() {
    // After placing 3 GiB: c is at 13/16, a and b at 9/16; d has 2 GiB free and no room.
    PoolView pool = examplePool();

    assertEquals(List.of("c", "a", "b"), fullestFirst(pool, 3 * GIB));
  }

  @Test
  void emptiestFirstStartsWithMostFree() {
    PoolView pool = examplePool();

    assertEquals(
        List.of("b", "a", "c"),
        drain(pool.cursor(Dimension.MEMORY, 3 * GIB, SearchOrder.EMPTIEST_FIRST)));
  }

  @Test
  void zeroDemandVisitsEveryReadyNode() {
    PoolView pool = examplePool();

    assertEquals(List.of("d", "c", "a", "b"), fullestFirst(pool, 0));
  }

  @Test
  void cursorMergesCapacityClasses() {
    // After placing 3 GiB: small-tight at 1 - 1/16 = 0.9375, large at 1 - 5/64 = 0.92 and
    // small-loose at 1 - 3/16 = 0.8125, although large has the most free memory.
    PoolView pool =
        PlacementFixtures.pool(
            PoolSettings.defaults(),
            node("small-tight").reserved(0, 12, 0).build(),
            node("small-loose").reserved(0, 10, 0).build(),
            node("large").capacity(4000, 64, 100).reserved(0, 56, 0).build());
    UtilizationCursor cursor = pool.cursor(Dimension.MEMORY, 3 * GIB, SearchOrder.FULLEST_FIRST);

    assertEquals(0.9375, cursor.bound(), 1e-12);
    assertEquals("small-tight", cursor.next().id());
    assertEquals(1 - 5.0 / 64, cursor.bound(), 1e-12);
    assertEquals("large", cursor.next().id());
    assertEquals(0.8125, cursor.bound(), 1e-12);
    assertEquals("small-loose", cursor.next().id());
    assertFalse(cursor.hasNext());
    assertEquals(0.0, cursor.bound());
  }

  @Test
  void readyNodesInNodeIdOrder() {
    PoolView pool = examplePool();

    assertEquals(List.of("a", "b", "c", "d"), ids(pool.readyNodes()));
  }

  @Test
  void countsByStatus() {
    PoolView pool = examplePool();

    assertEquals(5, pool.size());
    assertEquals(4, pool.readyCount());
    assertEquals(4, pool.count(NodeView.Status.READY));
    assertEquals(1, pool.count(NodeView.Status.CORDONED));
    assertEquals(0, pool.count(NodeView.Status.LOST));
  }

  @Test
  void statusChangeMovesNodeOutOfIndexAndBack() {
    PoolView pool = examplePool();

    pool.updateStatus("a", NodeView.Status.DRAINING);
    assertEquals(List.of("c", "b"), fullestFirst(pool, 3 * GIB));
    assertEquals(3, pool.readyCount());
    assertEquals(1, pool.count(NodeView.Status.DRAINING));

    pool.updateStatus("e", NodeView.Status.READY);
    pool.updateStatus("a", NodeView.Status.READY);
    assertEquals(List.of("c", "a", "b", "e"), fullestFirst(pool, 3 * GIB));
    assertEquals(0, pool.count(NodeView.Status.DRAINING));
  }

  @Test
  void replacingNodeReindexesIt() {
    PoolView pool = examplePool();

    pool.putNode(node("b").reserved(0, 15, 0).build());

    assertEquals(5, pool.size());
    assertEquals(List.of("c", "a"), fullestFirst(pool, 3 * GIB));
    assertEquals(15 * GIB, pool.node("b").orElseThrow().reserved().memoryBytes());
  }

  @Test
  void removingNodeForgetsIt() {
    PoolView pool = examplePool();

    assertTrue(pool.removeNode("a"));
    assertFalse(pool.removeNode("a"));

    assertEquals(4, pool.size());
    assertEquals(List.of("c", "b"), fullestFirst(pool, 3 * GIB));
  }

  @Test
  void reserveMovesNodeAlongIndex() {
    PoolView pool = examplePool();
    PlacementRequest request =
        PlacementRequest.builder("c1").name("/web").memoryBytes(8 * GIB).cpuMillis(500).build();

    assertTrue(pool.reserve("b", request));

    NodeView b = pool.node("b").orElseThrow();
    assertEquals(new ResourceVector(500, 14 * GIB, 0), b.reserved());
    assertEquals(
        List.of(new PlacedContainer("c1", "web", Map.of(), new ResourceVector(500, 8 * GIB, 0))),
        List.copyOf(b.containers()));
    assertEquals(List.of("c", "a"), fullestFirst(pool, 3 * GIB));
  }

  @Test
  void reserveSameContainerTwiceChangesNothing() {
    PoolView pool = examplePool();
    PlacementRequest request = PlacementRequest.builder("c1").memoryBytes(GIB).build();

    assertTrue(pool.reserve("a", request));
    assertFalse(pool.reserve("a", request));

    assertEquals(7 * GIB, pool.node("a").orElseThrow().reserved().memoryBytes());
  }

  @Test
  void reserveWithoutMemoryLimitRecordsDefault() {
    PoolView pool = examplePool();

    pool.reserve("a", PlacementRequest.builder("c1").build());

    assertEquals(6 * GIB + 256 * MIB, pool.node("a").orElseThrow().reserved().memoryBytes());
  }

  @Test
  void releaseFreesReservation() {
    PoolView pool = examplePool();
    pool.reserve("a", PlacementRequest.builder("c1").memoryBytes(8 * GIB).build());

    assertTrue(pool.release("a", "c1"));
    assertFalse(pool.release("a", "c1"));

    assertEquals(6 * GIB, pool.node("a").orElseThrow().reserved().memoryBytes());
    assertTrue(pool.node("a").orElseThrow().containers().isEmpty());
    assertEquals(List.of("c", "a", "b"), fullestFirst(pool, 3 * GIB));
  }

  @Test
  void unknownNodeRejected() {
    PoolView pool = examplePool();

    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class,
            () -> pool.reserve("zz", PlacementRequest.builder("c1").build()));

    assertEquals("node zz is not in the pool. Add it with putNode first", error.getMessage());
  }

  @Test
  void totalsCoverReadyNodesOnly() {
    PoolView pool = examplePool();

    assertEquals(36 * GIB, pool.readyReserved(Dimension.MEMORY));
    assertEquals(28 * GIB, pool.readyFree(Dimension.MEMORY));
    assertEquals(16000, pool.readyFree(Dimension.CPU));

    pool.updateStatus("d", NodeView.Status.LOST);
    assertEquals(22 * GIB, pool.readyReserved(Dimension.MEMORY));
    assertEquals(26 * GIB, pool.readyFree(Dimension.MEMORY));
  }

  @Test
  void overReservedNodeAddsNoFree() {
    PoolView pool =
        PlacementFixtures.pool(PoolSettings.defaults(), node("a").reserved(0, 20, 0).build());

    assertEquals(0, pool.readyFree(Dimension.MEMORY));
    assertEquals(List.of("a"), fullestFirst(pool, 0));
    assertEquals(List.of(), fullestFirst(pool, 1));
  }

  @Test
  void overcommitScalesCursorBounds() {
    // 16 GiB at overcommit 1.5 is 24 GiB; after placing 4 GiB onto 12 reserved: 16/24.
    PoolView pool =
        PlacementFixtures.pool(
            PoolSettings.defaults().withOvercommit(Dimension.MEMORY, 1.5),
            node("a").reserved(0, 12, 0).build());

    UtilizationCursor cursor = pool.cursor(Dimension.MEMORY, 4 * GIB, SearchOrder.FULLEST_FIRST);

    assertEquals(16.0 / 24, cursor.bound(), 1e-12);
  }

  @Test
  void nodeIdOrderHasNoCursor() {
    PoolView pool = examplePool();

    assertThrows(
        IllegalArgumentException.class,
        () -> pool.cursor(Dimension.MEMORY, 0, SearchOrder.NODE_ID));
  }

  /**
   * On random pools, every cursor returns exactly the ready nodes with room, and at every step its
   * bound holds for each node it has not returned yet.
   */
  @Test
  void cursorBoundsHoldOnRandomPools() {
    for (long seed = 1; seed <= 6; seed++) {
      Random random = new Random(seed);
      PoolSettings settings =
          PoolSettings.defaults().withOvercommit(Dimension.CPU, 1 + random.nextInt(3));
      PoolView pool = RandomPools.pool(random, settings, 80);
      for (Dimension dimension : Dimension.values()) {
        for (SearchOrder order : List.of(SearchOrder.FULLEST_FIRST, SearchOrder.EMPTIEST_FIRST)) {
          long demand = random.nextInt(4) == 0 ? 0 : (long) (random.nextDouble() * 8 * GIB);
          if (dimension == Dimension.CPU) {
            demand = demand % 3000;
          }
          checkCursor(pool, dimension, demand, order, "seed " + seed);
        }
      }
    }
  }

  private static void checkCursor(
      PoolView pool, Dimension dimension, long demand, SearchOrder order, String when) {
    PoolSettings settings = pool.settings();
    Set<String> remaining = new HashSet<>();
    for (NodeView node : pool.readyNodes()) {
      if (demand == 0 || settings.effectiveFree(node, dimension) >= demand) {
        remaining.add(node.id());
      }
    }
    UtilizationCursor cursor = pool.cursor(dimension, demand, order);

    while (cursor.hasNext()) {
      double bound = cursor.bound();
      for (String id : remaining) {
        double utilization =
            utilizationAfter(pool.node(id).orElseThrow(), dimension, demand, settings);
        boolean within =
            order == SearchOrder.FULLEST_FIRST
                ? utilization <= bound + 1e-12
                : utilization >= bound - 1e-12;
        assertTrue(
            within,
            when
                + " "
                + dimension
                + " "
                + order
                + ": "
                + id
                + " at "
                + utilization
                + ", bound "
                + bound);
      }
      assertTrue(
          remaining.remove(cursor.next().id()), when + ": node returned twice or without room");
    }
    assertEquals(Set.of(), remaining, when + ": nodes with room never returned");
  }

  private static double utilizationAfter(
      NodeView node, Dimension dimension, long demand, PoolSettings settings) {
    long capacity = settings.effectiveCapacity(node, dimension);
    if (capacity <= 0) {
      return 1.0;
    }
    double used = (double) node.reserved().get(dimension) + demand;
    return Math.min(1.0, Math.max(0.0, used / capacity));
  }
}
