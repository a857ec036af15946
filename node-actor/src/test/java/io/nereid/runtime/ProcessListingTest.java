package io.nereid.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProcessListingTest {

  private static final String PS_EF =
      """
      UID          PID    PPID  C STIME TTY          TIME CMD
      root           1       0  0 10:00 ?        00:00:01 /sbin/init
      root        4242    4200  0 10:05 ?        00:00:00 sleep 300
      root        4243    4242  0 10:05 ?        00:00:00 sh -c echo a  b
      """;

  @Test
  void keepsOnlyContainerRows() {
    ProcessTable table = ProcessListing.parse(PS_EF, Set.of(4242L, 4243L));

    assertEquals(List.of("UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"), table.titles());
    assertEquals(2, table.processes().size());
    assertEquals("sleep 300", table.processes().get(0).get(7));
    assertEquals("sh -c echo a  b", table.processes().get(1).get(7), "the command keeps its spaces");
  }

  @Test
  void outputWithoutPidColumnRejected() {
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> ProcessListing.parse("USER COMMAND\nroot init\n", Set.of(1L)));

    assertEquals("Couldn't find PID field in ps output", error.getMessage());
  }
}
