package io.nereid.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nereid.chaos.Operation.Outcome;
import io.nereid.chaos.Operation.Type;
import io.nereid.node.Resources;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The checkers against deliberately broken histories and states: each case breaks one promise
 * and expects exactly that violation, and the matching healthy case expects none.
 */
class InvariantsTest {

  private static final long MIB = 1L << 20;
  private static final Resources CAPACITY = new Resources(2000, 1024 * MIB, 100L << 30);
  private static final Resources SMALL = new Resources(250, 256 * MIB, 0);

  private final List<Operation> operations = new ArrayList<>();

  private void record(Type type, String id, Outcome outcome) {
    long at = operations.size() * 10L;
    int status = 0;
    if (outcome == Outcome.OK) {
      status = 204;
    } else if (outcome == Outcome.FAIL) {
      status = 404;
    }
    operations.add(
        new Operation(operations.size(), 0, type, id, 0, at, at + 5, outcome, status, outcome == Outcome.OK ? "ok" : "x", ""));
  }

  private History history() {
    return History.of(operations);
  }

  private static Map<String, ClusterState.Container> observed(ClusterState.Container... containers) {
    Map<String, ClusterState.Container> map = new LinkedHashMap<>();
    for (ClusterState.Container container : containers) {
      map.put(container.id(), container);
    }
    return map;
  }

  private static ClusterState.Container container(String id, String status, String node) {
    return new ClusterState.Container(id, status, node);
  }

  private static List<String> invariants(List<Violation> violations) {
    return violations.stream().map(Violation::invariant).toList();
  }

  @Test
  void lostAcknowledgedCreateIsCaught() {
    record(Type.CREATE, "a", Outcome.OK);
    record(Type.START, "a", Outcome.OK);

    List<Violation> violations =
        Invariants.containers(history(), observed(container("a", ClusterState.Container.REMOVED, "")));

    assertEquals(List.of(Invariants.LOST_CREATE), invariants(violations));
  }

  @Test
  void createAfterUnansweredRemoveMayBeGone() {
    record(Type.CREATE, "a", Outcome.OK);
    record(Type.REMOVE, "a", Outcome.UNKNOWN);

    assertEquals(
        List.of(),
        Invariants.containers(history(), observed(container("a", ClusterState.Container.REMOVED, ""))));
    assertEquals(
        List.of(), Invariants.containers(history(), observed(container("a", "created", "n1"))));
  }

  @Test
  void acknowledgedRemoveThatComesBackIsCaught() {
    record(Type.CREATE, "a", Outcome.OK);
    record(Type.REMOVE, "a", Outcome.OK);

    List<Violation> violations = Invariants.containers(history(), observed(container("a", "exited", "n1")));

    assertEquals(List.of(Invariants.RESURRECTED), invariants(violations));
  }

  @Test
  void stateOtherThanLastAcknowledgedIsCaught() {
    record(Type.CREATE, "a", Outcome.OK);
    record(Type.START, "a", Outcome.OK);
    record(Type.STOP, "a", Outcome.FAIL);

    assertEquals(List.of(), Invariants.containers(history(), observed(container("a", "running", "n1"))));
    assertEquals(
        List.of(Invariants.NOT_CONVERGED),
        invariants(Invariants.containers(history(), observed(container("a", "exited", "n1")))));
  }

  @Test
  void unansweredStopAllowsBothStates() {
    record(Type.CREATE, "a", Outcome.OK);
    record(Type.START, "a", Outcome.OK);
    record(Type.STOP, "a", Outcome.UNKNOWN);

    assertEquals(Set.of("running", "exited"), Invariants.expectedStates(history(), Map.of()).get("a"));
  }

  @Test
  void crashOfNodeLetsItsContainersExit() {
    record(Type.CREATE, "a", Outcome.OK);
    record(Type.START, "a", Outcome.OK);
    record(Type.CREATE, "b", Outcome.OK);
    record(Type.START, "b", Outcome.OK);
    History crashed = History.of(operations, List.of(new History.Crash("n1", 100)));

    List<Violation> violations =
        Invariants.containers(
            crashed, observed(container("a", "exited", "n1"), container("b", "exited", "n2")));

    assertEquals(List.of(Invariants.NOT_CONVERGED), invariants(violations));
    assertEquals("b", violations.get(0).subject());
  }

  @Test
  void crashBeforeStartDoesNotExcuseExit() {
    // The create is sent at 0 ms, the crash comes at 5 ms, the start at 10 ms.
    record(Type.CREATE, "a", Outcome.OK);
    record(Type.START, "a", Outcome.OK);
    History crashed = History.of(operations, List.of(new History.Crash("n1", 5)));

    List<Violation> violations =
        Invariants.containers(crashed, observed(container("a", "exited", "n1")));

    assertEquals(List.of(Invariants.NOT_CONVERGED), invariants(violations));
  }

  @Test
  void overCommittedReservationSetIsCaught() {
    Map<String, Resources> reservations = new LinkedHashMap<>();
    for (int i = 0; i < 5; i++) {
      reservations.put("c" + i, SMALL);
    }
    ClusterState.Node node = new ClusterState.Node("n1", "ready", CAPACITY, reservations);

    List<Violation> violations = Invariants.reservations(List.of(node), Map.of());

    assertEquals(List.of(Invariants.OVER_COMMITTED), invariants(violations));
  }

  @Test
  void fullNodeIsNotOverCommitted() {
    Map<String, Resources> reservations = new LinkedHashMap<>();
    for (int i = 0; i < 4; i++) {
      reservations.put("c" + i, SMALL);
    }
    ClusterState.Node node = new ClusterState.Node("n1", "ready", CAPACITY, reservations);

    assertEquals(List.of(), Invariants.reservations(List.of(node), Map.of()));
  }

  @Test
  void containerReservedOnTwoNodesIsCaught() {
    ClusterState.Node first = new ClusterState.Node("n1", "ready", CAPACITY, Map.of("a", SMALL));
    ClusterState.Node second = new ClusterState.Node("n2", "ready", CAPACITY, Map.of("a", SMALL));

    List<Violation> violations =
        Invariants.reservations(List.of(first, second), observed(container("a", "running", "n1")));

    assertEquals(List.of(Invariants.DOUBLE_PLACEMENT), invariants(violations));
  }

  @Test
  void placementWithoutReservationIsCaught() {
    ClusterState.Node node = new ClusterState.Node("n1", "ready", CAPACITY, Map.of());

    List<Violation> violations =
        Invariants.reservations(List.of(node), observed(container("a", "running", "n1")));

    assertEquals(List.of(Invariants.PLACEMENT_MISMATCH), invariants(violations));
  }

  @Test
  void reservationOfRemovedContainerIsCaught() {
    ClusterState.Node node = new ClusterState.Node("n1", "ready", CAPACITY, Map.of("a", SMALL));

    List<Violation> violations =
        Invariants.reservations(
            List.of(node), observed(container("a", ClusterState.Container.REMOVED, "")));

    assertEquals(List.of(Invariants.LEAKED_RESERVATION), invariants(violations));
  }

  @Test
  void consistentJournalPasses() {
    List<ClusterState.JournalRow> rows =
        List.of(row("p", 1, "w1"), row("p", 2, "w1"), row("p", 3, "w2"), row("q", 1, "w3"));

    assertEquals(List.of(), Invariants.journal(rows));
  }

  @Test
  void sequenceNumberWrittenTwiceIsCaught() {
    List<ClusterState.JournalRow> rows = List.of(row("p", 1, "w1"), row("p", 2, "w1"), row("p", 2, "w2"));

    assertEquals(List.of(Invariants.DUPLICATE_SEQUENCE_NR), invariants(Invariants.journal(rows)));
  }

  @Test
  void interleavedWritersAreCaught() {
    List<ClusterState.JournalRow> rows =
        List.of(row("p", 1, "w1"), row("p", 2, "w2"), row("p", 3, "w1"));

    assertEquals(List.of(Invariants.TWO_INCARNATIONS), invariants(Invariants.journal(rows)));
  }

  @Test
  void missingSequenceNumberIsCaught() {
    List<ClusterState.JournalRow> rows = List.of(row("p", 1, "w1"), row("p", 3, "w1"));

    assertEquals(List.of(Invariants.SEQUENCE_GAP), invariants(Invariants.journal(rows)));
  }

  @Test
  void memberNotUpIsCaught() {
    List<ClusterState.Member> members =
        List.of(
            new ClusterState.Member("control-1", true, true, ""),
            new ClusterState.Member("control-2", false, false, "no answer"));

    List<Violation> violations = Invariants.members(members);

    assertEquals(List.of(Invariants.MEMBER_DOWN), invariants(violations));
    assertEquals("control-2", violations.get(0).subject());
  }

  private static ClusterState.JournalRow row(String entity, long sequenceNr, String writer) {
    return new ClusterState.JournalRow(entity, sequenceNr, writer);
  }
}
