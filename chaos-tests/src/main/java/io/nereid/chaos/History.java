package io.nereid.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every request of a run with its acknowledgement and times, kept in memory for the checkers and
 * appended to a JSON-lines file as it happens, so a crashed run still leaves its history.
 */
final class History implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final long startNanos;
  private final List<Operation> operations = new ArrayList<>();
  private final List<Crash> crashes = new ArrayList<>();
  private final AtomicLong nextIndex = new AtomicLong();
  private final BufferedWriter writer;

  History(Path file) {
    this.startNanos = System.nanoTime();
    try {
      Files.createDirectories(file.getParent());
      this.writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write history " + file, e);
    }
  }

  /**
   * A compute node whose member was killed at {@code atMs}: the processes of its containers are
   * gone, so a container that ran there may have exited.
   */
  record Crash(String nodeId, long atMs) {}

  private History(List<Operation> operations, List<Crash> crashes) {
    this.startNanos = System.nanoTime();
    this.operations.addAll(operations);
    this.crashes.addAll(crashes);
    this.writer = null;
  }

  /** Creates a history of {@code operations} only, for the checkers' tests; it writes no file. */
  static History of(List<Operation> operations) {
    return new History(operations, List.of());
  }

  /** Creates a history with crashes, for the checkers' tests; it writes no file. */
  static History of(List<Operation> operations, List<Crash> crashes) {
    return new History(operations, crashes);
  }

  /** Returns milliseconds since the run began. */
  long now() {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  long nextIndex() {
    return nextIndex.getAndIncrement();
  }

  synchronized void record(Operation operation) {
    operations.add(operation);
    if (writer != null) {
      try {
        writer.write(JSON.writeValueAsString(toJson(operation)));
        writer.newLine();
        writer.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot append to the history", e);
      }
    }
  }

  /** Records a fault or a heal, as a line of its own in the file. */
  synchronized void note(String event, long atMs) {
    if (writer != null) {
      try {
        ObjectNode line = JSON.createObjectNode().put("event", event).put("atMs", atMs);
        writer.write(JSON.writeValueAsString(line));
        writer.newLine();
        writer.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot append to the history", e);
      }
    }
  }

  synchronized void recordCrash(String nodeId, long atMs) {
    crashes.add(new Crash(nodeId, atMs));
    note("crash of node " + nodeId, atMs);
  }

  synchronized List<Crash> crashes() {
    return List.copyOf(crashes);
  }

  /** Returns the operations ordered by the time they were sent. */
  synchronized List<Operation> operations() {
    List<Operation> sorted = new ArrayList<>(operations);
    sorted.sort(Comparator.comparingLong(Operation::startMs).thenComparingLong(Operation::index));
    return sorted;
  }

  private static ObjectNode toJson(Operation operation) {
    return JSON.createObjectNode()
        .put("index", operation.index())
        .put("client", operation.client())
        .put("type", operation.type().name())
        .put("containerId", operation.containerId())
        .put("member", operation.member())
        .put("startMs", operation.startMs())
        .put("endMs", operation.endMs())
        .put("outcome", operation.outcome().name())
        .put("status", operation.status())
        .put("kind", operation.kind())
        .put("detail", operation.detail());
  }

  @Override
  public synchronized void close() {
    if (writer != null) {
      try {
        writer.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot close the history", e);
      }
    }
  }
}
