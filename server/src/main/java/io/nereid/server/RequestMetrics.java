package io.nereid.server;

import io.nereid.metrics.NereidMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Times every request of an API and records it by route template, such as {@code
 * /containers/{id}/start}, so a metric has one series per route and not one per container.
 */
final class RequestMetrics extends AllDirectives {

  /** Collections whose next path segment is an id or a name. */
  private static final Set<String> COLLECTIONS =
      Set.of("nodes", "pools", "containers", "accounts", "exec", "images", "networks", "volumes");

  /** Segments after a collection that name an action, not a member. */
  private static final Set<String> ACTIONS =
      Set.of("create", "json", "prune", "load", "search", "import");

  /** Last segments of an image route, after an image name that may contain slashes. */
  private static final Set<String> IMAGE_ACTIONS = Set.of("json", "history", "tag", "push", "get");

  private final NereidMetrics metrics;

  RequestMetrics(NereidMetrics metrics) {
    this.metrics = metrics;
  }

  /** Wraps {@code inner} so each of its requests is timed under {@code api}. */
  Route timed(String api, Route inner) {
    return extractRequest(
        request -> {
          long started = System.nanoTime();
          return mapResponse(
              response -> {
                int code = response.status().intValue();
                String route = code == 404 ? "unmatched" : template(request.getUri().path());
                metrics.requestLatency.observe(
                    NereidMetrics.secondsSince(started),
                    api,
                    route,
                    request.method().value(),
                    Integer.toString(code));
                return response;
              },
              () -> inner);
        });
  }

  /**
   * Returns the route template of a request path: the Docker API version prefix goes, and the
   * segment after a collection becomes {@code {id}}, so {@code /v1.24/containers/3f2a/start}
   * reads {@code /containers/{id}/start}.
   */
  static String template(String path) {
    List<String> segments = new ArrayList<>();
    for (String segment : path.split("/")) {
      if (!segment.isEmpty()) {
        segments.add(segment);
      }
    }
    if (!segments.isEmpty() && segments.get(0).matches("v1\\.\\d+")) {
      segments.remove(0);
    }
    int offset = !segments.isEmpty() && segments.get(0).equals("v1") ? 1 : 0;
    if (segments.size() > offset + 1 && COLLECTIONS.contains(segments.get(offset))) {
      if (segments.get(offset).equals("images") && segments.size() > offset + 2) {
        // An image name may contain slashes, so everything up to a known action is the name.
        String last = segments.get(segments.size() - 1);
        List<String> kept = new ArrayList<>(segments.subList(0, offset + 1));
        kept.add("{name}");
        if (IMAGE_ACTIONS.contains(last)) {
          kept.add(last);
        }
        segments = kept;
      } else if (!ACTIONS.contains(segments.get(offset + 1))) {
        segments.set(offset + 1, "{id}");
      }
    }
    return "/" + String.join("/", segments);
  }
}
