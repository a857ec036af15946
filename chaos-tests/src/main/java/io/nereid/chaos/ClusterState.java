package io.nereid.chaos;

import io.nereid.node.Resources;
import java.util.List;
import java.util.Map;

/**
 * What the cluster holds after healing, as the checkers see it: the compute nodes with their
 * reservations (recovered by the node entities from the journal), each container the history
 * names as the Docker API reports it, the journal's rows and the members' health.
 */
record ClusterState(
    List<Node> nodes,
    Map<String, Container> containers,
    List<JournalRow> journal,
    List<Member> members) {

  record Node(String id, String status, Resources capacity, Map<String, Resources> reservations) {}

  /**
   * @param status Docker's status ({@code created}, {@code running}, {@code exited}), or
   *     {@value #REMOVED} when the API answers 404
   * @param node the node the container is placed on, empty when none
   */
  record Container(String id, String status, String node) {
    static final String REMOVED = "removed";
  }

  /** One event of the journal: its entity, sequence number and the incarnation that wrote it. */
  record JournalRow(String persistenceId, long sequenceNr, String writerUuid) {}

  /** @param healthy whether it answered its health check with ok and sees every member */
  record Member(String name, boolean alive, boolean healthy, String detail) {}
}
