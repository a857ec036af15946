package io.nereid.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.nereid.entity.SharedMap;
import io.nereid.node.ComputeNode;
import io.nereid.node.NodeStatus;
import io.nereid.node.Reservation;
import io.nereid.node.ReservationChanges;
import io.nereid.node.Resources;
import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacedContainer;
import io.nereid.scheduler.placement.ResourceVector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
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

  /** Brings {@code reserved} to the state with the changes, then builds the view from it. */
  private static NodeView viewAfter(
      NodeViews.Reserved reserved, ComputeNode.State state, ReservationChanges changes) {
    reserved.update(state, changes);
    return NodeViews.of(state, Map.of(), reserved);
  }

  @Test
  void changesMatchFreshView() {
    NodeViews.Reserved reserved = new NodeViews.Reserved();
    ComputeNode.State initial =
        node(Map.of(A, reservation(500, "a", "busybox"), B, reservation(250, "b", "busybox")), 2);
    assertSameView(NodeViews.of(initial, Map.of()), viewAfter(reserved, initial, null));

    // One write: B changes image and size, C is added, A is released.
    Map<String, Reservation> next = SharedMap.copyOf(initial.reservations());
    next = SharedMap.with(next, B, reservation(1000, "b", "redis"));
    next = SharedMap.with(next, C, reservation(100, "c", ""));
    next = SharedMap.without(next, A);
    ComputeNode.State changed = node(next, 5);
    NodeView view = viewAfter(reserved, changed, new ReservationChanges(2, Set.of(A, B, C)));

    assertSameView(NodeViews.of(changed, Map.of()), view);
    assertEquals(Set.of(B, C), byId(view).keySet());
    assertEquals(new ResourceVector(1100, 2L << 30, 2L << 30), view.reserved());
    assertEquals(Set.of("redis"), view.images());
  }

  @Test
  void changesReadOnlyNamedContainers() {
    NodeViews.Reserved reserved = new NodeViews.Reserved();
    ComputeNode.State initial = node(Map.of(A, reservation(500, "a", "busybox")), 1);
    viewAfter(reserved, initial, null);

    // The changes name only B, so the scheduler does not look at A, whose reservation this
    // state changes without an event: proof that the view was not built by comparing them all.
    ComputeNode.State next =
        node(Map.of(A, reservation(999, "a", "busybox"), B, reservation(250, "b", "")), 2);
    NodeView view = viewAfter(reserved, next, new ReservationChanges(1, Set.of(B)));

    assertEquals(new ResourceVector(750, 2L << 30, 2L << 30), view.reserved());
    assertEquals(new ResourceVector(500, 1L << 30, 1L << 30), byId(view).get(A).reserved());
  }

  @Test
  void skippedRevisionComparesAll() {
    NodeViews.Reserved reserved = new NodeViews.Reserved();
    ComputeNode.State initial = node(Map.of(A, reservation(500, "a", "busybox")), 1);
    viewAfter(reserved, initial, null);

    // Revision 2 added B and never arrived; the changes of revision 3 start from 2.
    ComputeNode.State next =
        node(Map.of(A, reservation(500, "a", "busybox"), B, reservation(250, "b", "redis"), C, reservation(100, "c", "")), 3);
    NodeView view = viewAfter(reserved, next, new ReservationChanges(2, Set.of(C)));

    assertSameView(NodeViews.of(next, Map.of()), view);
    assertEquals(Set.of(A, B, C), byId(view).keySet());
  }

  @Test
  void unknownChangesCompareAll() {
    NodeViews.Reserved reserved = new NodeViews.Reserved();
    ComputeNode.State initial =
        node(Map.of(A, reservation(500, "a", "busybox"), B, reservation(250, "b", "")), 1);
    viewAfter(reserved, initial, null);

    // An old-form NodeUpdated carries no changes.
    ComputeNode.State next = node(Map.of(B, reservation(300, "b", "redis"), C, reservation(100, "c", "")), 4);
    NodeView view = viewAfter(reserved, next, new PoolScheduler.NodeUpdated(next).changes());

    assertSameView(NodeViews.of(next, Map.of()), view);
    assertEquals(Set.of(B, C), byId(view).keySet());
  }

  @Test
  void sameRevisionKeepsView() {
    NodeViews.Reserved reserved = new NodeViews.Reserved();
    ComputeNode.State state = node(Map.of(A, reservation(500, "a", "busybox")), 3);
    NodeView first = viewAfter(reserved, state, null);

    // The same state read again, as from a Get reply, arrives as a copy with another map.
    ComputeNode.State copy = node(new HashMap<>(state.reservations()), 3);
    NodeView second = viewAfter(reserved, copy, null);

    assertSameView(NodeViews.of(copy, Map.of()), second);
    assertSame(first.containersById(), second.containersById());
  }

  @Test
  void imageStaysWhileAnyContainerUsesIt() {
    NodeViews.Reserved reserved = new NodeViews.Reserved();
    ComputeNode.State both =
        node(Map.of(A, reservation(500, "a", "busybox"), B, reservation(250, "b", "busybox")), 1);
    viewAfter(reserved, both, null);

    ComputeNode.State onlyB = node(SharedMap.without(both.reservations(), A), 2);
    assertEquals(Set.of("busybox"), viewAfter(reserved, onlyB, new ReservationChanges(1, Set.of(A))).images());

    ComputeNode.State none = node(SharedMap.without(onlyB.reservations(), B), 3);
    assertEquals(Set.of(), viewAfter(reserved, none, new ReservationChanges(2, Set.of(B))).images());
    assertEquals(ResourceVector.ZERO, viewAfter(reserved, none, null).reserved());
  }

  /**
   * Plays random writes of a node: reservations, changed reservations, releases and status
   * changes. Each state is delivered with its changes, without them, or not at all. After each
   * delivery, the view kept between states must equal one built from nothing.
   */
  @Test
  void randomWritesMatchFreshView() {
    Random random = new Random(42);
    List<String> ids = new ArrayList<>();
    // Few containers, so images often lose their last user.
    for (int i = 0; i < 10; i++) {
      ids.add(i % 2 == 0 ? String.format("%064x", i * 7919L) : "container-" + i);
    }
    String[] images = {"", "busybox", "redis", "sha256:" + "e".repeat(64)};

    NodeViews.Reserved reserved = new NodeViews.Reserved();
    Map<String, Reservation> current = SharedMap.of();
    long revision = 1;
    for (int write = 0; write < 2000; write++) {
      long fromRevision = revision;
      Set<String> touched = new HashSet<>();
      int events = 1 + random.nextInt(3);
      for (int e = 0; e < events; e++) {
        String id = ids.get(random.nextInt(ids.size()));
        int kind = random.nextInt(10);
        if (kind < 5) {
          Reservation next =
              reservation(100 * (1 + random.nextInt(4)), "n" + random.nextInt(3), images[random.nextInt(images.length)]);
          current = SharedMap.with(current, id, next);
          touched.add(id);
        } else if (kind < 9) {
          current = SharedMap.without(current, id);
          touched.add(id);
        }
        // Otherwise a status change, which touches no reservation.
        revision++;
      }
      ComputeNode.State state = node(current, revision);

      int delivery = random.nextInt(10);
      if (delivery == 0) {
        continue;
      }
      ReservationChanges changes = delivery == 1 ? null : new ReservationChanges(fromRevision, touched);
      NodeView incremental = viewAfter(reserved, state, changes);
      assertSameView(NodeViews.of(state, Map.of()), incremental);
    }
  }
}
