package io.nereid.runtime;

import io.nereid.persistence.CborSerializable;
import java.util.List;

/**
 * The processes of a container as {@code ps} prints them on its node.
 *
 * @param titles the column headers, such as UID, PID and CMD
 * @param processes one row per process, one value per column
 */
public record ProcessTable(List<String> titles, List<List<String>> processes)
    implements CborSerializable {

  public ProcessTable {
    titles = List.copyOf(titles);
    processes = processes.stream().map(List::copyOf).toList();
  }
}
