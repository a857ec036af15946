package io.nereid.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nereid.entity.JournalTestKit;
import java.time.Instant;
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
  void removedSummaryAfterForgetNotListed() {
    ActorRef<Account.Command> account = spawn("forget-2");
    record(account, summary("id-1", "tmp", 1));
    TestProbe<StatusReply<Done>> probe = kit.testKit.createTestProbe();
    account.tell(new Account.ForgetContainer("id-1", probe.ref()));
    assertTrue(probe.receiveMessage().isSuccess());

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
}
