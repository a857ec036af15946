package io.nereid.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nereid.scheduler.placement.PlacementDecision;
import io.nereid.scheduler.placement.PlacementEngine;
import io.nereid.scheduler.placement.PlacementRequest;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.PoolView;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.junit.jupiter.api.Test;

class ContainerServiceTest {

  private static final String ID = "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b";

  @Test
  void noFitMessageDropsContainerId() {
    PlacementDecision decision =
        new PlacementEngine()
            .place(PlacementRequest.builder(ID).build(), new PoolView(PoolSettings.defaults()));

    assertEquals(
        "no node has room for the container: the pool has no nodes",
        ContainerService.withoutContainerId(ID, decision.summary()));
  }

  @Test
  void noFitMessageKeepsReasons() {
    String message =
        "no node fits container " + ID + ": memory exhausted on 2 nodes (last rejection: node n1 is full)";

    assertEquals(
        "no node has room for the container: memory exhausted on 2 nodes (last rejection: node n1 is full)",
        ContainerService.withoutContainerId(ID, message));
  }

  @Test
  void otherSchedulerMessageUnchanged() {
    String message = "invalid constraint expression: rack=";

    assertEquals(message, ContainerService.withoutContainerId(ID, message));
  }

  @Test
  void otherContainerIdUnchanged() {
    String message = "no node fits container c1: memory exhausted on 2 nodes";

    assertEquals(message, ContainerService.withoutContainerId(ID, message));
  }

  @Test
  void generatedNameRetriedWhileInUse() throws Exception {
    List<String> tried = new ArrayList<>();

    String id =
        createWithGeneratedName(
                name -> {
                  tried.add(name);
                  return tried.size() < 3 ? nameInUse(name) : CompletableFuture.completedFuture("id-" + name);
                })
            .toCompletableFuture()
            .get();

    assertEquals(3, tried.size());
    assertEquals("id-" + tried.get(2), id);
    assertTrue(tried.get(0).matches("[a-z]+_[a-z]+"), tried.get(0));
    assertTrue(tried.get(1).matches("[a-z]+_[a-z]+[0-9]"), tried.get(1));
    assertTrue(tried.get(2).matches("[a-z]+_[a-z]+[0-9]"), tried.get(2));
  }

  @Test
  void generatedNamesAllInUseFallBackToId() throws Exception {
    List<String> tried = new ArrayList<>();

    String id =
        ContainerService.createWithGeneratedName(
                "acct",
                new ContainerNames(new SecureRandom()),
                name -> {
                  tried.add(name);
                  return nameInUse(name);
                },
                () -> CompletableFuture.completedFuture("under-id"),
                0)
            .toCompletableFuture()
            .get();

    assertEquals(ContainerService.GENERATED_NAME_ATTEMPTS, tried.size());
    assertEquals("under-id", id);
  }

  @Test
  void generatedNameNotRetriedOnOtherFailure() {
    List<String> tried = new ArrayList<>();

    Throwable failure =
        failureOf(
            name -> {
              tried.add(name);
              return CompletableFuture.failedFuture(new DockerApiException(StatusCodes.FORBIDDEN, "quota exceeded"));
            });

    assertEquals(1, tried.size());
    DockerApiException error = assertInstanceOf(DockerApiException.class, failure);
    assertEquals(StatusCodes.FORBIDDEN, error.status());
  }

  private static CompletionStage<String> createWithGeneratedName(
      Function<String, CompletionStage<String>> createNamed) {
    return ContainerService.createWithGeneratedName(
        "acct",
        new ContainerNames(new SecureRandom()),
        createNamed,
        () -> CompletableFuture.failedFuture(new AssertionError("named after the id too early")),
        0);
  }

  /** Runs a create under generated names that must fail, and returns its failure. */
  private static Throwable failureOf(Function<String, CompletionStage<String>> createNamed) {
    ExecutionException failed =
        assertThrows(ExecutionException.class, () -> createWithGeneratedName(createNamed).toCompletableFuture().get());
    return failed.getCause();
  }

  /** Fails as a create does when the account has the name in use. */
  private static CompletionStage<String> nameInUse(String name) {
    return CompletableFuture.failedFuture(
        DockerApiException.conflict("Conflict. The container name \"/" + name + "\" is already in use"));
  }
}
