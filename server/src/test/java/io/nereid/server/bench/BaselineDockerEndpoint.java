package io.nereid.server.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import io.nereid.docker.HttpUpgrade;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The baseline of the Docker API benchmark: a Pekko HTTP server on the listener of Nereid's Docker
 * API, in a JVM started with the same options as the Nereid member. It serves {@code POST
 * /containers/create} and {@code POST /containers/{id}/start} the way Nereid's gateway does on the
 * wire but persists nothing. A create
 * parses the JSON body, rejects one without an image with 400, and returns 201 with a fresh
 * 64-hex-digit id; a start returns 204. It measures what the HTTP stack, JSON and the client cost
 * on this machine, so that the rest of Nereid's time is the entities, the scheduler and Cassandra.
 *
 * <p>Arguments: the loopback port to listen on. It prints {@code listening} once bound and runs
 * until the process is stopped.
 */
public final class BaselineDockerEndpoint extends AllDirectives {

  private static final Pattern VERSION = Pattern.compile("v[0-9]+\\.[0-9]+");

  private final ObjectMapper json = new ObjectMapper();
  private final SecureRandom random = new SecureRandom();

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "baseline");
    Route route = new BaselineDockerEndpoint().route();
    // The listener Nereid's Docker API runs on, so that both sides parse HTTP alike.
    HttpUpgrade.bind(system, "127.0.0.1", port, route).toCompletableFuture().get();
    System.out.println("listening");
    new CountDownLatch(1).await();
  }

  /** Serves the routes with and without a version prefix such as {@code /v1.41}, as Nereid does. */
  private Route route() {
    return concat(pathPrefix(PathMatchers.segment(VERSION), version -> containers()), containers());
  }

  private Route containers() {
    return pathPrefix(
        "containers",
        () ->
            concat(
                path("create", () -> post(() -> entity(Unmarshaller.entityToString(), this::create))),
                path(
                    PathMatchers.segment().slash("start"),
                    id -> post(() -> complete(StatusCodes.NO_CONTENT)))));
  }

  private Route create(String body) {
    JsonNode spec;
    try {
      spec = json.readTree(body);
    } catch (Exception e) {
      return complete(StatusCodes.BAD_REQUEST, "invalid JSON: " + e.getMessage());
    }
    if (spec == null || !spec.path("Image").isTextual()) {
      return complete(StatusCodes.BAD_REQUEST, "missing Image");
    }
    byte[] id = new byte[32];
    random.nextBytes(id);
    try {
      String created = json.writeValueAsString(Map.of("Id", HexFormat.of().formatHex(id), "Warnings", List.of()));
      return complete(HttpResponse.create().withStatus(StatusCodes.CREATED).withEntity(ContentTypes.APPLICATION_JSON, created));
    } catch (Exception e) {
      return complete(StatusCodes.INTERNAL_SERVER_ERROR, e.getMessage());
    }
  }
}
