package io.nereid.docker;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.TLSProtocol;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.StreamConverters;
import org.apache.pekko.stream.javadsl.TLSPlacebo;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the Docker API on a unix domain socket, where the docker CLI looks by default. Pekko
 * HTTP binds only TCP, so this class accepts the socket's connections with the JDK's channels
 * and runs each through Pekko HTTP's own server protocol stage, the one its TCP binding uses,
 * joined with the same routes: requests are parsed and answered exactly as on TCP.
 *
 * <p>The socket file gets mode 0660, as the Docker daemon's does. A stale socket file from an
 * earlier run is replaced; any other file at the path is an error.
 */
public final class UnixSocketListener implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(UnixSocketListener.class);

  private final Path path;
  private final ServerSocketChannel server;
  private final Thread acceptor;

  private UnixSocketListener(Path path, ServerSocketChannel server, Thread acceptor) {
    this.path = path;
    this.server = server;
    this.acceptor = acceptor;
  }

  /** Binds {@code path} and serves {@code route} on every connection until {@link #close()}. */
  public static UnixSocketListener bind(ActorSystem<?> system, Path path, Route route) throws IOException {
    if (Files.exists(path)) {
      if (!isSocket(path)) {
        throw new IOException("cannot bind the Docker API socket: " + path + " exists and is not a socket");
      }
      Files.delete(path);
    }
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
    Flow<HttpRequest, HttpResponse, NotUsed> handler = route.flow(system);
    Thread acceptor =
        new Thread(() -> accept(system, server, handler, path), "nereid-docker-socket");
    acceptor.setDaemon(true);
    acceptor.start();
    log.info("docker api listening socket={}", path);
    return new UnixSocketListener(path, server, acceptor);
  }

  private static boolean isSocket(Path path) throws IOException {
    return !Files.isRegularFile(path) && !Files.isDirectory(path) && !Files.isSymbolicLink(path);
  }

  private static void accept(
      ActorSystem<?> system, ServerSocketChannel server, Flow<HttpRequest, HttpResponse, NotUsed> handler, Path path) {
    while (server.isOpen()) {
      try {
        serve(system, server.accept(), handler);
      } catch (AsynchronousCloseException closed) {
        return;
      } catch (IOException e) {
        log.warn("docker api socket accept failed socket={} error={}", path, e.toString());
      }
    }
  }

  /**
   * Runs one connection: bytes from the channel go through the HTTP server stage to the routes
   * and back. The stream reads the channel with blocking calls on Pekko's blocking I/O dispatcher.
   *
   * <p>The two directions are not coupled, because the docker CLI half-closes the connection
   * once its stdin ends ({@code docker run -i}, {@code docker exec -i}) and still reads the
   * output. End of file on the socket completes only the request side. The server stage then
   * finishes the responses, or an upgraded stream's output, and the end of the output closes the
   * channel.
   */
  private static void serve(ActorSystem<?> system, SocketChannel channel, Flow<HttpRequest, HttpResponse, NotUsed> handler) {
    Flow<ByteString, ByteString, NotUsed> connection =
        Flow.fromSinkAndSource(
            StreamConverters.fromOutputStream(() -> new ChannelOutput(channel)),
            StreamConverters.fromInputStream(() -> new ChannelInput(channel)));
    Flow<HttpResponse, HttpRequest, NotUsed> protocol =
        Http.get(system).serverLayer().atop(plainBytes()).join(connection);
    handler.join(protocol).run(system);
  }

  /**
   * Reads the channel directly. The JDK's {@code Channels.newInputStream} would hold the
   * channel's blocking lock while it waits, which blocks every write of the response.
   */
  private static final class ChannelInput extends InputStream {
    private static final long END_OF_INPUT_HOLD_MS = 200;
    private final SocketChannel channel;

    ChannelInput(SocketChannel channel) {
      this.channel = channel;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (length == 0) {
        return 0;
      }
      int read;
      do {
        read = channel.read(ByteBuffer.wrap(buffer, offset, length));
      } while (read == 0);
      if (read < 0) {
        holdEndOfInput();
      }
      return read;
    }

    /**
     * Waits a moment before the end of input reaches the server stage. The docker CLI sends
     * stdin right after the 101 of an upgrade and half-closes when stdin ends. When that end
     * arrived during the switch to the upgraded stream, the stdin bytes before it were lost, in
     * 12 of 25 {@code docker run -i} runs of a probe. Over TCP this was not seen.
     */
    // NOTE: the cause inside Pekko HTTP's protocol switch is inferred from the symptom, not
    // traced. The wait narrows the window but does not close it.
    private static void holdEndOfInput() {
      try {
        Thread.sleep(END_OF_INPUT_HOLD_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() throws IOException {
      channel.shutdownInput();
    }
  }

  /** Writes the channel directly, for the same reason as {@link ChannelInput}. */
  private static final class ChannelOutput extends OutputStream {
    private final SocketChannel channel;

    ChannelOutput(SocketChannel channel) {
      this.channel = channel;
    }

    @Override
    public void write(int value) throws IOException {
      write(new byte[] {(byte) value}, 0, 1);
    }

    @Override
    public void write(byte[] buffer, int offset, int length) throws IOException {
      ByteBuffer bytes = ByteBuffer.wrap(buffer, offset, length);
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /**
   * Returns the stage that passes bytes through where the server stage expects TLS records, as
   * on a plain TCP binding. Its inbound elements are SessionBytes, a subtype of SslTlsInbound,
   * so widening the type is safe; Java's generics cannot express that without the cast.
   */
  @SuppressWarnings("unchecked")
  private static BidiFlow<TLSProtocol.SslTlsOutbound, ByteString, ByteString, TLSProtocol.SslTlsInbound, NotUsed> plainBytes() {
    return (BidiFlow<TLSProtocol.SslTlsOutbound, ByteString, ByteString, TLSProtocol.SslTlsInbound, NotUsed>)
        (BidiFlow<?, ?, ?, ?, ?>) TLSPlacebo.getInstance();
  }

  /** Stops accepting and deletes the socket file; open connections end with their streams. */
  @Override
  public void close() throws IOException {
    server.close();
    try {
      acceptor.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Files.deleteIfExists(path);
  }
}
