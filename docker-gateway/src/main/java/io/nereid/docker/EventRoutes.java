package io.nereid.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.util.ByteString;

/**
 * {@code GET /events}: the response headers go out at once, then one JSON object per event,
 * each on its own line, for as long as the client stays or until {@code until}.
 */
final class EventRoutes extends AllDirectives {

  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * How often a quiet stream sends a bare newline, so the server's idle timeout does not close
   * it. JSON decoders, the docker CLI's among them, skip whitespace between objects.
   */
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(30);

  private final DockerEvents events;

  EventRoutes(DockerEvents events) {
    this.events = events;
  }

  Route route() {
    return path(
        "events",
        () ->
            get(
                () ->
                    parameterOptional(
                        "since",
                        since ->
                            parameterOptional(
                                "until",
                                until ->
                                    parameterOptional("filters", filters -> stream(since, until, filters))))));
  }

  private Route stream(Optional<String> since, Optional<String> until, Optional<String> filters) {
    long sinceNanos;
    long untilNanos;
    EventFilter filter;
    try {
      sinceNanos = timestamp("since", since);
      untilNanos = timestamp("until", until);
      filter = new EventFilter(DockerFilters.parse(filters, EventFilter.FILTERS));
    } catch (DockerApiException e) {
      return complete(DockerRoutes.error(e.status(), e.getMessage()));
    }
    if (untilNanos >= 0 && sinceNanos > untilNanos) {
      return complete(
          DockerRoutes.error(
              StatusCodes.BAD_REQUEST,
              "since time (" + since.get() + ") cannot be after until time (" + until.get() + ")"));
    }
    var body =
        events
            .stream(sinceNanos, untilNanos, filter)
            .map(EventRoutes::line)
            .keepAlive(KEEP_ALIVE, () -> ByteString.fromString("\n"));
    return complete(
        HttpResponse.create()
            .withStatus(StatusCodes.OK)
            .withEntity(HttpEntities.createChunked(ContentTypes.APPLICATION_JSON, body)));
  }

  private static ByteString line(DockerEvent event) {
    try {
      return ByteString.fromArray(JSON.writeValueAsBytes(event.message())).concat(ByteString.fromString("\n"));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write an event as JSON", e);
    }
  }

  /**
   * Reads a time as the docker CLI sends it, seconds since the epoch with an optional fraction
   * ({@code 1700000000.5}), into nanoseconds; an absent or empty value is -1.
   */
  static long timestamp(String name, Optional<String> value) {
    if (value.isEmpty() || value.get().isEmpty()) {
      return -1;
    }
    try {
      BigDecimal seconds = new BigDecimal(value.get());
      if (seconds.signum() < 0) {
        throw new NumberFormatException("negative");
      }
      return seconds.movePointRight(9).longValue();
    } catch (NumberFormatException | ArithmeticException e) {
      throw DockerApiException.badRequest(
          "invalid value for " + name + ": \"" + value.get() + "\", expected seconds since the epoch");
    }
  }
}
