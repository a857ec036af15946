package io.nereid.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nereid.runtime.LogEntry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The attached clients of one container, when a client goes away while output still flows. */
class AttachHubTest {

  private static final ActorTestKit testKit = ActorTestKit.create("AttachHubTest");

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void clientThatWentAwayLeavesTheOthersServed() throws Exception {
    AttachHub hub = new AttachHub("c1");
    // A killed docker attach: its stream is cancelled before the container writes again.
    hub.attach(testKit.system()).runWith(Sink.cancelled(), testKit.system());
    var staying = hub.attach(testKit.system()).runWith(Sink.seq(), testKit.system());
    Thread.sleep(200);

    hub.output(LogEntry.Stream.STDOUT, "one\n".getBytes(StandardCharsets.UTF_8));
    hub.output(LogEntry.Stream.STDERR, "two\n".getBytes(StandardCharsets.UTF_8));
    hub.ended();
    hub.close();

    List<NodeAgent.OutputChunk> received = staying.toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(List.of("one\n", "two\n"), received.stream().map(chunk -> new String(chunk.bytes(), StandardCharsets.UTF_8)).toList());
  }
}
