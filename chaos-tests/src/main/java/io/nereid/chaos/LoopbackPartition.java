package io.nereid.chaos;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Network partitions between cluster members that each bind their own loopback address, made
 * with an nftables table of this test JVM. The table drops, on arrival, every IPv4 packet on
 * {@code lo} whose source is on one side of the cut and whose destination is on the other. Its
 * two address sets accept only 127.0.0.0/8 addresses, so no rule can match traffic that leaves
 * the machine, and traffic from or to an address in neither set (Cassandra, the harness's HTTP
 * clients, other programs) passes.
 *
 * <p>The table is named after this JVM's pid. {@link #create()} first deletes the tables left by
 * earlier runs whose JVM no longer exists, and {@link #close()} deletes this one; the cluster
 * calls it in its own close, which its shutdown hook also runs.
 */
final class LoopbackPartition implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LoopbackPartition.class);
  static final String TABLE_PREFIX = "nereid_chaos_";
  private static final Pattern TABLE_LINE = Pattern.compile("^table ip (" + TABLE_PREFIX + "(\\d+))$");

  private final String table;
  private boolean closed;

  private LoopbackPartition(String table) {
    this.table = table;
  }

  /** Deletes leftovers of crashed runs, then creates this JVM's table with empty sets. */
  static LoopbackPartition create() {
    deleteStaleTables();
    LoopbackPartition partition = new LoopbackPartition(TABLE_PREFIX + ProcessHandle.current().pid());
    String tableBody =
        String.join(
            "\n",
            "table ip " + partition.table + " {",
            "  set side_a { type ipv4_addr; }",
            "  set side_b { type ipv4_addr; }",
            "  chain input {",
            "    type filter hook input priority 0; policy accept;",
            "    iifname \"lo\" ip saddr @side_a ip daddr @side_b drop",
            "    iifname \"lo\" ip saddr @side_b ip daddr @side_a drop",
            "  }",
            "}",
            "");
    // Deleting first makes the create idempotent, so a table of a recycled pid is replaced.
    nft("add table ip " + partition.table + "\ndelete table ip " + partition.table + "\n" + tableBody);
    log.info("partition table created table={}", partition.table);
    return partition;
  }

  String table() {
    return table;
  }

  /**
   * Cuts every address of {@code sideA} off from every address of {@code sideB}, in both
   * directions, replacing any earlier cut in one atomic nft transaction.
   */
  synchronized void cut(Collection<String> sideA, Collection<String> sideB) {
    if (sideA.isEmpty() || sideB.isEmpty()) {
      throw new IllegalArgumentException("a cut needs addresses on both sides, got " + sideA + " and " + sideB);
    }
    for (String address : sideA) {
      if (sideB.contains(address)) {
        throw new IllegalArgumentException(address + " is on both sides of the cut");
      }
    }
    StringBuilder script = new StringBuilder(flushScript());
    script.append("add element ip ").append(table).append(" side_a { ").append(elements(sideA)).append(" }\n");
    script.append("add element ip ").append(table).append(" side_b { ").append(elements(sideB)).append(" }\n");
    nft(script.toString());
    log.info("partition cut table={} side_a={} side_b={}", table, sideA, sideB);
  }

  /** Removes the cut. The table stays for the next one. */
  synchronized void heal() {
    if (closed) {
      return;
    }
    nft(flushScript());
    log.info("partition healed table={}", table);
  }

  /** Deletes the table. Safe to call twice and from a shutdown hook. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    deleteTable(table);
  }

  private String flushScript() {
    return "flush set ip " + table + " side_a\nflush set ip " + table + " side_b\n";
  }

  /** Returns the addresses as an nft element list, after checking that each is a loopback one. */
  private static String elements(Collection<String> addresses) {
    List<String> checked = new ArrayList<>();
    for (String address : addresses) {
      checked.add(requireLoopback(address));
    }
    return String.join(", ", checked);
  }

  /** Returns {@code address} when it is a literal IPv4 address in 127.0.0.0/8, else throws. */
  static String requireLoopback(String address) {
    if (!address.matches("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
      throw new IllegalArgumentException("expected a literal IPv4 address, got \"" + address + "\"");
    }
    try {
      byte[] bytes = InetAddress.getByName(address).getAddress();
      if (bytes.length != 4 || bytes[0] != 127) {
        throw new IllegalArgumentException(address + " is outside 127.0.0.0/8; partitions cut loopback only");
      }
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("invalid address \"" + address + "\"", e);
    }
    return address;
  }

  /** Deletes every table of this class whose JVM is gone, such as one killed with SIGKILL. */
  static void deleteStaleTables() {
    for (String line : nft("list tables").split("\n")) {
      Matcher matcher = TABLE_LINE.matcher(line.trim());
      if (!matcher.matches()) {
        continue;
      }
      long pid = Long.parseLong(matcher.group(2));
      if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).isEmpty()) {
        log.info("deleting partition table of an earlier run table={}", matcher.group(1));
        deleteTable(matcher.group(1));
      }
    }
  }

  private static void deleteTable(String name) {
    try {
      nft("delete table ip " + name + "\n");
      log.info("partition table deleted table={}", name);
    } catch (IllegalStateException e) {
      log.warn("partition table not deleted table={} error={}", name, e.getMessage());
    }
  }

  /** Runs {@code nft -f -} with {@code script} on its standard input and returns its output. */
  static String nft(String script) {
    Process process;
    try {
      process = new ProcessBuilder("nft", "-f", "-").redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot run nft, which partitions need; install it with apt-get install nftables", e);
    }
    try {
      process.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().close();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("nft timed out after 30 s running: " + script);
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            "nft failed with exit code " + process.exitValue() + ": " + output.trim() + "; script: " + script);
      }
      return output;
    } catch (IOException e) {
      throw new IllegalStateException("failed to pass the script to nft or read its output", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running nft", e);
    }
  }
}
