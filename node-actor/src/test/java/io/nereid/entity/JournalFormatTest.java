package io.nereid.entity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nereid.account.Account;
import io.nereid.container.Container;
import io.nereid.container.ContainerSpec;
import io.nereid.container.PlacementRecord;
import io.nereid.container.RestartPolicy;
import com.typesafe.config.ConfigFactory;
import io.nereid.node.ComputeNode;
import io.nereid.persistence.NereidConfig;
import io.nereid.node.NodeStatus;
import io.nereid.node.Reservation;
import io.nereid.node.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Guards the journal format: every event and snapshot type round-trips through the serializer,
 * and the committed bytes of each type (under src/test/resources/journal-format) still read back
 * to the same value. A change that breaks an old form fails here and needs a Jackson migration.
 *
 * <p>Run with {@code -Dnereid.journal-format.write=true} once to record the bytes of a new type.
 */
class JournalFormatTest {

  private static final Path GOLDEN = Path.of("src/test/resources/journal-format");
  private static final Instant AT = Instant.parse("2026-01-02T03:04:05Z");
  private static final ContainerSpec SPEC =
      new ContainerSpec(
          "busybox:1.36", List.of("/bin/sh", "-c"), List.of("httpd -f"), List.of("A=1"),
          Map.of("role", "web"), "/srv", "1000:1000", "web-1", 256L << 20, 500_000_000L, 512,
          1L << 30, new RestartPolicy("on-failure", 3), "SIGINT", 5, true, false, "host", false,
          true, false);

  private static final PlacementRecord PLACEMENT =
      new PlacementRecord(
          "f".repeat(64), "n1", "bin-pack", "bin-pack score 0.5000, best of 2 candidates",
          new Resources(500, 256L << 20, 0),
          List.of(new PlacementRecord.Score("n1", 0.5), new PlacementRecord.Score("n2", 0.25)),
          List.of(new PlacementRecord.Rejected("memory exhausted", 3)));

  private static ActorTestKit testKit;
  private static Serialization serialization;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("JournalFormatTest", NereidConfig.load(ConfigFactory.empty()));
    serialization = SerializationExtension.get(testKit.system().classicSystem());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  static List<Object> samples() {
    Resources resources = new Resources(1500, 1L << 30, 10L << 30);
    Account.ContainerSummary summary =
        new Account.ContainerSummary(
            "f".repeat(64), "web", "busybox", "running", "n1", Map.of("a", "b"), AT,
            "/bin/sh -c httpd", 3, AT, AT.plusSeconds(5));
    return List.of(
        new ComputeNode.NodeRegistered("default", resources, Map.of("rack", "r1"), AT),
        new ComputeNode.NodeStatusChanged(NodeStatus.CORDONED, "maintenance", AT),
        new ComputeNode.NodeLabelsUpdated(Map.of("disk", "ssd"), AT),
        new ComputeNode.ResourcesReserved(
            "c1", new Reservation(resources, "web", "busybox", Map.of("role", "web")), AT),
        new ComputeNode.ResourcesReleased("c1", AT),
        new ComputeNode.State(
            "n1", NodeStatus.READY, "default", resources, Map.of("rack", "r1"),
            Map.of("c1", Reservation.of(resources)), AT, 7),
        new Container.ContainerCreated("acct", "web", SPEC, AT),
        new Container.ContainerPlaced(PLACEMENT, AT),
        new Container.ContainerMoved(PLACEMENT, "n0", AT),
        new Container.StartRequested(true, AT),
        new Container.ContainerStarted("n1", AT),
        new Container.ContainerExited("n1", 137, true, AT),
        new Container.StopRequested(AT),
        new Container.ContainerRemoved(AT),
        new Container.ContainerPaused("n1", AT),
        new Container.ContainerUnpaused("n1", AT),
        new Container.ContainerRenamed("web", "web-2", AT),
        new Container.ResourcesUpdated(SPEC.withMemory(512L << 20), new Resources(1000, 512L << 20, 0), AT),
        new Container.State(
            "f".repeat(64), io.nereid.container.ContainerStatus.EXITED,
            Container.DesiredState.STOPPED, "acct", "web", SPEC, "n1", PLACEMENT, 3, false, 1, AT,
            AT, AT),
        new Account.NameClaimed("web", "c1", AT),
        new Account.NameReleased("web", "c1", AT),
        new Account.ContainerRecorded(summary, AT),
        new Account.ContainerForgotten("c1", AT),
        new Account.ContainerRenamed("c1", "web", "web-2", AT),
        new Account.ContainerAdmitted("web", "c1", new Account.ResourceRequest(256L << 20, 500), AT),
        new Account.QuotaSet(new Account.Quota(10L, 4L << 30, null), AT),
        new Account.State(Map.of("web", "c1"), Map.of("c1", summary)));
  }

  /**
   * Committed bytes of earlier forms, each with the value it must still read as. A container
   * summary from before the command, exit code and times were added reads with their defaults.
   */
  static Map<String, Object> earlierForms() {
    Account.ContainerSummary summary =
        new Account.ContainerSummary(
            "f".repeat(64), "web", "busybox", "running", "n1", Map.of("a", "b"), AT, "", 0,
            Instant.EPOCH, Instant.EPOCH);
    return Map.of(
        "io.nereid.account.Account$ContainerRecorded.before-summary-times.cbor",
        new Account.ContainerRecorded(summary, AT),
        "io.nereid.account.Account$State.before-summary-times.cbor",
        new Account.State(Map.of("web", "c1"), Map.of("c1", summary)));
  }

  @Test
  void earlierFormsStillRead() throws IOException {
    for (Map.Entry<String, Object> form : earlierForms().entrySet()) {
      Object expected = form.getValue();
      Serializer serializer = serialization.findSerializerFor(expected);
      String manifest = Serializers.manifestFor(serializer, expected);
      byte[] bytes = Files.readAllBytes(GOLDEN.resolve(form.getKey()));

      Object read = serialization.deserialize(bytes, serializer.identifier(), manifest).get();

      assertEquals(expected, read, () -> "committed bytes of " + form.getKey());
    }
  }

  @Test
  void samplesCoverEveryEventType() {
    Set<Class<?>> sampled = samples().stream().map(Object::getClass).collect(Collectors.toSet());
    List<Class<?>> events =
        Stream.of(ComputeNode.Event.class, Container.Event.class, Account.Event.class)
            .flatMap(type -> Arrays.stream(type.getPermittedSubclasses()))
            .toList();

    for (Class<?> event : events) {
      assertTrue(sampled.contains(event), "no sample of " + event.getName());
    }
  }

  @Test
  void everySampleUsesJacksonCbor() {
    for (Object sample : samples()) {
      Serializer serializer = serialization.findSerializerFor(sample);
      assertEquals(
          "org.apache.pekko.serialization.jackson.JacksonCborSerializer",
          serializer.getClass().getName(),
          () -> "serializer of " + sample.getClass().getName());
    }
  }

  @Test
  void everySampleRoundTrips() {
    for (Object sample : samples()) {
      assertEquals(sample, roundTrip(sample), () -> "round trip of " + sample.getClass().getName());
    }
  }

  @Test
  void committedBytesStillRead() throws IOException {
    boolean write = Boolean.getBoolean("nereid.journal-format.write");
    for (Object sample : samples()) {
      Path file = GOLDEN.resolve(sample.getClass().getName() + ".cbor");
      Serializer serializer = serialization.findSerializerFor(sample);
      String manifest = Serializers.manifestFor(serializer, sample);
      if (write && !Files.exists(file)) {
        Files.createDirectories(GOLDEN);
        Files.write(file, serialization.serialize(sample).get());
      }
      assertTrue(Files.exists(file), "no committed bytes for " + sample.getClass().getName());
      Object read =
          serialization.deserialize(Files.readAllBytes(file), serializer.identifier(), manifest).get();
      assertEquals(sample, read, () -> "committed bytes of " + sample.getClass().getName());
    }
  }

  private static Object roundTrip(Object sample) {
    byte[] bytes = serialization.serialize(sample).get();
    Serializer serializer = serialization.findSerializerFor(sample);
    String manifest = Serializers.manifestFor(serializer, sample);
    return serialization.deserialize(bytes, serializer.identifier(), manifest).get();
  }
}
