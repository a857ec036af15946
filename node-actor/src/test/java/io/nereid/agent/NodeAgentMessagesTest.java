package io.nereid.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.typesafe.config.ConfigFactory;
import io.nereid.persistence.NereidConfig;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The agent's streaming messages go between members, so they must survive Nereid's CBOR
 * serialization, stream references included.
 */
class NodeAgentMessagesTest {

  private static final ActorTestKit testKit =
      ActorTestKit.create("NodeAgentMessagesTest", NereidConfig.load(ConfigFactory.empty()));
  private static final SerializationTestKit serialization = new SerializationTestKit(testKit.system());

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void attachedStreamsWorkAfterSerialization() throws Exception {
    NodeAgent.OutputChunk chunk = new NodeAgent.OutputChunk(true, new byte[] {1, 2, 3}, null);
    NodeAgent.OutputChunk exit = new NodeAgent.OutputChunk(false, new byte[0], 7);
    NodeAgent.Attached attached =
        new NodeAgent.Attached(
            Source.from(List.of(chunk, exit)).runWith(StreamRefs.sourceRef(), testKit.system()),
            null);

    NodeAgent.Attached copy = (NodeAgent.Attached) serialization.verifySerialization(attached, false);
    List<NodeAgent.OutputChunk> received =
        copy.output().getSource().runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertNull(copy.input());
    assertEquals(2, received.size());
    assertEquals(true, received.get(0).stderr());
    assertArrayEquals(new byte[] {1, 2, 3}, received.get(0).bytes());
    assertNull(received.get(0).exitCode());
    assertEquals(7, received.get(1).exitCode());
  }

  @Test
  void stdinReferenceWorksAfterSerialization() throws Exception {
    var stdin = StreamRefs.<ByteString>sinkRef().toMat(Sink.seq(), org.apache.pekko.stream.javadsl.Keep.both()).run(testKit.system());
    NodeAgent.Attached attached =
        new NodeAgent.Attached(Source.<NodeAgent.OutputChunk>empty().runWith(StreamRefs.sourceRef(), testKit.system()), stdin.first());

    NodeAgent.Attached copy = (NodeAgent.Attached) serialization.verifySerialization(attached, false);
    Source.single(ByteString.fromString("typed")).runWith(copy.input().getSink(), testKit.system());

    assertEquals(
        List.of(ByteString.fromString("typed")), stdin.second().toCompletableFuture().get(10, TimeUnit.SECONDS));
  }

  @Test
  void commandsSurviveSerialization() {
    var attachProbe = testKit.<StatusReply<NodeAgent.Attached>>createTestProbe();
    var logsProbe = testKit.<StatusReply<NodeAgent.LogLines>>createTestProbe();

    NodeAgent.Attach attach = new NodeAgent.Attach("c1", true, true, attachProbe.ref());
    NodeAgent.Exec exec =
        new NodeAgent.Exec("c1", List.of("sh", "-c", "true"), List.of("A=1"), "1000", "/srv", false, attachProbe.ref());
    NodeAgent.Logs logs = new NodeAgent.Logs("c1", Instant.parse("2026-01-01T00:00:00.000000001Z"), null, logsProbe.ref());

    assertEquals(attach, serialization.verifySerialization(attach, false));
    assertEquals(exec, serialization.verifySerialization(exec, false));
    NodeAgent.Logs logsCopy = (NodeAgent.Logs) serialization.verifySerialization(logs, false);
    assertEquals(logs.stdoutAfter(), logsCopy.stdoutAfter());
    assertNull(logsCopy.stderrAfter());
    assertFalse(logsCopy.replyTo() == null);
  }
}
