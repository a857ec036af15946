package io.nereid.agent;

import io.nereid.runtime.LogEntry;
import io.nereid.runtime.OutputListener;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The clients attached to one container: each gets the output live from the moment it attached,
 * and a client that attached while the container was not running gets it from the next start.
 * A client's output stream ends when the container exits. Stdin that clients send before the
 * container runs waits until it runs, because {@code docker run -i} sends stdin before the start.
 *
 * <p>Output never waits for a slow client: each client has a buffer of {@link #BUFFERED_CHUNKS}
 * chunks, and a client whose buffer is full is disconnected with an error.
 */
final class AttachHub implements OutputListener {

  static final int BUFFERED_CHUNKS = 256;

  private final String containerId;
  private final Set<BoundedSourceQueue<NodeAgent.OutputChunk>> clients = ConcurrentHashMap.newKeySet();
  private volatile CompletableFuture<Void> running = new CompletableFuture<>();

  AttachHub(String containerId) {
    this.containerId = containerId;
  }

  /** Returns the output stream of a newly attached client. */
  Source<NodeAgent.OutputChunk, NotUsed> attach(ActorSystem<?> system) {
    Pair<BoundedSourceQueue<NodeAgent.OutputChunk>, Source<NodeAgent.OutputChunk, NotUsed>> queue =
        Source.<NodeAgent.OutputChunk>queue(BUFFERED_CHUNKS).preMaterialize(system);
    clients.add(queue.first());
    return queue.second();
  }

  /** Marks the container as running, which lets held stdin through. */
  void started() {
    running.complete(null);
  }

  /** Returns a stage that completes once the container runs. */
  CompletionStage<Void> whenRunning() {
    return running;
  }

  @Override
  public void output(LogEntry.Stream stream, byte[] bytes) {
    NodeAgent.OutputChunk chunk = new NodeAgent.OutputChunk(stream == LogEntry.Stream.STDERR, bytes, null);
    for (BoundedSourceQueue<NodeAgent.OutputChunk> client : clients) {
      if (!offer(client, chunk, containerId)) {
        clients.remove(client);
      }
    }
  }

  /**
   * Offers a chunk to a client's buffer; returns false, after failing the client's stream, when
   * the buffer is full or the client is gone.
   */
  static boolean offer(BoundedSourceQueue<NodeAgent.OutputChunk> client, NodeAgent.OutputChunk chunk, String containerId) {
    QueueOfferResult result = client.offer(chunk);
    if (result == QueueOfferResult.enqueued()) {
      return true;
    }
    try {
      client.fail(new IOException("a client of container " + containerId + " reads too slowly or is gone; disconnected"));
    } catch (IllegalStateException closed) {
      // The client went away and its stream is closed already.
    }
    return false;
  }

  /**
   * Ends a client's stream. A client that went away, such as a killed docker attach, has closed
   * it already, so the call ignores the exception that would stop the output-reading thread.
   */
  static void complete(BoundedSourceQueue<NodeAgent.OutputChunk> client) {
    try {
      client.complete();
    } catch (IllegalStateException closed) {
      // Nothing is left to end.
    }
  }

  @Override
  public void ended() {
    running = new CompletableFuture<>();
    for (BoundedSourceQueue<NodeAgent.OutputChunk> client : clients) {
      clients.remove(client);
      complete(client);
    }
  }

  /** Ends every client's output, as when the container is removed. */
  void close() {
    ended();
  }
}
