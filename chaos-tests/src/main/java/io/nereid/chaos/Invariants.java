package io.nereid.chaos;

import io.nereid.chaos.Operation.Outcome;
import io.nereid.chaos.Operation.Type;
import io.nereid.node.Resources;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The promises Nereid makes, checked against a history and the state after healing. Each check
 * returns the violations it found, empty when the invariant holds.
 */
final class Invariants {

  static final String LOST_CREATE = "acknowledged-create-lost";
  static final String RESURRECTED = "removed-container-back";
  static final String NOT_CONVERGED = "state-not-converged";
  static final String OVER_COMMITTED = "node-over-committed";
  static final String DOUBLE_PLACEMENT = "placed-on-two-nodes";
  static final String PLACEMENT_MISMATCH = "placement-without-reservation";
  static final String LEAKED_RESERVATION = "reservation-of-removed-container";
  static final String DUPLICATE_SEQUENCE_NR = "duplicate-sequence-nr";
  static final String SEQUENCE_GAP = "sequence-nr-gap";
  static final String TWO_INCARNATIONS = "two-live-incarnations";
  static final String MEMBER_DOWN = "member-not-up";

  private Invariants() {}

  /** Runs every check. */
  static List<Violation> check(History history, ClusterState state) {
    List<Violation> violations = new ArrayList<>();
    violations.addAll(containers(history, state.containers()));
    violations.addAll(reservations(state.nodes(), state.containers()));
    violations.addAll(journal(state.journal()));
    violations.addAll(members(state.members()));
    return violations;
  }

  /** Returns the containers of the history whose create was acknowledged or whose id is known. */
  static Set<String> containerIds(History history) {
    return expectedStates(history, Map.of()).keySet();
  }

  /**
   * Returns the states each container of the history may be in now. An acknowledged request
   * fixes the state; a request without an answer adds its outcome to the possible states, since
   * it may have taken effect; a rejected or refused one changes nothing. A crash of a compute node
   * adds "exited" to a container on that node (as {@code observed} places it) that may have been
   * running, because its process died with the node.
   */
  static Map<String, Set<String>> expectedStates(
      History history, Map<String, ClusterState.Container> observed) {
    Map<String, Set<String>> expected = new LinkedHashMap<>();
    List<History.Crash> crashes = new ArrayList<>(history.crashes());
    crashes.sort(java.util.Comparator.comparingLong(History.Crash::atMs));
    int nextCrash = 0;
    for (Operation operation : history.operations()) {
      while (nextCrash < crashes.size() && crashes.get(nextCrash).atMs() <= operation.startMs()) {
        applyCrash(crashes.get(nextCrash++), expected, observed);
      }
      String result = resultOf(operation.type());
      if (result == null || operation.containerId().isEmpty()) {
        continue;
      }
      if (operation.outcome() == Outcome.OK) {
        expected.put(operation.containerId(), new LinkedHashSet<>(Set.of(result)));
      } else if (operation.outcome() == Outcome.UNKNOWN && expected.containsKey(operation.containerId())) {
        expected.get(operation.containerId()).add(result);
      }
    }
    while (nextCrash < crashes.size()) {
      applyCrash(crashes.get(nextCrash++), expected, observed);
    }
    return expected;
  }

  private static void applyCrash(
      History.Crash crash,
      Map<String, Set<String>> expected,
      Map<String, ClusterState.Container> observed) {
    expected.forEach(
        (id, allowed) -> {
          ClusterState.Container container = observed.get(id);
          if (container != null && container.node().equals(crash.nodeId()) && allowed.contains("running")) {
            allowed.add("exited");
          }
        });
  }

  /**
   * Every acknowledged create still exists unless a later remove may have taken effect; a
   * container whose removal was acknowledged stays gone; every other container is in a state the
   * history allows.
   */
  static List<Violation> containers(History history, Map<String, ClusterState.Container> observed) {
    List<Violation> violations = new ArrayList<>();
    expectedStates(history, observed)
        .forEach(
            (id, allowed) -> {
              ClusterState.Container container = observed.get(id);
              String actual = container == null ? "not observed" : container.status();
              if (allowed.contains(actual)) {
                return;
              }
              if (actual.equals(ClusterState.Container.REMOVED)) {
                violations.add(
                    new Violation(LOST_CREATE, id, "the API reports no such container; expected one of " + allowed));
              } else if (allowed.equals(Set.of(ClusterState.Container.REMOVED))) {
                violations.add(new Violation(RESURRECTED, id, "removal was acknowledged, but it is " + actual));
              } else {
                violations.add(
                    new Violation(NOT_CONVERGED, id, "it is " + actual + "; expected one of " + allowed));
              }
            });
    return violations;
  }

  /**
   * No node holds more than its capacity in any dimension; no container is reserved on two nodes;
   * a live container placed on a node holds a reservation there; a removed one holds none.
   */
  // NOTE: the limit is the physical capacity, which is right for a pool with the default
  // overcommit ratio 1.0, the only one the chaos cluster uses.
  static List<Violation> reservations(
      List<ClusterState.Node> nodes, Map<String, ClusterState.Container> containers) {
    List<Violation> violations = new ArrayList<>();
    Map<String, String> reservedOn = new HashMap<>();
    for (ClusterState.Node node : nodes) {
      Resources sum = Resources.NONE;
      for (Map.Entry<String, Resources> reservation : node.reservations().entrySet()) {
        sum = sum.plus(reservation.getValue());
        String other = reservedOn.putIfAbsent(reservation.getKey(), node.id());
        if (other != null) {
          violations.add(
              new Violation(
                  DOUBLE_PLACEMENT, reservation.getKey(), "reserved on " + other + " and on " + node.id()));
        }
      }
      Resources capacity = node.capacity();
      if (sum.cpuMillis() > capacity.cpuMillis()
          || sum.memoryBytes() > capacity.memoryBytes()
          || sum.diskBytes() > capacity.diskBytes()) {
        violations.add(
            new Violation(OVER_COMMITTED, node.id(), "reservations sum to " + sum + ", capacity is " + capacity));
      }
    }
    for (ClusterState.Container container : containers.values()) {
      String reservation = reservedOn.get(container.id());
      boolean removed = container.status().equals(ClusterState.Container.REMOVED);
      if (removed && reservation != null) {
        violations.add(
            new Violation(LEAKED_RESERVATION, container.id(), "removed, but still reserved on " + reservation));
      } else if (!removed && !container.node().isEmpty() && !container.node().equals(reservation)) {
        violations.add(
            new Violation(
                PLACEMENT_MISMATCH,
                container.id(),
                "placed on " + container.node() + ", reserved on " + (reservation == null ? "no node" : reservation)));
      }
    }
    return violations;
  }

  /**
   * For each entity, the journal's sequence numbers run 1, 2, 3 ... with no number written twice,
   * and the incarnations that wrote them follow one another: once a new incarnation has written,
   * an older one never writes again. A second live incarnation breaks one of these.
   *
   * @param rows in the journal's order: by entity, then sequence number
   */
  static List<Violation> journal(List<ClusterState.JournalRow> rows) {
    List<Violation> violations = new ArrayList<>();
    Map<String, List<ClusterState.JournalRow>> byEntity = new LinkedHashMap<>();
    for (ClusterState.JournalRow row : rows) {
      byEntity.computeIfAbsent(row.persistenceId(), key -> new ArrayList<>()).add(row);
    }
    byEntity.forEach(
        (entity, events) -> {
          events.sort(java.util.Comparator.comparingLong(ClusterState.JournalRow::sequenceNr));
          long expected = 1;
          Set<String> finishedWriters = new LinkedHashSet<>();
          String writer = null;
          for (ClusterState.JournalRow event : events) {
            if (event.sequenceNr() < expected) {
              violations.add(
                  new Violation(DUPLICATE_SEQUENCE_NR, entity, "sequence number " + event.sequenceNr() + " written twice"));
            } else if (event.sequenceNr() > expected) {
              violations.add(
                  new Violation(
                      SEQUENCE_GAP, entity, "sequence numbers " + expected + " to " + (event.sequenceNr() - 1) + " missing"));
            }
            expected = event.sequenceNr() + 1;
            if (!event.writerUuid().equals(writer)) {
              if (finishedWriters.contains(event.writerUuid())) {
                violations.add(
                    new Violation(
                        TWO_INCARNATIONS,
                        entity,
                        "writer " + event.writerUuid() + " wrote again at " + event.sequenceNr() + " after " + writer));
              }
              if (writer != null) {
                finishedWriters.add(writer);
              }
              writer = event.writerUuid();
            }
          }
        });
    return violations;
  }

  static List<Violation> members(List<ClusterState.Member> members) {
    List<Violation> violations = new ArrayList<>();
    for (ClusterState.Member member : members) {
      if (!member.alive() || !member.healthy()) {
        violations.add(new Violation(MEMBER_DOWN, member.name(), member.detail()));
      }
    }
    return violations;
  }

  /** Returns the state an acknowledged request of {@code type} leaves a container in. */
  private static String resultOf(Type type) {
    return switch (type) {
      case CREATE -> "created";
      case START -> "running";
      case STOP -> "exited";
      case REMOVE -> ClusterState.Container.REMOVED;
      case LIST, INSPECT -> null;
    };
  }
}
