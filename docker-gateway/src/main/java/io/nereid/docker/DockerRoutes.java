package io.nereid.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.Clock;
import java.util.LinkedHashMap;
import com.fasterxml.jackson.databind.JsonNode;
import io.nereid.container.ContainerSpec;
import io.nereid.image.ImageLoader;
import io.nereid.node.NodeDirectory;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The Docker Engine API as far as Nereid serves it: {@code /_ping} and {@code /version}, with or
 * without a {@code /v1.NN} prefix. Every other endpoint returns 501 with a message naming it,
 * never a made-up success.
 */
public final class DockerRoutes extends DockerDirectives {

  static final ObjectMapper JSON = new ObjectMapper();

  /** The networks a container can ask for; Nereid does not serve them as network objects yet. */
  private static final java.util.Set<String> NETWORKS = java.util.Set.of("none", "host");

  private final String nereidVersion;
  private final ContainerService containers;
  private final ImageLoader images;
  private final String account;
  private final DockerEvents events;
  private final SystemInfo info;
  private final StreamRoutes streams;
  private final ImageService imageService;

  /** Routes that serve only {@code /_ping} and {@code /version}. */
  public DockerRoutes(String nereidVersion) {
    this(nereidVersion, null, null, "", null, null, null);
  }

  /**
   * Routes that also serve the container endpoints, {@code docker load} into {@code images},
   * the event stream from {@code events}, {@code /info} over {@code nodes} and the further image
   * endpoints of {@code imageService}, each when it is not null, every request running as
   * {@code account}.
   */
  public DockerRoutes(
      String nereidVersion,
      ContainerService containers,
      ImageLoader images,
      String account,
      DockerEvents events,
      NodeDirectory nodes,
      ImageService imageService) {
    this.imageService = imageService;
    this.nereidVersion = nereidVersion;
    this.containers = containers;
    this.images = images;
    this.account = account;
    this.events = events;
    this.info =
        nodes == null || containers == null
            ? null
            : new SystemInfo(nodes, containers, images == null ? null : images.store(), infoFields());
    this.streams = containers == null ? null : new StreamRoutes(new ContainerStreams(containers, Clock.systemUTC()), account);
  }

  public Route routes() {
    return withRequestTimeoutResponse(
        DockerRoutes::timedOut,
        () ->
            concat(
                pathPrefix(
                    PathMatchers.segment(ApiVersion.SEGMENT),
                    segment ->
                        ApiVersion.check(segment)
                            .map(problem -> complete(error(StatusCodes.BAD_REQUEST, problem)))
                            .orElseGet(this::endpoints)),
                endpoints()));
  }

  /**
   * Returns the response to a request that timed out in the server, in Docker's error form
   * because the CLI prints that form and not Pekko HTTP's plain text.
   */
  private static HttpResponse timedOut(org.apache.pekko.http.javadsl.model.HttpRequest request) {
    return error(
        StatusCodes.SERVICE_UNAVAILABLE,
        request.method().name()
            + " "
            + request.getUri().path()
            + " got no answer in time; the cluster may be failing over, try again");
  }

  private Route endpoints() {
    return concat(
        path("_ping", () -> concat(get(this::ping), head(this::ping))),
        path("version", () -> get(() -> complete(json(StatusCodes.OK, version())))),
        streams == null ? reject() : streams.routes(),
        containers == null ? reject() : containerRoutes(),
        containers == null ? reject() : new ContainerControlRoutes(containers, account).route(),
        imageService == null ? reject() : new ImageRoutes(imageService, account).route(),
        images == null ? reject() : imageRoutes(),
        events == null ? reject() : new EventRoutes(events).route(),
        info == null
            ? reject()
            : path(
                "info",
                () -> get(() -> answer(info.describe(account).thenApply(body -> json(StatusCodes.OK, body))))),
        absentObjects(),
        extractRequest(
            request ->
                complete(
                    error(
                        StatusCodes.NOT_IMPLEMENTED,
                        request.method().name()
                            + " "
                            + request.getUri().path()
                            + " is not implemented by Nereid yet"))));
  }

  /**
   * Returns 404 for a volume, a plugin or a network other than none and host, because Nereid
   * has none of them. The docker CLI's plain {@code docker inspect NAME} requests each kind of
   * object in turn and prints "No such object" only when every request returns 404.
   */
  private Route absentObjects() {
    return concat(
        path(
            PathMatchers.segment("networks").slash(PathMatchers.segment()),
            name ->
                NETWORKS.contains(name)
                    ? reject()
                    : get(() -> complete(error(StatusCodes.NOT_FOUND, "network " + name + " not found")))),
        path(
            PathMatchers.segment("volumes").slash(PathMatchers.segment()),
            name -> get(() -> complete(error(StatusCodes.NOT_FOUND, "get " + name + ": no such volume")))),
        path(
            PathMatchers.segment("plugins").slash(PathMatchers.segment()).slash("json"),
            name -> get(() -> complete(error(StatusCodes.NOT_FOUND, "plugin \"" + name + "\" not found")))));
  }

  private Route containerRoutes() {
    return pathPrefix(
        "containers",
        () ->
            concat(
                path("create", () -> post(this::createContainer)),
                path("json", () -> get(this::listContainers)),
                path(
                    PathMatchers.segment().slash("json"),
                    reference -> get(() -> inspectContainer(reference))),
                path(
                    PathMatchers.segment().slash("start"),
                    reference -> post(() -> answer(changed(containers.start(account, reference))))),
                path(
                    PathMatchers.segment().slash("stop"),
                    reference ->
                        post(
                            () ->
                                parameterOptional(
                                    "t",
                                    timeout ->
                                        answer(
                                            changed(
                                                containers.stop(
                                                    account, reference, seconds(timeout))))))),
                path(
                    PathMatchers.segment().slash("kill"),
                    reference ->
                        post(
                            () ->
                                parameterOptional(
                                    "signal",
                                    signal ->
                                        answer(
                                            containers
                                                .kill(account, reference, signal.orElse("KILL"))
                                                .thenApply(done -> noContent()))))),
                path(
                    PathMatchers.segment().slash("restart"),
                    reference ->
                        post(
                            () ->
                                parameterOptional(
                                    "t",
                                    timeout ->
                                        answer(
                                            containers
                                                .restart(account, reference, seconds(timeout))
                                                .thenApply(done -> noContent()))))),
                path(
                    PathMatchers.segment(),
                    reference -> delete(() -> removeContainer(reference)))));
  }

  private Route createContainer() {
    return parameterOptional(
        "name",
        name ->
            entity(
                Unmarshaller.entityToString(),
                body -> {
                  CompletionStage<HttpResponse> created;
                  try {
                    ContainerSpec spec = CreateRequest.parse(parseJson(body));
                    created =
                        containers
                            .create(account, name.orElse(""), spec)
                            .thenApply(
                                id -> json(StatusCodes.CREATED, Map.of("Id", id, "Warnings", List.of())));
                  } catch (DockerApiException e) {
                    created = CompletableFuture.failedFuture(e);
                  }
                  return answer(created);
                }));
  }

  private Route listContainers() {
    return parameterOptional(
        "all",
        all ->
            parameterOptional(
                "limit",
                limit ->
                    parameterOptional(
                        "size",
                        size ->
                            parameterOptional(
                                "filters",
                                filters -> {
                                  CompletionStage<HttpResponse> listed;
                                  try {
                                    ContainerListing listing =
                                        new ContainerListing(
                                            DockerFilters.parse(filters, ContainerListing.FILTERS),
                                            isTrue(all),
                                            integer("limit", limit, -1),
                                            containers::imageId);
                                    Instant now = Instant.now();
                                    listed =
                                        containers
                                            .list(account, listing)
                                            .thenApply(
                                                list ->
                                                    json(
                                                        StatusCodes.OK,
                                                        list.stream()
                                                            .map(
                                                                summary ->
                                                                    ContainerViews.listEntry(
                                                                        summary,
                                                                        containers.imageId(summary.image()),
                                                                        isTrue(size)
                                                                            ? containers.imageSize(summary.image()).orElse(0L)
                                                                            : null,
                                                                        now))
                                                            .toList()));
                                  } catch (DockerApiException e) {
                                    listed = CompletableFuture.failedFuture(e);
                                  }
                                  return answer(listed);
                                }))));
  }

  private Route inspectContainer(String reference) {
    return answer(
        containers
            .inspect(account, reference)
            .thenApply(
                inspection ->
                    json(
                        StatusCodes.OK,
                        ContainerViews.inspect(
                            inspection.state(),
                            containers.imageId(inspection.state().spec().image()),
                            inspection.pid()))));
  }

  private Route removeContainer(String reference) {
    return parameterOptional(
        "force",
        force ->
            answer(
                containers
                    .remove(account, reference, isTrue(force))
                    .thenApply(done -> HttpResponse.create().withStatus(StatusCodes.NO_CONTENT))));
  }

  private static HttpResponse noContent() {
    return HttpResponse.create().withStatus(StatusCodes.NO_CONTENT);
  }

  /** 204 when the container changed, 304 when it was already in the state asked for. */
  private static CompletionStage<HttpResponse> changed(CompletionStage<Boolean> outcome) {
    return outcome.thenApply(
        changed ->
            HttpResponse.create().withStatus(changed ? StatusCodes.NO_CONTENT : StatusCodes.NOT_MODIFIED));
  }

  /** Reads a whole-number query parameter; throws a 400 naming it when it is not one. */
  static int integer(String name, Optional<String> value, int absent) {
    if (value.isEmpty() || value.get().isEmpty()) {
      return absent;
    }
    try {
      return Integer.parseInt(value.get());
    } catch (NumberFormatException e) {
      throw DockerApiException.badRequest("invalid " + name + " \"" + value.get() + "\": expected a whole number");
    }
  }

  private static Integer seconds(Optional<String> value) {
    if (value.isEmpty()) {
      return null;
    }
    try {
      return Integer.parseInt(value.get());
    } catch (NumberFormatException e) {
      throw DockerApiException.badRequest("invalid stop timeout \"" + value.get() + "\": expected whole seconds");
    }
  }

  private Route imageRoutes() {
    return pathPrefix(
        "images",
        () ->
            concat(
                path("load", () -> post(this::loadImages)),
                path(
                    "json",
                    () ->
                        get(
                            () ->
                                parameterOptional(
                                    "filters",
                                    filters -> {
                                      DockerFilters parsed;
                                      try {
                                        parsed = DockerFilters.parse(filters, ImageViews.LIST_FILTERS);
                                      } catch (DockerApiException e) {
                                        return complete(error(e.status(), e.getMessage()));
                                      }
                                      return complete(
                                          json(
                                              StatusCodes.OK,
                                              images.store().list().stream()
                                                  .filter(image -> ImageViews.selected(image, parsed))
                                                  .map(image -> ImageViews.listEntry(image, parsed))
                                                  .toList()));
                                    }))),
                // Image names may contain slashes (user/app), so the name is everything between
                // /images/ and /json.
                get(
                    () ->
                        extractUnmatchedPath(
                            rest -> {
                              if (rest.length() > "/json".length() + 1 && rest.endsWith("/json")) {
                                String name = rest.substring(1, rest.length() - "/json".length());
                                return inspectImage(java.net.URLDecoder.decode(name, java.nio.charset.StandardCharsets.UTF_8));
                              }
                              return reject();
                            }))));
  }

  private Route inspectImage(String name) {
    return images
        .store()
        .find(name)
        .map(image -> complete(json(StatusCodes.OK, ImageViews.inspect(image))))
        .orElseGet(() -> complete(error(StatusCodes.NOT_FOUND, ImageService.noSuchImage(name))));
  }

  /** Reads a {@code docker save} archive from the body into the image store. */
  private Route loadImages() {
    return extractMaterializer(
        materializer ->
            extractRequestEntity(
                entity -> {
                  CompletionStage<HttpResponse> loaded =
                      ImageUploads.load(entity, materializer, images)
                          .thenApply(
                              loadedImages ->
                                  HttpResponse.create()
                                      .withStatus(StatusCodes.OK)
                                      .withEntity(ContentTypes.APPLICATION_JSON, ImageUploads.progress(loadedImages)));
                  return answer(loaded);
                }));
  }

  static JsonNode parseJson(String body) {
    try {
      return JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw DockerApiException.badRequest("invalid JSON: " + e.getOriginalMessage());
    }
  }

  /** Reads a boolean query parameter the way the Docker daemon does. */
  static boolean isTrue(Optional<String> value) {
    return value.map(DockerRoutes::isTrue).orElse(false);
  }

  static boolean isTrue(String value) {
    return value.equals("1") || value.equalsIgnoreCase("true");
  }

  private Route ping() {
    return extractMethod(
        method -> {
          HttpResponse response =
              HttpResponse.create()
                  .withStatus(StatusCodes.OK)
                  .withHeaders(pingHeaders());
          if (!method.equals(HttpMethods.HEAD)) {
            response = response.withEntity(ContentTypes.TEXT_PLAIN_UTF8, "OK");
          }
          return complete(response);
        });
  }

  private static List<HttpHeader> pingHeaders() {
    return List.of(
        RawHeader.create("Api-Version", ApiVersion.ADVERTISED),
        RawHeader.create("Docker-Experimental", "false"),
        RawHeader.create("Ostype", "linux"),
        RawHeader.create("Cache-Control", "no-cache, no-store, must-revalidate"),
        RawHeader.create("Pragma", "no-cache"));
  }

  private Map<String, Object> version() {
    Map<String, Object> component = new LinkedHashMap<>();
    component.put("Name", "Nereid");
    component.put("Version", nereidVersion);
    component.put("Details", Map.of("ApiVersion", ApiVersion.ADVERTISED, "MinAPIVersion", ApiVersion.MINIMUM));

    Map<String, Object> body = new LinkedHashMap<>();
    body.put("Platform", Map.of("Name", "Nereid " + nereidVersion));
    body.put("Components", List.of(component));
    body.put("Version", nereidVersion);
    body.put("ApiVersion", ApiVersion.ADVERTISED);
    body.put("MinAPIVersion", ApiVersion.MINIMUM);
    body.put("GitCommit", "");
    body.put("GoVersion", "");
    body.put("Os", "linux");
    body.put("Arch", architecture());
    body.put("KernelVersion", kernelVersion().orElse(""));
    return body;
  }

  /** Returns the fields of {@code /info} that stay the same while the member runs. */
  private Map<String, Object> infoFields() {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("ID", "nereid");
    fields.put("Name", "nereid");
    fields.put("ServerVersion", nereidVersion);
    fields.put("OperatingSystem", "Nereid " + nereidVersion);
    fields.put("OSType", "linux");
    fields.put("Architecture", architecture());
    fields.put("KernelVersion", kernelVersion().orElse(""));
    fields.put("DefaultRuntime", "runc");
    fields.put("Runtimes", Map.of("runc", Map.of("path", "runc")));
    fields.put("Swarm", Map.of("LocalNodeState", "inactive"));
    // Containers keep running while members stop, and a member adopts them when it starts again.
    fields.put("LiveRestoreEnabled", true);
    fields.put("SecurityOptions", List.of());
    fields.put("Warnings", List.of());
    return fields;
  }

  private static String architecture() {
    String arch = System.getProperty("os.arch");
    return switch (arch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64" -> "arm64";
      default -> arch;
    };
  }

  private static Optional<String> kernelVersion() {
    try {
      return Optional.of(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Builds an error in the Docker API's shape, {@code {"message": ...}}. */
  static HttpResponse error(StatusCode status, String message) {
    return json(status, Map.of("message", message));
  }

  static HttpResponse json(StatusCode status, Object body) {
    try {
      return HttpResponse.create()
          .withStatus(status)
          .withEntity(ContentTypes.APPLICATION_JSON, JSON.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a response as JSON", e);
    }
  }
}
