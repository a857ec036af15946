package io.nereid.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The upgrade to raw TCP, driven by a plain socket client on loopback. */
class HttpUpgradeTest {

  private static ActorTestKit testKit;
  private static HttpUpgrade.Listener listener;

  /** Upgrades POST /shout: echoes input in upper case and sends "bye" once the input ends. */
  private static final class ShoutRoutes extends AllDirectives {
    Route routes() {
      return concat(
          path(
              "shout",
              () ->
                  post(
                      () ->
                          extractRequest(
                              request -> {
                                if (!HttpUpgrade.requested(request)) {
                                  return complete(HttpResponse.create().withStatus(StatusCodes.BAD_REQUEST));
                                }
                                Flow<ByteString, ByteString, ?> shout =
                                    Flow.of(ByteString.class)
                                        .map(bytes -> ByteString.fromString(bytes.utf8String().toUpperCase()))
                                        .concat(Source.single(ByteString.fromString("bye")));
                                return complete(HttpUpgrade.switchTo(shout));
                              }))),
          path(
              "slow",
              () ->
                  post(
                      () -> {
                        // Requests the client's first bytes only after 300 ms, as a handler whose
                        // input crosses an actor boundary requests them late.
                        Flow<ByteString, ByteString, ?> slow =
                            Flow.of(ByteString.class)
                                .initialDelay(Duration.ofMillis(300))
                                .map(bytes -> ByteString.fromString(bytes.utf8String().toUpperCase()))
                                .concat(Source.single(ByteString.fromString("bye")));
                        return complete(HttpUpgrade.switchTo(slow));
                      })),
          path("plain", () -> get(() -> complete("plain"))));
    }
  }

  @BeforeAll
  static void bind() throws Exception {
    testKit = ActorTestKit.create("HttpUpgradeTest");
    listener =
        HttpUpgrade.bind(testKit.system(), "127.0.0.1", 0, new ShoutRoutes().routes())
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void unbind() throws Exception {
    listener.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    testKit.shutdownTestKit();
  }

  private static Socket connect() throws IOException {
    Socket socket = new Socket("127.0.0.1", listener.localAddress().getPort());
    socket.setSoTimeout(10_000);
    return socket;
  }

  private static void send(Socket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** Reads the response head, up to and including the blank line. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  private static String readExactly(InputStream in, int length) throws IOException {
    return new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  @Test
  void upgradedConnectionCarriesRawBytesBothWays() throws Exception {
    try (Socket socket = connect()) {
      send(socket, "POST /shout HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n");
      InputStream in = socket.getInputStream();
      String head = readHead(in);

      assertTrue(head.startsWith("HTTP/1.1 101 Switching Protocols\r\n"), head);
      assertTrue(head.toLowerCase().contains("connection: upgrade\r\n"), head);
      assertTrue(head.toLowerCase().contains("upgrade: tcp\r\n"), head);

      send(socket, "hello");
      assertEquals("HELLO", readExactly(in, 5));
      send(socket, "again");
      assertEquals("AGAIN", readExactly(in, 5));
    }
  }

  /**
   * Upgrades a POST to {@code path}, sends {@code text}, half-closes the connection and returns
   * everything the server sends after the 101.
   */
  private static String sendAndHalfClose(String path, String text) throws IOException {
    try (Socket socket = connect()) {
      send(socket, "POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
      InputStream in = socket.getInputStream();
      assertTrue(readHead(in).startsWith("HTTP/1.1 101"));

      send(socket, text);
      socket.shutdownOutput();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void halfClosedConnectionStillReceives() throws Exception {
    assertEquals("LASTbye", sendAndHalfClose("/shout", "last"));
  }

  @Test
  void bytesBeforeLateRequestAreKept() throws Exception {
    assertEquals("EARLYbye", sendAndHalfClose("/slow", "early"));
  }

  @Test
  void requestWithoutUpgradeStaysHttp() throws Exception {
    try (Socket socket = connect()) {
      send(socket, "POST /shout HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
      assertTrue(readHead(socket.getInputStream()).startsWith("HTTP/1.1 400"));

      send(socket, "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
      String head = readHead(socket.getInputStream());
      assertTrue(head.startsWith("HTTP/1.1 200"), head);
      assertEquals("plain", readExactly(socket.getInputStream(), 5));
    }
  }
}
