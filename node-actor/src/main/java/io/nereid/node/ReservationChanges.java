package io.nereid.node;

import io.nereid.persistence.CborSerializable;
import java.util.Set;

/**
 * The containers whose reservations a node's latest persisted events added, changed or released.
 * A reader that has the node's reservations at revision {@code fromRevision} reaches those of
 * the new state by reading only these containers in it, where comparing whole maps takes time in
 * proportion to the containers on the node.
 *
 * @param fromRevision the node's revision before the events
 * @param containerIds the ids of the containers the events reserved for or released
 */
public record ReservationChanges(long fromRevision, Set<String> containerIds)
    implements CborSerializable {

  public ReservationChanges {
    containerIds = Set.copyOf(containerIds);
  }
}
