package io.nereid.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.nereid.persistence.NereidConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import io.nereid.node.Overcommit;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Guards the journal format of the pool scheduler's events and snapshot, as JournalFormatTest
 * does for the entities: each type round-trips, and its committed CBOR bytes still read back.
 * Run with {@code -Dnereid.journal-format.write=true} once to record the bytes of a new type.
 */
class SchedulerJournalFormatTest {

  private static final Path GOLDEN = Path.of("src/test/resources/journal-format");
  private static final Instant AT = Instant.parse("2026-01-02T03:04:05Z");

  private static ActorTestKit testKit;
  private static Serialization serialization;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("SchedulerJournalFormatTest", NereidConfig.load(ConfigFactory.empty()));
    serialization = SerializationExtension.get(testKit.system().classicSystem());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static final PoolPolicy POLICY = new PoolPolicy("spread", new Overcommit(2.0, 1.5, 1.0));

  static List<Object> samples() {
    return List.of(
        new PoolScheduler.NodeJoined("n1", AT),
        new PoolScheduler.NodeLeft("n1", AT),
        new PoolScheduler.PoolPolicyChanged(POLICY, AT),
        new PoolScheduler.NodeEvacuationRequested("n1", AT),
        new PoolScheduler.NodeEvacuationEnded("n1", AT),
        new PoolScheduler.State(Set.of("n1", "n2"), POLICY, Set.of("n2")));
  }

  /**
   * Committed bytes of earlier forms of a type, by file name, with the value each must read as
   * today. When a type changes, its current file moves here under a new version suffix.
   */
  static Map<String, Object> earlierForms() {
    return Map.of(
        // Before pool policies: the snapshot held only the members.
        "io.nereid.scheduler.PoolScheduler$State.v1.cbor",
        new PoolScheduler.State(Set.of("n1", "n2"), null, Set.of()),
        // Before drains could move containers: no evacuating nodes.
        "io.nereid.scheduler.PoolScheduler$State.v2.cbor",
        new PoolScheduler.State(Set.of("n1", "n2"), POLICY, Set.of()));
  }

  @Test
  void earlierFormsStillRead() throws IOException {
    for (Map.Entry<String, Object> form : earlierForms().entrySet()) {
      Object expected = form.getValue();
      Serializer serializer = serialization.findSerializerFor(expected);
      String manifest = Serializers.manifestFor(serializer, expected);
      Path file = GOLDEN.resolve(form.getKey());
      assertTrue(Files.exists(file), "no committed bytes in " + file);

      Object read =
          serialization.deserialize(Files.readAllBytes(file), serializer.identifier(), manifest).get();

      assertEquals(expected, read, () -> "committed bytes of " + form.getKey());
    }
  }

  @Test
  void samplesCoverEveryEventType() {
    Set<Class<?>> sampled = samples().stream().map(Object::getClass).collect(Collectors.toSet());

    for (Class<?> event : Arrays.asList(PoolScheduler.Event.class.getPermittedSubclasses())) {
      assertTrue(sampled.contains(event), "no sample of " + event.getName());
    }
  }

  @Test
  void committedBytesStillRead() throws IOException {
    boolean write = Boolean.getBoolean("nereid.journal-format.write");
    for (Object sample : samples()) {
      Serializer serializer = serialization.findSerializerFor(sample);
      assertEquals(
          "org.apache.pekko.serialization.jackson.JacksonCborSerializer", serializer.getClass().getName());
      String manifest = Serializers.manifestFor(serializer, sample);
      byte[] bytes = serialization.serialize(sample).get();
      assertEquals(sample, serialization.deserialize(bytes, serializer.identifier(), manifest).get());

      Path file = GOLDEN.resolve(sample.getClass().getName() + ".cbor");
      if (write && !Files.exists(file)) {
        Files.createDirectories(GOLDEN);
        Files.write(file, bytes);
      }
      assertTrue(Files.exists(file), "no committed bytes for " + sample.getClass().getName());
      Object read =
          serialization.deserialize(Files.readAllBytes(file), serializer.identifier(), manifest).get();
      assertEquals(sample, read, () -> "committed bytes of " + sample.getClass().getName());
    }
  }
}
