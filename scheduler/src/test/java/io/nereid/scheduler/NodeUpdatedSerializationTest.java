package io.nereid.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.typesafe.config.ConfigFactory;
import io.nereid.node.ComputeNode;
import io.nereid.node.NodeStatus;
import io.nereid.node.Reservation;
import io.nereid.node.ReservationChanges;
import io.nereid.node.Resources;
import io.nereid.persistence.CborSerializable;
import io.nereid.persistence.NereidConfig;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks that {@link PoolScheduler.NodeUpdated}, sent between members, carries its reservation
 * changes, and that the form without them, which members running the previous version send,
 * still reads.
 */
class NodeUpdatedSerializationTest {

  private static ActorTestKit testKit;
  private static Serialization serialization;

  /** The previous form of {@link PoolScheduler.NodeUpdated}, with the same field name. */
  record NodeUpdatedWithoutChanges(ComputeNode.State node) implements CborSerializable {}

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("NodeUpdatedSerializationTest", NereidConfig.load(ConfigFactory.empty()));
    serialization = SerializationExtension.get(testKit.system().classicSystem());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static ComputeNode.State state() {
    return new ComputeNode.State(
        "n1",
        NodeStatus.READY,
        "default",
        new Resources(8000, 32L << 30, 100L << 30),
        Map.of("rack", "r1"),
        Map.of("c1", new Reservation(new Resources(500, 1L << 30, 0), "web", "busybox", Map.of())),
        Instant.parse("2026-01-02T03:04:05Z"),
        7);
  }

  private static Object roundTrip(Object message, Class<?> readAs) {
    byte[] bytes = serialization.serialize(message).get();
    Serializer serializer = serialization.findSerializerFor(message);
    String manifest = Serializers.manifestFor(serializer, message).replace(message.getClass().getName(), readAs.getName());
    return serialization.deserialize(bytes, serializer.identifier(), manifest).get();
  }

  @Test
  void changesSurviveRoundTrip() {
    PoolScheduler.NodeUpdated sent =
        new PoolScheduler.NodeUpdated(state(), new ReservationChanges(6, Set.of("c1")));

    Object read = roundTrip(sent, PoolScheduler.NodeUpdated.class);

    assertEquals(sent, read);
  }

  @Test
  void formWithoutChangesReads() {
    Object read = roundTrip(new NodeUpdatedWithoutChanges(state()), PoolScheduler.NodeUpdated.class);

    PoolScheduler.NodeUpdated updated = (PoolScheduler.NodeUpdated) read;
    assertEquals(state(), updated.node());
    assertNull(updated.changes());
  }
}
