package io.nereid.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.nereid.node.ComputeNode;
import io.nereid.node.NodeStatus;
import io.nereid.node.Reservation;
import io.nereid.node.Resources;
import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacedContainer;
import io.nereid.scheduler.placement.ResourceVector;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class NodeViewsTest {

  private static final String A = "a".repeat(64);
  private static final String B = "b".repeat(64);
  private static final String C = "c".repeat(64);

  private static ComputeNode.State node(Map<String, Reservation> reservations, long revision) {
    return new ComputeNode.State(
        "n1", NodeStatus.READY, "default", new Resources(8000, 32L << 30, 100L << 30), Map.of("rack", "r1"),
        reservations, Instant.EPOCH, revision);
  }

  private static Reservation reservation(long cpuMillis, String name, String image) {
    return new Reservation(new Resources(cpuMillis, 1L << 30, 1L << 30), name, image, Map.of("app", name));
  }

  private static Map<String, PlacedContainer> byId(NodeView view) {
    return view.containers().stream().collect(Collectors.toMap(PlacedContainer::id, container -> container));
  }

  /** Compares a view built with a kept {@code Reserved} to one built from nothing. */
  private static void assertSameView(NodeView expected, NodeView actual) {
    assertEquals(expected.reserved(), actual.reserved());
    assertEquals(expected.images(), actual.images());
    assertEquals(expected.status(), actual.status());
    assertEquals(expected.capacity(), actual.capacity());
    assertEquals(expected.labels(), actual.labels());
    Map<String, PlacedContainer> expectedContainers = byId(expected);
    Map<String, PlacedContainer> actualContainers = byId(actual);
    assertEquals(expectedContainers.keySet(), actualContainers.keySet());
    for (String id : expectedContainers.keySet()) {
      assertEquals(expectedContainers.get(id).name(), actualContainers.get(id).name(), id);
      assertEquals(expectedContainers.get(id).labels(), actualContainers.get(id).labels(), id);
      assertEquals(expectedContainers.get(id).reserved(), actualContainers.get(id).reserved(), id);
    }
  }

  @Test
  void keptReservationsMatchFreshView() {
    NodeViews.Reserved reserved = new NodeViews.Reserved();
    Map<String, Reservation> first = new HashMap<>(Map.of(A, reservation(500, "a", "busybox"), B, reservation(250, "b", "")));
    ComputeNode.State initial = node(first, 2);
    NodeView firstView = NodeViews.of(initial, Map.of(), reserved);
    assertSameView(NodeViews.of(initial, Map.of()), firstView);

    // B changes, A stays, C is new: the next state of the node.
    Map<String, Reservation> second = new HashMap<>(first);
    second.put(B, reservation(1000, "b", "redis"));
    second.put(C, reservation(100, "c", "busybox"));
    ComputeNode.State changed = node(second, 4);
    NodeView secondView = NodeViews.of(changed, Map.of(), reserved);
    assertSameView(NodeViews.of(changed, Map.of()), secondView);
    assertEquals(new ResourceVector(1600, 3L << 30, 3L << 30), secondView.reserved());
    assertEquals(Set.of("busybox", "redis"), secondView.images());
    assertSame(byId(firstView).get(A), byId(secondView).get(A), "an unchanged reservation is not converted again");
    assertNotSame(byId(firstView).get(B), byId(secondView).get(B), "a changed reservation is converted again");

    // A is released.
    Map<String, Reservation> third = new HashMap<>(second);
    third.remove(A);
    ComputeNode.State released = node(third, 5);
    NodeView thirdView = NodeViews.of(released, Map.of(), reserved);
    assertSameView(NodeViews.of(released, Map.of()), thirdView);
    assertEquals(Set.of(B, C), byId(thirdView).keySet());
  }

  @Test
  void pendingAddedToKeptReservations() {
    NodeViews.Reserved reserved = new NodeViews.Reserved();
    ComputeNode.State state = node(Map.of(A, reservation(500, "a", "busybox")), 1);
    NodeViews.of(state, Map.of(), reserved);

    PlacedContainer waiting = new PlacedContainer(B, "b", Map.of(), new ResourceVector(250, 1L << 20, 0));
    PlacedContainer confirmed = new PlacedContainer(A, "a", Map.of(), new ResourceVector(500, 1L << 30, 1L << 30));
    NodeView view = NodeViews.of(state, Map.of(B, waiting, A, confirmed), reserved);

    assertEquals(List.of(A, B), view.containers().stream().map(PlacedContainer::id).sorted().toList());
    assertEquals(new ResourceVector(750, (1L << 30) + (1L << 20), 1L << 30), view.reserved());
    assertSameView(NodeViews.of(state, Map.of(B, waiting, A, confirmed)), view);
  }
}
