package io.nereid.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs real nft as root: the cut must drop loopback TCP between the sides and nothing else. */
class LoopbackPartitionTest {

  private static final String A = "127.0.1.201";
  private static final String B = "127.0.1.202";
  private static final String OTHER = "127.0.1.203";

  /** Returns whether a TCP connection from {@code from} to the listener opens within 1 s. */
  private static boolean connects(String from, ServerSocket listener) {
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(from, 0));
      socket.connect(listener.getLocalSocketAddress(), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static ServerSocket listen(String host) throws IOException {
    ServerSocket listener = new ServerSocket();
    listener.bind(new InetSocketAddress(host, 0));
    return listener;
  }

  private static boolean tableExists(String table) {
    return LoopbackPartition.nft("list tables\n").contains("table ip " + table + "\n");
  }

  @Test
  void cutDropsOnlyTrafficBetweenSides() throws IOException {
    try (LoopbackPartition partition = LoopbackPartition.create();
        ServerSocket onB = listen(B);
        ServerSocket onA = listen(A)) {
      partition.cut(List.of(A), List.of(B));

      assertFalse(connects(A, onB), "A reached B through the cut");
      assertFalse(connects(B, onA), "B reached A through the cut");
      assertTrue(connects(OTHER, onB), "an address outside the cut was blocked");
      assertTrue(connects("127.0.0.1", onA), "127.0.0.1 was blocked");

      partition.heal();

      assertTrue(connects(A, onB), "A still cut off from B after healing");
      assertTrue(connects(B, onA), "B still cut off from A after healing");
    }
  }

  @Test
  void closeDeletesTable() {
    LoopbackPartition partition = LoopbackPartition.create();
    assertTrue(tableExists(partition.table()));

    partition.close();

    assertFalse(tableExists(partition.table()));
  }

  @Test
  void createDeletesTableOfDeadRun() {
    long deadPid = 4_000_000;
    while (ProcessHandle.of(deadPid).isPresent()) {
      deadPid++;
    }
    String stale = LoopbackPartition.TABLE_PREFIX + deadPid;
    LoopbackPartition.nft("add table ip " + stale + "\n");
    assertTrue(tableExists(stale));

    try (LoopbackPartition partition = LoopbackPartition.create()) {
      assertFalse(tableExists(stale), "table of a dead run left in place");
      assertTrue(tableExists(partition.table()));
    }
  }

  @Test
  void cutRejectsAddressOutsideLoopback() {
    try (LoopbackPartition partition = LoopbackPartition.create()) {
      assertThrows(IllegalArgumentException.class, () -> partition.cut(List.of(A), List.of("10.0.0.1")));
      assertThrows(IllegalArgumentException.class, () -> partition.cut(List.of("localhost"), List.of(B)));
      assertThrows(IllegalArgumentException.class, () -> partition.cut(List.of(A), List.of(A)));
      assertEquals(A, LoopbackPartition.requireLoopback(A));
    }
  }
}
