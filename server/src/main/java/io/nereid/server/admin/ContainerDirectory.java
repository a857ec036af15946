package io.nereid.server.admin;

import io.nereid.account.Account;
import io.nereid.container.Container;
import io.nereid.container.ContainerStatus;
import io.nereid.entity.EntityIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/**
 * Finds containers across every account: by full id straight from the container entity, so a
 * removed container is found too, or by name or unique id prefix through the accounts'
 * container summaries.
 */
final class ContainerDirectory {

  private static final Pattern FULL_ID = Pattern.compile("[0-9a-f]{64}");

  /** One container summary and the account that owns the container. */
  record Entry(String account, Account.ContainerSummary summary) {}

  private final ClusterSharding sharding;
  private final EntityIds entityIds;
  private final Duration askTimeout;

  ContainerDirectory(ClusterSharding sharding, EntityIds entityIds, Duration askTimeout) {
    this.sharding = sharding;
    this.entityIds = entityIds;
    this.askTimeout = askTimeout;
  }

  /** Returns the ids of every account that has ever persisted an event, sorted. */
  CompletionStage<List<String>> accounts() {
    return entityIds.of(Account.TYPE_KEY.name());
  }

  /** Returns the containers of every account, by account, then oldest first. */
  CompletionStage<List<Entry>> entries() {
    return accounts()
        .thenCompose(
            accounts -> {
              List<CompletableFuture<List<Entry>>> lists = new ArrayList<>();
              for (String account : accounts) {
                lists.add(entries(account).toCompletableFuture());
              }
              return CompletableFuture.allOf(lists.toArray(CompletableFuture[]::new))
                  .thenApply(
                      done ->
                          lists.stream().flatMap(list -> list.join().stream()).toList());
            });
  }

  CompletionStage<List<Entry>> entries(String account) {
    return sharding
        .entityRefFor(Account.TYPE_KEY, account)
        .ask(Account.ListContainers::new, askTimeout)
        .thenApply(
            list ->
                list.containers().stream().map(summary -> new Entry(account, summary)).toList());
  }

  CompletionStage<Container.State> state(String containerId) {
    return sharding.entityRefFor(Container.TYPE_KEY, containerId).ask(Container.Get::new, askTimeout);
  }

  /**
   * Resolves a full id, a name or a unique id prefix to the container's state. Fails with
   * {@link AdminApiException}: 404 when nothing matches, 409 when a name or prefix matches
   * containers in several accounts or several containers.
   */
  CompletionStage<Container.State> find(String reference) {
    if (FULL_ID.matcher(reference).matches()) {
      return state(reference)
          .thenCompose(
              state ->
                  state.status() == ContainerStatus.NEW
                      ? findListed(reference)
                      : CompletableFuture.completedFuture(state));
    }
    return findListed(reference);
  }

  private CompletionStage<Container.State> findListed(String reference) {
    String name = reference.startsWith("/") ? reference.substring(1) : reference;
    return entries()
        .thenCompose(
            entries -> {
              List<Entry> byName =
                  entries.stream().filter(entry -> entry.summary().name().equals(name)).toList();
              List<Entry> matches =
                  byName.isEmpty()
                      ? entries.stream()
                          .filter(
                              entry ->
                                  !reference.isEmpty()
                                      && entry.summary().containerId().startsWith(reference))
                          .toList()
                      : byName;
              if (matches.isEmpty()) {
                return CompletableFuture.failedFuture(
                    new AdminApiException(
                        StatusCodes.NOT_FOUND, "no such container: " + reference));
              }
              if (matches.size() > 1) {
                return CompletableFuture.failedFuture(
                    new AdminApiException(
                        StatusCodes.CONFLICT,
                        "\""
                            + reference
                            + "\" matches "
                            + matches.size()
                            + " containers: "
                            + matches.stream()
                                .map(entry -> entry.account() + "/" + entry.summary().containerId())
                                .toList()
                            + "; use the full id"));
              }
              return state(matches.get(0).summary().containerId());
            });
  }
}
