package io.nereid.account;

import io.nereid.entity.WriteBatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Sends admissions and summary records to the {@link Account} entities in batches, so that
 * concurrent creates of one account share its journal writes. One instance serves a whole
 * member; the writes of each account are batched apart.
 */
public final class AccountWrites {

  /**
   * The largest batch. pekko-persistence-cassandra 1.1 stores up to {@code
   * max-message-batch-size} (100 by default) events in one Cassandra batch and splits larger
   * writes, so a batch of at most 100 stays one atomic write.
   */
  private static final int MAX_BATCH_SIZE = 100;

  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final WriteBatcher<Object, Account.Admission> batcher =
      new WriteBatcher<>(this::send, MAX_BATCH_SIZE);

  public AccountWrites(ClusterSharding sharding, Duration askTimeout) {
    this.sharding = sharding;
    this.askTimeout = askTimeout;
  }

  /** Claims the name and counts the request against the quota, as {@link Account.AdmitContainer}. */
  public CompletionStage<Account.Admission> admit(String accountId, Account.Admit admit) {
    return batcher.submit(accountId, admit);
  }

  /** Adds or replaces a container's summary, as {@link Account.RecordContainer}. */
  public CompletionStage<Done> record(String accountId, Account.ContainerSummary summary) {
    return batcher.submit(accountId, summary).thenApply(recorded -> Done.getInstance());
  }

  /** Sends one batch; each request is an {@link Account.Admit} or a summary. */
  private CompletionStage<List<Account.Admission>> send(String accountId, List<Object> requests) {
    List<Account.Admit> admits = new ArrayList<>();
    List<Account.ContainerSummary> records = new ArrayList<>();
    for (Object request : requests) {
      if (request instanceof Account.Admit admit) {
        admits.add(admit);
      } else {
        records.add((Account.ContainerSummary) request);
      }
    }
    return sharding
        .entityRefFor(Account.TYPE_KEY, accountId)
        .<Account.BatchOutcome>ask(
            replyTo -> new Account.WriteBatch(admits, records, replyTo), askTimeout)
        .thenApply(
            outcome -> {
              // Records always succeed; each admission gets its own outcome, in order.
              List<Account.Admission> results = new ArrayList<>(requests.size());
              int admitted = 0;
              for (Object request : requests) {
                results.add(
                    request instanceof Account.Admit
                        ? outcome.admissions().get(admitted++)
                        : Account.Admission.ADMITTED);
              }
              return results;
            });
  }
}
