package io.nereid.docker;

import io.nereid.image.ImageReference;
import java.net.URLDecoder;
import java.util.Map;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The image endpoints {@code POST /images/create} (pull and import), {@code POST
 * /images/{name}/tag}, {@code GET /images/{name}/history} and {@code DELETE /images/{name}}. Image names may contain slashes ({@code user/app}), so the name
 * is the rest of the path after {@code /images/}, without the endpoint's last segment.
 */
final class ImageRoutes extends DockerDirectives {

  private final ImageService images;
  private final String account;

  ImageRoutes(ImageService images, String account) {
    this.images = images;
    this.account = account;
  }

  Route route() {
    return pathPrefix(
        "images",
        () ->
            concat(
                path("create", () -> post(this::create)),
                extractUnmatchedPath(
                rest -> {
                  String path = rest.startsWith("/") ? rest.substring(1) : rest;
                  if (path.isEmpty()) {
                    return reject();
                  }
                  return concat(
                      post(() -> suffixed(path, "/tag", this::tag)),
                      get(() -> suffixed(path, "/history", this::history)),
                      delete(() -> remove(decode(path))));
                })));
  }

  /**
   * {@code docker import} (fromSrc) and {@code docker pull} (fromImage). Only an upload in the
   * body, {@code fromSrc=-}, is imported; a URL source and Dockerfile changes are rejected.
   */
  private Route create() {
    return parameterOptional(
        "fromSrc",
        fromSrc ->
            parameterOptional(
                "fromImage",
                fromImage ->
                    parameterOptional(
                        "repo",
                        repo ->
                            parameterOptional(
                                "tag",
                                tag -> {
                                  if (fromSrc.isPresent()) {
                                    return parameterMultiMap(
                                        parameters ->
                                            parameters.getOrDefault("changes", java.util.List.of()).stream()
                                                    .anyMatch(change -> !change.isBlank())
                                                ? complete(
                                                    DockerRoutes.error(
                                                        StatusCodes.BAD_REQUEST,
                                                        "Nereid does not apply --change to an import yet;"
                                                            + " import without it"))
                                                : importImage(fromSrc.get(), repo.orElse(""), tag.orElse("")));
                                  }
                                  return extractMaterializer(
                                      materializer ->
                                          answer(
                                              images
                                                  .pulls()
                                                  .pull(fromImage.orElse(""), tag.orElse(""), materializer)));
                                }))));
  }

  private Route importImage(String source, String repo, String tag) {
    if (!source.equals("-")) {
      return complete(
          DockerRoutes.error(
              StatusCodes.BAD_REQUEST, "importing from a URL is not supported; send the tarball in the body"));
    }
    java.util.Optional<ImageReference> reference;
    try {
      reference =
          repo.isEmpty()
              ? java.util.Optional.empty()
              : java.util.Optional.of(ImageReference.parse(tag.isEmpty() ? repo : repo + ":" + tag));
    } catch (IllegalArgumentException e) {
      return complete(DockerRoutes.error(StatusCodes.BAD_REQUEST, e.getMessage()));
    }
    return extractMaterializer(
        materializer ->
            extractRequestEntity(
                entity ->
                    answer(
                        ImageUploads.importRootfs(entity, materializer, images.loader(), reference)
                            .thenApply(
                                image -> {
                                  images.events().publishImageAction("import", image.id().toString(), image.id().toString());
                                  return DockerRoutes.json(StatusCodes.OK, Map.of("status", image.id().toString()));
                                }))));
  }

  private Route suffixed(String path, String suffix, java.util.function.Function<String, Route> route) {
    if (path.length() > suffix.length() && path.endsWith(suffix)) {
      return route.apply(decode(path.substring(0, path.length() - suffix.length())));
    }
    return reject();
  }

  private Route tag(String name) {
    return parameterOptional(
        "repo",
        repo ->
            parameterOptional(
                "tag",
                tag ->
                    answer(
                        images
                            .tag(name, repo.orElse(""), tag.orElse(""))
                            .thenApply(done -> HttpResponse.create().withStatus(StatusCodes.CREATED)))));
  }

  private Route history(String name) {
    return answer(images.history(name).thenApply(steps -> DockerRoutes.json(StatusCodes.OK, steps)));
  }

  private Route remove(String name) {
    return parameterOptional(
        "force",
        force ->
            answer(
                images
                    .remove(account, name, DockerRoutes.isTrue(force))
                    .thenApply(report -> DockerRoutes.json(StatusCodes.OK, report))));
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }
}
