package io.nereid.docker;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.impl.engine.server.UpgradeToOtherProtocolResponseHeader;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Connection;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.TLSProtocol.SslTlsInbound;
import org.apache.pekko.stream.TLSProtocol.SslTlsOutbound;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.TLSPlacebo;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;

/**
 * The HTTP upgrade that {@code docker attach} and {@code docker exec} use: the client sends
 * {@code Connection: Upgrade} and {@code Upgrade: tcp}, the server replies 101, and from then on
 * the connection carries raw bytes both ways.
 *
 * <p>Pekko HTTP switches a connection to another protocol when a response carries its
 * {@code UpgradeToOtherProtocolResponseHeader}; its WebSocket and h2c support use the same header.
 * NOTE: that header is Pekko HTTP's internal API (checked against 1.2.0), so an upgrade of Pekko
 * HTTP may change it; {@code HttpUpgradeTest} then fails.
 *
 * <p>The docker CLI half-closes the connection (TCP FIN) once its stdin ends, or at once when it
 * sends no stdin, and still reads the output. Pekko HTTP's own listener closes both directions on
 * a FIN, so {@link #bind} runs the HTTP server layer on a TCP listener that keeps half-closed
 * connections open. That listener has no idle timeout, as the Docker daemon has none, because an
 * attached container or a followed log may stay quiet for a long time.
 */
public final class HttpUpgrade {

  /** Plain text where the server layer expects TLS records, as Pekko HTTP's own listener does. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static final BidiFlow<SslTlsOutbound, ByteString, ByteString, SslTlsInbound, NotUsed> PLAIN_TEXT =
      (BidiFlow) TLSPlacebo.getInstance();

  /** Chunks from the client held until the handler requests them. */
  private static final int SWITCH_BUFFER_CHUNKS = 16;

  private HttpUpgrade() {}

  /** Returns true if the request is an upgrade to raw TCP. */
  public static boolean requested(HttpRequest request) {
    boolean connectionUpgrade =
        request
            .getHeader(Connection.class)
            .map(header -> tokens(String.join(",", header.getTokens())).contains("upgrade"))
            .orElse(false);
    boolean tcp =
        request.getHeader("Upgrade").map(header -> tokens(header.value()).contains("tcp")).orElse(false);
    return connectionUpgrade && tcp;
  }

  private static List<String> tokens(String value) {
    return List.of(value.toLowerCase(Locale.ROOT).replace(" ", "").split(","));
  }

  /**
   * Returns the 101 response that hands the connection to {@code handler}: the bytes the client
   * sends after the request flow into it, and what it emits goes to the client. The connection
   * closes when the handler completes its output.
   */
  public static HttpResponse switchTo(Flow<ByteString, ByteString, ?> handler) {
    // Pekko HTTP drops bytes that arrive after the switch but before the handler requests them
    // when the client's half-close follows (checked against 1.2.0), and `docker exec -i` with
    // piped input lost its stdin that way. A buffer in front requests them as soon as the switch
    // runs.
    Flow<ByteString, ByteString, ?> eager =
        Flow.of(ByteString.class).buffer(SWITCH_BUFFER_CHUNKS, OverflowStrategy.backpressure()).via(handler);
    @SuppressWarnings("unchecked")
    org.apache.pekko.stream.scaladsl.Flow<ByteString, ByteString, Object> scalaFlow =
        (org.apache.pekko.stream.scaladsl.Flow<ByteString, ByteString, Object>) (Object) eager.asScala();
    return HttpResponse.create()
        .withStatus(StatusCodes.SWITCHING_PROTOCOLS)
        .addHeader(Connection.create("Upgrade"))
        .addHeader(RawHeader.create("Upgrade", "tcp"))
        .addHeader(UpgradeToOtherProtocolResponseHeader.apply(scalaFlow));
  }

  /** A bound listener. */
  public static final class Listener {
    private final Tcp.ServerBinding binding;
    private final SharedKillSwitch connections;

    private Listener(Tcp.ServerBinding binding, SharedKillSwitch connections) {
      this.binding = binding;
      this.connections = connections;
    }

    public InetSocketAddress localAddress() {
      return binding.localAddress();
    }

    /** Stops accepting connections and aborts the open ones. */
    public CompletionStage<Void> close() {
      connections.shutdown();
      return binding.unbind().thenApply(unit -> null);
    }
  }

  /**
   * Binds {@code route} on {@code host:port} (0 picks a free port), with the upgrade above
   * working on every connection.
   */
  public static CompletionStage<Listener> bind(ActorSystem<?> system, String host, int port, Route route) {
    ServerSettings settings = ServerSettings.create(system.classicSystem());
    SharedKillSwitch connections = KillSwitches.shared("docker-api-connections");
    Flow<HttpRequest, HttpResponse, NotUsed> handler = route.flow(system);
    return Tcp.get(system)
        .bind(host, port, settings.getBacklog(), List.of(), true, Optional.empty())
        .mapAsyncUnordered(
            settings.getMaxConnections(),
            incoming -> {
              BidiFlow<HttpResponse, ByteString, ByteString, HttpRequest, NotUsed> http =
                  Http.get(system)
                      .serverLayer(settings, Optional.of(incoming.remoteAddress()))
                      .atop(PLAIN_TEXT);
              Flow<ByteString, ByteString, CompletionStage<Done>> connection =
                  handler.join(http).via(connections.flow()).watchTermination(Keep.right());
              // A connection that fails, such as one the client reset, ends alone.
              return incoming.flow().joinMat(connection, Keep.right()).run(system).exceptionally(error -> Done.getInstance());
            })
        .to(Sink.ignore())
        .run(system)
        .thenApply(binding -> new Listener(binding, connections));
  }
}
