package io.nereid.entity;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;

/**
 * Groups the requests for one entity into batches, with at most one batch in flight per entity.
 *
 * <p>An event-sourced entity persists one command at a time and stashes the rest until the
 * journal acknowledges the write, so a busy entity does one journal round trip per request.
 * Requests sent through this class while a batch is in flight wait here instead, and go to the
 * entity together as the next batch, which the entity persists in one write. A lone request goes
 * out at once, so batching adds no delay when the entity is idle.
 *
 * <p>Thread-safe. Results complete on the thread that completes the batch's future.
 *
 * @param <I> a request
 * @param <R> the result of one request
 */
public final class WriteBatcher<I, R> {

  private final BiFunction<String, List<I>, CompletionStage<List<R>>> sendBatch;
  private final int maxBatchSize;
  private final Map<String, Lane> lanes = new HashMap<>();

  /**
   * @param sendBatch sends a batch to the entity with the given id. Its future returns one result
   *     per request, in order, or fails for the whole batch.
   * @param maxBatchSize the largest batch sent. More waiting requests go in the batches after it.
   */
  public WriteBatcher(
      BiFunction<String, List<I>, CompletionStage<List<R>>> sendBatch, int maxBatchSize) {
    if (maxBatchSize < 1) {
      throw new IllegalArgumentException("maxBatchSize must be at least 1, was " + maxBatchSize);
    }
    this.sendBatch = sendBatch;
    this.maxBatchSize = maxBatchSize;
  }

  /** Sends a request to the entity in the next batch; the future returns its result. */
  public CompletionStage<R> submit(String entityId, I request) {
    Pending<I, R> pending = new Pending<>(request, new CompletableFuture<>());
    List<Pending<I, R>> batch;
    synchronized (lanes) {
      Lane lane = lanes.computeIfAbsent(entityId, id -> new Lane());
      lane.waiting.add(pending);
      batch = lane.inFlight ? List.of() : lane.takeBatch();
    }
    if (!batch.isEmpty()) {
      send(entityId, batch);
    }
    return pending.result();
  }

  private void send(String entityId, List<Pending<I, R>> batch) {
    List<I> requests = new ArrayList<>(batch.size());
    for (Pending<I, R> pending : batch) {
      requests.add(pending.request());
    }
    CompletionStage<List<R>> sent;
    try {
      sent = sendBatch.apply(entityId, requests);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete(
        (results, error) -> {
          complete(batch, results, error);
          sendNext(entityId);
        });
  }

  private void complete(List<Pending<I, R>> batch, List<R> results, Throwable error) {
    if (error == null && results.size() != batch.size()) {
      error =
          new IllegalStateException(
              "batch of " + batch.size() + " requests returned " + results.size() + " results");
    }
    for (int i = 0; i < batch.size(); i++) {
      if (error != null) {
        batch.get(i).result().completeExceptionally(error);
      } else {
        batch.get(i).result().complete(results.get(i));
      }
    }
  }

  private void sendNext(String entityId) {
    List<Pending<I, R>> next;
    synchronized (lanes) {
      Lane lane = lanes.get(entityId);
      if (lane.waiting.isEmpty()) {
        lanes.remove(entityId);
        return;
      }
      next = lane.takeBatch();
    }
    send(entityId, next);
  }

  private record Pending<I, R>(I request, CompletableFuture<R> result) {}

  /** The requests of one entity: those waiting and whether a batch is in flight. */
  private final class Lane {
    final ArrayDeque<Pending<I, R>> waiting = new ArrayDeque<>();
    boolean inFlight;

    List<Pending<I, R>> takeBatch() {
      List<Pending<I, R>> batch = new ArrayList<>(Math.min(waiting.size(), maxBatchSize));
      while (!waiting.isEmpty() && batch.size() < maxBatchSize) {
        batch.add(waiting.poll());
      }
      inFlight = true;
      return batch;
    }
  }
}
