package io.nereid.server.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.nereid.account.Account;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/** The account routes of the admin API: list accounts, read one, set its quota. */
final class AccountRoutes extends AllDirectives {

  /**
   * The body of {@code PUT /v1/accounts/{id}/quota}; a missing or null limit means no limit.
   *
   * @param cpus the sum of the containers' CPU limits, in cores
   */
  record QuotaRequest(Long containers, Long memoryBytes, Double cpus) {

    Account.Quota toQuota() {
      if (cpus != null && (cpus < 0 || cpus.isNaN())) {
        throw new IllegalArgumentException("cpus must not be negative, got " + cpus);
      }
      Long cpuMillis = cpus == null ? null : Math.round(cpus * 1000);
      return new Account.Quota(containers, memoryBytes, cpuMillis);
    }
  }

  private final ClusterSharding sharding;
  private final ContainerDirectory directory;
  private final Duration askTimeout;

  AccountRoutes(ClusterSharding sharding, ContainerDirectory directory, Duration askTimeout) {
    this.sharding = sharding;
    this.directory = directory;
    this.askTimeout = askTimeout;
  }

  Route routes() {
    return concat(
        path("accounts", () -> get(this::list)),
        path(
            PathMatchers.segment("accounts").slash(PathMatchers.segment()),
            accountId -> get(() -> account(accountId))),
        path(
            PathMatchers.segment("accounts").slash(PathMatchers.segment()).slash("quota"),
            accountId ->
                put(() -> entity(Unmarshaller.entityToString(), body -> setQuota(accountId, body)))));
  }

  private Route list() {
    CompletionStage<List<Map<String, Object>>> views =
        directory
            .accounts()
            .thenCompose(
                ids -> {
                  List<CompletableFuture<Map<String, Object>>> asks = new ArrayList<>();
                  for (String id : ids) {
                    asks.add(state(id).thenApply(state -> view(id, state)).toCompletableFuture());
                  }
                  return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
                      .thenApply(done -> asks.stream().map(CompletableFuture::join).toList());
                });
    return onSuccess(views, list -> complete(Json.ok(list)));
  }

  /** Returns one account with its containers; 404 for an account that never persisted anything. */
  private Route account(String accountId) {
    CompletionStage<Map<String, Object>> view =
        directory
            .accounts()
            .thenCompose(
                ids -> {
                  if (!ids.contains(accountId)) {
                    return CompletableFuture.failedFuture(
                        new AdminApiException(
                            StatusCodes.NOT_FOUND, "no such account: " + accountId));
                  }
                  return state(accountId);
                })
            .thenCompose(
                state ->
                    directory
                        .entries(accountId)
                        .thenApply(
                            entries -> {
                              Map<String, Object> body = view(accountId, state);
                              body.put(
                                  "containers",
                                  entries.stream().map(ContainerRoutes::summaryView).toList());
                              return body;
                            }));
    return onSuccess(view, body -> complete(Json.ok(body)));
  }

  /**
   * Replaces an account's quota, creating the account when it has none yet, so an operator can
   * set a quota before the tenant's first container. Usage above a lowered quota stays; only new
   * containers are rejected.
   */
  private Route setQuota(String accountId, String body) {
    Account.Quota quota;
    try {
      quota = Json.MAPPER.readValue(body, QuotaRequest.class).toQuota();
    } catch (com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
      return complete(
          Json.error(
              StatusCodes.BAD_REQUEST,
              "invalid quota: unknown field \""
                  + e.getPropertyName()
                  + "\", use containers, memoryBytes and cpus"));
    } catch (JsonProcessingException e) {
      return complete(
          Json.error(
              StatusCodes.BAD_REQUEST,
              "invalid JSON: expected {\"containers\": N, \"memoryBytes\": N, \"cpus\": N}, each"
                  + " optional: "
                  + e.getOriginalMessage()));
    } catch (IllegalArgumentException e) {
      return complete(Json.error(StatusCodes.BAD_REQUEST, "invalid quota: " + e.getMessage()));
    }
    CompletionStage<Account.State> changed =
        sharding
            .entityRefFor(Account.TYPE_KEY, accountId)
            .ask(replyTo -> new Account.SetQuota(quota, replyTo), askTimeout);
    return onSuccess(changed, state -> complete(Json.ok(view(accountId, state))));
  }

  private CompletionStage<Account.State> state(String accountId) {
    return sharding.entityRefFor(Account.TYPE_KEY, accountId).ask(Account.Get::new, askTimeout);
  }

  private static Map<String, Object> view(String accountId, Account.State state) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("id", accountId);
    Account.Quota quota = state.quota();
    Map<String, Object> limits = new LinkedHashMap<>();
    limits.put("containers", quota.containers());
    limits.put("memoryBytes", quota.memoryBytes());
    limits.put("cpus", quota.cpuMillis() == null ? null : quota.cpuMillis() / 1000.0);
    view.put("quota", limits);
    Account.Usage usage = state.usage();
    Map<String, Object> used = new LinkedHashMap<>();
    used.put("containers", usage.containers());
    used.put("memoryBytes", usage.memoryBytes());
    used.put("cpus", usage.cpuMillis() / 1000.0);
    view.put("usage", used);
    return view;
  }
}
