package io.nereid.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nereid.entity.JournalTestKit;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AccountTest {

  private static JournalTestKit kit;

  @BeforeAll
  static void start() {
    kit = JournalTestKit.start("AccountTest", 4);
  }

  @AfterAll
  static void stop() {
    kit.shutdown();
  }

  private ActorRef<Account.Command> spawn(String accountId) {
    return kit.testKit.spawn(Account.create(accountId, kit.settings));
  }

  private StatusReply<Done> claim(ActorRef<Account.Command> account, String name, String id) {
    TestProbe<StatusReply<Done>> probe = kit.testKit.createTestProbe();
    account.tell(new Account.ClaimName(name, id, probe.ref()));
    return probe.receiveMessage();
  }

  private void record(ActorRef<Account.Command> account, Account.ContainerSummary summary) {
    TestProbe<StatusReply<Done>> probe = kit.testKit.createTestProbe();
    account.tell(new Account.RecordContainer(summary, probe.ref()));
    assertTrue(probe.receiveMessage().isSuccess());
  }

  private Optional<String> resolve(ActorRef<Account.Command> account, String name) {
    TestProbe<Account.NameResolution> probe = kit.testKit.createTestProbe();
    account.tell(new Account.ResolveName(name, probe.ref()));
    return probe.receiveMessage().containerId();
  }

  private List<Account.ContainerSummary> list(ActorRef<Account.Command> account) {
    TestProbe<Account.ContainerList> probe = kit.testKit.createTestProbe();
    account.tell(new Account.ListContainers(probe.ref()));
    return probe.receiveMessage().containers();
  }

  private static Account.ContainerSummary summary(String id, String name, long createdSecond) {
    return new Account.ContainerSummary(
        id, name, "busybox", "created", "n1", Map.of(), Instant.ofEpochSecond(createdSecond), "sh",
        0, Instant.EPOCH, Instant.EPOCH);
  }

  private Account.ContainerLookup find(ActorRef<Account.Command> account, String reference) {
    TestProbe<Account.ContainerLookup> probe = kit.testKit.createTestProbe();
    account.tell(new Account.FindContainer(reference, probe.ref()));
    return probe.receiveMessage();
  }

  @Test
  void findResolvesIdNameAndPrefix() {
    ActorRef<Account.Command> account = spawn("find-1");
    Account.ContainerSummary web = summary("abc123", "web", 1);
    Account.ContainerSummary db = summary("abd456", "db", 2);
    for (Account.ContainerSummary container : List.of(web, db)) {
      assertTrue(claim(account, container.name(), container.containerId()).isSuccess());
      record(account, container);
    }

    assertEquals(web, find(account, "abc123").found());
    assertEquals(web, find(account, "web").found());
    assertEquals(web, find(account, "/web").found());
    assertEquals(db, find(account, "abd").found());
    assertNull(find(account, "ab").found(), "a prefix of two ids names neither");
    assertEquals(2, find(account, "ab").prefixMatches());
    assertNull(find(account, "zzz").found());
    assertEquals(0, find(account, "zzz").prefixMatches());
    assertNull(find(account, "").found(), "an empty reference is no prefix");
  }

  @Test
  void commandListedAsDocker() {
    assertEquals("sh -c 'exit 3'", Account.ContainerSummary.commandLine(List.of("sh", "-c", "exit 3")));
    assertEquals("/opt/my tool run", Account.ContainerSummary.commandLine(List.of("/opt/my tool", "run")));
    assertEquals("", Account.ContainerSummary.commandLine(List.of()));
  }

  @Test
  void duplicateNameRejected() {
    ActorRef<Account.Command> account = spawn("names-1");
    assertTrue(claim(account, "web", "id-1").isSuccess());

    StatusReply<Done> conflict = claim(account, "web", "id-2");

    assertEquals(
        "Conflict. The container name \"/web\" is already in use by container \"id-1\". You have"
            + " to remove (or rename) that container to be able to reuse that name.",
        conflict.getError().getMessage());
    assertEquals(Optional.of("id-1"), resolve(account, "web"));
  }

  @Test
  void repeatedClaimAppliedOnce() {
    ActorRef<Account.Command> account = spawn("names-2");

    assertTrue(claim(account, "db", "id-1").isSuccess());
    assertTrue(claim(account, "db", "id-1").isSuccess());

    assertEquals(1, kit.events("Account|names-2").size());
  }

  @Test
  void releasedNameCanBeClaimedAgain() {
    ActorRef<Account.Command> account = spawn("names-3");
    claim(account, "job", "id-1");

    TestProbe<StatusReply<Done>> probe = kit.testKit.createTestProbe();
    account.tell(new Account.ReleaseName("job", "other-id", probe.ref()));
    assertTrue(probe.receiveMessage().isSuccess());
    assertEquals(Optional.of("id-1"), resolve(account, "job"), "only the holder releases a name");

    account.tell(new Account.ReleaseName("job", "id-1", probe.ref()));
    assertTrue(probe.receiveMessage().isSuccess());
    assertTrue(claim(account, "job", "id-2").isSuccess());
  }

  @Test
  void summariesListedOldestFirst() {
    ActorRef<Account.Command> account = spawn("list-1");
    claim(account, "second", "id-b");
    claim(account, "first", "id-a");
    claim(account, "third", "id-c");
    record(account, summary("id-b", "second", 20));
    record(account, summary("id-a", "first", 10));
    record(account, summary("id-c", "third", 30));

    List<String> ids = list(account).stream().map(Account.ContainerSummary::containerId).toList();

    assertEquals(List.of("id-a", "id-b", "id-c"), ids);
  }

  @Test
  void forgetDropsSummaryAndName() {
    ActorRef<Account.Command> account = spawn("forget-1");
    claim(account, "tmp", "id-1");
    record(account, summary("id-1", "tmp", 1));

    TestProbe<StatusReply<Done>> probe = kit.testKit.createTestProbe();
    account.tell(new Account.ForgetContainer("id-1", probe.ref()));
    assertTrue(probe.receiveMessage().isSuccess());

    assertEquals(List.of(), list(account));
    assertEquals(Optional.empty(), resolve(account, "tmp"));
  }

  @Test
  void summaryOfUnclaimedNameNotListed() {
    ActorRef<Account.Command> account = spawn("unclaimed-1");
    claim(account, "web", "id-1");

    record(account, summary("id-2", "web", 1));
    record(account, summary("id-3", "db", 1));

    assertEquals(List.of(), list(account));
  }

  @Test
  void lateSummariesAfterForgetNotListed() {
    ActorRef<Account.Command> account = spawn("forget-2");
    claim(account, "tmp", "id-1");
    record(account, summary("id-1", "tmp", 1));
    TestProbe<StatusReply<Done>> probe = kit.testKit.createTestProbe();
    account.tell(new Account.ForgetContainer("id-1", probe.ref()));
    assertTrue(probe.receiveMessage().isSuccess());

    // A summary read before the container was forgotten, as a start reads one, and its removal.
    record(account, summary("id-1", "tmp", 2));
    record(
        account,
        new Account.ContainerSummary(
            "id-1", "tmp", "busybox", "removed", "n1", Map.of(), Instant.ofEpochSecond(1), "sh",
            0, Instant.EPOCH, Instant.EPOCH));

    assertEquals(List.of(), list(account));
  }

  @Test
  void renameMovesNameAndSummary() {
    ActorRef<Account.Command> account = spawn("rename-1");
    claim(account, "old", "id-1");
    record(account, summary("id-1", "old", 1));
    claim(account, "taken", "id-2");

    StatusReply<Done> conflict = rename(account, "id-1", "old", "taken");
    StatusReply<Done> renamed = rename(account, "id-1", "old", "new");

    assertTrue(conflict.isError());
    assertTrue(conflict.getError().getMessage().contains("\"/taken\" is already in use by container \"id-2\""));
    assertTrue(renamed.isSuccess());
    assertEquals(Optional.empty(), resolve(account, "old"));
    assertEquals(Optional.of("id-1"), resolve(account, "new"));
    assertEquals("new", list(account).get(0).name());
    kit.testKit.stop(account);
    assertEquals(Optional.of("id-1"), resolve(spawn("rename-1"), "new"), "the rename survives recovery");
  }

  private StatusReply<Done> rename(
      ActorRef<Account.Command> account, String id, String oldName, String newName) {
    TestProbe<StatusReply<Done>> probe = kit.testKit.createTestProbe();
    account.tell(new Account.RenameContainer(id, oldName, newName, probe.ref()));
    return probe.receiveMessage();
  }

  @Test
  void recoversFromJournalAndSnapshot() {
    ActorRef<Account.Command> account = spawn("recover-1");
    for (int i = 0; i < 6; i++) {
      claim(account, "c" + i, "id-" + i);
      record(account, summary("id-" + i, "c" + i, i));
    }
    List<Account.ContainerSummary> before = list(account);
    kit.testKit.stop(account);

    ActorRef<Account.Command> recovered = spawn("recover-1");

    assertEquals(before, list(recovered));
    assertEquals(Optional.of("id-5"), resolve(recovered, "c5"));
    assertTrue(kit.snapshotCount("Account|recover-1") > 0, "a snapshot was saved");
  }

  /** Longer than the probes' default, because a write to a loaded shared Cassandra can take seconds. */
  private static final java.time.Duration REPLY_TIMEOUT = java.time.Duration.ofSeconds(15);

  private Account.Admission admit(
      ActorRef<Account.Command> account, String name, String id, long memoryBytes, long cpuMillis) {
    TestProbe<Account.Admission> probe = kit.testKit.createTestProbe();
    account.tell(
        new Account.AdmitContainer(
            name, id, new Account.ResourceRequest(memoryBytes, cpuMillis), probe.ref()));
    return probe.receiveMessage(REPLY_TIMEOUT);
  }

  private Account.State setQuota(ActorRef<Account.Command> account, Account.Quota quota) {
    TestProbe<Account.State> probe = kit.testKit.createTestProbe();
    account.tell(new Account.SetQuota(quota, probe.ref()));
    return probe.receiveMessage(REPLY_TIMEOUT);
  }

  private Account.State get(ActorRef<Account.Command> account) {
    TestProbe<Account.State> probe = kit.testKit.createTestProbe();
    account.tell(new Account.Get(probe.ref()));
    return probe.receiveMessage(REPLY_TIMEOUT);
  }

  @Test
  void containerQuotaRejectsOneMore() {
    ActorRef<Account.Command> account = spawn("quota-count");
    setQuota(account, new Account.Quota(2L, null, null));
    assertEquals(Account.Admission.Outcome.ADMITTED, admit(account, "a", "id-a", 0, 0).outcome());
    assertEquals(Account.Admission.Outcome.ADMITTED, admit(account, "b", "id-b", 0, 0).outcome());

    Account.Admission third = admit(account, "c", "id-c", 0, 0);

    assertEquals(Account.Admission.Outcome.QUOTA_EXCEEDED, third.outcome());
    assertEquals(
        "quota exceeded for account quota-count: 2 of 2 containers in use; remove a container or"
            + " ask an operator to raise the quota",
        third.message());
    assertEquals(Optional.empty(), resolve(account, "c"));
  }

  @Test
  void memoryAndCpuQuotaCountRequests() {
    ActorRef<Account.Command> account = spawn("quota-resources");
    setQuota(account, new Account.Quota(null, 1024L << 20, 2000L));
    admit(account, "a", "id-a", 768L << 20, 1500);

    Account.Admission memory = admit(account, "b", "id-b", 512L << 20, 0);
    Account.Admission cpu = admit(account, "c", "id-c", 256L << 20, 1000);
    Account.Admission fits = admit(account, "d", "id-d", 256L << 20, 500);

    assertEquals(
        "quota exceeded for account quota-resources: the container requests 512 MiB of memory"
            + " and 768 MiB of the 1024 MiB memory quota are in use; remove a container or ask an"
            + " operator to raise the quota",
        memory.message());
    assertEquals(
        "quota exceeded for account quota-resources: the container requests 1.0 CPUs and 1.5 of"
            + " the 2.0 CPU quota are in use; remove a container or ask an operator to raise the"
            + " quota",
        cpu.message());
    assertEquals(Account.Admission.Outcome.ADMITTED, fits.outcome());
    assertEquals(new Account.Usage(2, 1024L << 20, 2000), get(account).usage());
  }

  @Test
  void forgottenContainerFreesQuota() {
    ActorRef<Account.Command> account = spawn("quota-forget");
    setQuota(account, new Account.Quota(1L, 256L << 20, null));
    admit(account, "a", "id-a", 256L << 20, 0);
    TestProbe<StatusReply<Done>> probe = kit.testKit.createTestProbe();
    account.tell(new Account.ForgetContainer("id-a", probe.ref()));
    assertTrue(probe.receiveMessage().isSuccess());

    Account.Admission again = admit(account, "a", "id-b", 256L << 20, 0);

    assertEquals(Account.Admission.Outcome.ADMITTED, again.outcome());
  }

  @Test
  void admitReportsNameInUse() {
    ActorRef<Account.Command> account = spawn("quota-names");
    admit(account, "web", "id-1", 0, 0);

    Account.Admission repeated = admit(account, "web", "id-1", 0, 0);
    Account.Admission taken = admit(account, "web", "id-2", 0, 0);

    assertEquals(Account.Admission.Outcome.ADMITTED, repeated.outcome());
    assertEquals(Account.Admission.Outcome.NAME_IN_USE, taken.outcome());
    assertTrue(taken.message().startsWith("Conflict. The container name \"/web\""), taken.message());
  }

  @Test
  void quotaAndRequestsRecovered() {
    ActorRef<Account.Command> account = spawn("quota-recover");
    Account.Quota quota = new Account.Quota(5L, 4L << 30, 3000L);
    setQuota(account, quota);
    for (int i = 0; i < 6; i++) {
      admit(account, "c" + i, "id-" + i, 0, 100);
    }
    Account.State before = get(account);
    kit.testKit.stop(account);

    Account.State recovered = get(spawn("quota-recover"));

    assertEquals(quota, recovered.quota());
    assertEquals(before, recovered);
    assertEquals(new Account.Usage(5, 0, 500), recovered.usage());
  }

  /**
   * Sends one batch of four admissions to an account whose quota allows two containers: two for
   * the name web, then db and cache. Returns the outcomes.
   */
  private List<Account.Admission.Outcome> admitFour(
      ActorRef<Account.Command> account,
      boolean withSummaries,
      List<Account.ContainerSummary> records) {
    setQuota(account, new Account.Quota(2L, null, null));
    List<Account.Admit> admits = new ArrayList<>();
    String[] names = {"web", "web", "db", "cache"};
    for (int i = 0; i < names.length; i++) {
      String id = "id-" + (i + 1);
      Account.ContainerSummary summary = withSummaries ? summary(id, names[i], i + 1) : null;
      admits.add(new Account.Admit(names[i], id, Account.ResourceRequest.NONE, summary));
    }
    TestProbe<Account.BatchOutcome> probe = kit.testKit.createTestProbe();
    account.tell(new Account.WriteBatch(admits, records, probe.ref()));
    return probe.receiveMessage(REPLY_TIMEOUT).admissions().stream().map(Account.Admission::outcome).toList();
  }

  private static final List<Account.Admission.Outcome> ADMIT_FOUR_OUTCOMES =
      List.of(
          Account.Admission.Outcome.ADMITTED,
          Account.Admission.Outcome.NAME_IN_USE,
          Account.Admission.Outcome.ADMITTED,
          Account.Admission.Outcome.QUOTA_EXCEEDED);

  @Test
  void writeBatchAppliesWritesInOrder() {
    ActorRef<Account.Command> account = spawn("batch-order");

    List<Account.Admission.Outcome> outcomes = admitFour(account, false, List.of(summary("id-1", "web", 1)));

    assertEquals(ADMIT_FOUR_OUTCOMES, outcomes);
    assertEquals(List.of(summary("id-1", "web", 1)), list(account));
    kit.testKit.stop(account);
    ActorRef<Account.Command> recovered = spawn("batch-order");
    assertEquals(Optional.of("id-3"), resolve(recovered, "db"));
    assertEquals(Optional.empty(), resolve(recovered, "cache"));
    assertEquals(List.of(summary("id-1", "web", 1)), list(recovered));
  }

  @Test
  void admissionRecordsItsSummaryOnlyWhenAdmitted() {
    ActorRef<Account.Command> account = spawn("batch-summary");

    List<Account.Admission.Outcome> outcomes = admitFour(account, true, List.of());

    assertEquals(ADMIT_FOUR_OUTCOMES, outcomes);
    List<Account.ContainerSummary> listed = List.of(summary("id-1", "web", 1), summary("id-3", "db", 3));
    assertEquals(listed, list(account));
    assertEquals(5, kit.events("Account|batch-summary").size(), "the quota, two admissions, two summaries");
    kit.testKit.stop(account);
    assertEquals(listed, list(spawn("batch-summary")));
  }

  @Test
  void emptyWriteBatchPersistsNothing() {
    ActorRef<Account.Command> account = spawn("batch-repeat");
    admit(account, "web", "id-1", 0, 0);
    TestProbe<Account.BatchOutcome> probe = kit.testKit.createTestProbe();

    account.tell(
        new Account.WriteBatch(
            List.of(new Account.Admit("web", "id-1", Account.ResourceRequest.NONE)),
            List.of(),
            probe.ref()));

    assertEquals(
        List.of(Account.Admission.ADMITTED), probe.receiveMessage(REPLY_TIMEOUT).admissions());
    assertEquals(1, kit.events("Account|batch-repeat").size());
  }
}
