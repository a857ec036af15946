package io.nereid.entity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WriteBatcherTest {

  /** Records the batches sent and leaves each one open until the test completes it. */
  private static final class Entity {
    final List<String> entityIds = new ArrayList<>();
    final List<List<Integer>> batches = new ArrayList<>();
    final List<CompletableFuture<List<String>>> replies = new ArrayList<>();

    synchronized CompletionStage<List<String>> send(String entityId, List<Integer> batch) {
      entityIds.add(entityId);
      batches.add(List.copyOf(batch));
      CompletableFuture<List<String>> reply = new CompletableFuture<>();
      replies.add(reply);
      return reply;
    }

    void answer(int batch) {
      List<String> results = new ArrayList<>();
      for (Integer request : batches.get(batch)) {
        results.add("r" + request);
      }
      replies.get(batch).complete(results);
    }
  }

  private static String value(CompletionStage<String> result) throws Exception {
    return result.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void loneRequestSentAtOnce() throws Exception {
    Entity entity = new Entity();
    WriteBatcher<Integer, String> batcher = new WriteBatcher<>(entity::send, 10);

    CompletionStage<String> result = batcher.submit("a", 1);

    assertEquals(List.of(List.of(1)), entity.batches);
    entity.answer(0);
    assertEquals("r1", value(result));
  }

  @Test
  void requestsWaitingForInFlightBatchGoTogether() throws Exception {
    Entity entity = new Entity();
    WriteBatcher<Integer, String> batcher = new WriteBatcher<>(entity::send, 10);
    CompletionStage<String> first = batcher.submit("a", 1);
    CompletionStage<String> second = batcher.submit("a", 2);
    CompletionStage<String> third = batcher.submit("a", 3);
    assertEquals(1, entity.batches.size(), "the others wait while the first batch is in flight");

    entity.answer(0);

    assertEquals(List.of(List.of(1), List.of(2, 3)), entity.batches);
    entity.answer(1);
    assertEquals("r1", value(first));
    assertEquals("r2", value(second));
    assertEquals("r3", value(third));
  }

  @Test
  void entitiesBatchedApart() {
    Entity entity = new Entity();
    WriteBatcher<Integer, String> batcher = new WriteBatcher<>(entity::send, 10);

    batcher.submit("a", 1);
    batcher.submit("b", 2);

    assertEquals(List.of("a", "b"), entity.entityIds);
  }

  @Test
  void batchSizeLimited() {
    Entity entity = new Entity();
    WriteBatcher<Integer, String> batcher = new WriteBatcher<>(entity::send, 2);
    for (int i = 1; i <= 5; i++) {
      batcher.submit("a", i);
    }

    entity.answer(0);
    entity.answer(1);

    assertEquals(List.of(List.of(1), List.of(2, 3), List.of(4, 5)), entity.batches);
  }

  @Test
  void failedBatchFailsItsRequestsOnly() throws Exception {
    Entity entity = new Entity();
    WriteBatcher<Integer, String> batcher = new WriteBatcher<>(entity::send, 10);
    CompletionStage<String> first = batcher.submit("a", 1);
    CompletionStage<String> second = batcher.submit("a", 2);

    entity.replies.get(0).completeExceptionally(new IllegalStateException("journal down"));
    entity.answer(1);

    ExecutionException failure = assertThrows(ExecutionException.class, () -> value(first));
    assertEquals("journal down", failure.getCause().getMessage());
    assertEquals("r2", value(second));
  }

  @Test
  void wrongResultCountFailsBatch() {
    Entity entity = new Entity();
    WriteBatcher<Integer, String> batcher = new WriteBatcher<>(entity::send, 10);
    CompletionStage<String> result = batcher.submit("a", 1);

    entity.replies.get(0).complete(List.of());

    ExecutionException failure = assertThrows(ExecutionException.class, () -> value(result));
    assertTrue(failure.getCause().getMessage().contains("returned 0 results"));
  }
}
