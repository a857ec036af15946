package io.nereid.docker;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nereid.image.Image;
import io.nereid.image.ImageLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.nereid.image.ImageReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.FileIO;

/**
 * {@code docker load}: the archive in the request body goes to a temporary file, without being
 * held in memory, and the image loader reads it from there.
 */
final class ImageUploads {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ImageUploads() {}

  /** Loads the archive; returns the loaded images with the tags the archive gave them. */
  static CompletionStage<List<ImageLoader.LoadedImage>> load(
      HttpEntity entity, Materializer materializer, ImageLoader loader) {
    return viaTemporaryFile(entity, materializer, loader::load, "invalid image archive: ");
  }

  /** Imports a root file system tarball as a one-layer image, {@code docker import}. */
  static CompletionStage<Image> importRootfs(
      HttpEntity entity, Materializer materializer, ImageLoader loader, Optional<ImageReference> tag) {
    return viaTemporaryFile(
        entity, materializer, file -> loader.importRootfs(file, tag), "invalid root file system tarball: ");
  }

  /** Streams the body to a temporary file, runs {@code read} on it and deletes it afterwards. */
  private static <T> CompletionStage<T> viaTemporaryFile(
      HttpEntity entity,
      Materializer materializer,
      Function<Path, CompletionStage<T>> read,
      String errorPrefix) {
    Path file;
    try {
      file = Files.createTempFile("nereid-upload-", ".tar");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return entity
        .withoutSizeLimit()
        .getDataBytes()
        .runWith(FileIO.toPath(file), materializer)
        .thenCompose(written -> read.apply(file))
        .whenComplete((result, error) -> deleteQuietly(file))
        .exceptionally(
            error -> {
              throw DockerApiException.badRequest(errorPrefix + ContainerService.unwrap(error).getMessage());
            });
  }

  /**
   * Returns the JSON message stream that the docker CLI prints, with the lines Docker 28 writes:
   * "Loaded image: NAME" for each tag of each image in the archive, each preceded by a notice
   * when the tag named another image before. When the archive's last image has no tags, Docker
   * lists every loaded image as "Loaded image ID: ID" instead, and so does this.
   */
  static byte[] progress(List<ImageLoader.LoadedImage> images) {
    List<String> lines = new ArrayList<>();
    for (ImageLoader.LoadedImage image : images) {
      for (ImageLoader.LoadedTag tag : image.tags()) {
        String name = familiar(tag.reference().toString());
        tag.previousImage()
            .ifPresent(
                previous ->
                    lines.add(
                        "The image " + name + " already exists, renaming the old one with ID " + previous
                            + " to empty string"));
        lines.add("Loaded image: " + name);
      }
    }
    if (!images.isEmpty() && images.get(images.size() - 1).tags().isEmpty()) {
      images.forEach(image -> lines.add("Loaded image ID: " + image.image().id()));
    }
    StringBuilder body = new StringBuilder();
    for (String line : lines) {
      try {
        body.append(JSON.writeValueAsString(Map.of("stream", line + "\n"))).append('\n');
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  static String familiar(String reference) {
    String name = reference;
    if (name.startsWith("docker.io/")) {
      name = name.substring("docker.io/".length());
      if (name.startsWith("library/")) {
        name = name.substring("library/".length());
      }
    }
    return name;
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // A leftover temporary file is harmless.
    }
  }
}
