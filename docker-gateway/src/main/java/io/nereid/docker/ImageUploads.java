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

  /** Loads the archive; returns the names of the loaded images. */
  static CompletionStage<List<String>> load(HttpEntity entity, Materializer materializer, ImageLoader loader) {
    return viaTemporaryFile(entity, materializer, loader::load, "invalid image archive: ")
        .thenApply(images -> images.stream().map(ImageUploads::name).toList());
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

  /** The JSON message stream the docker CLI prints: one "Loaded image" line per image. */
  static byte[] progress(List<String> names) {
    StringBuilder body = new StringBuilder();
    for (String name : names) {
      try {
        body.append(JSON.writeValueAsString(Map.of("stream", "Loaded image" + name + "\n"))).append('\n');
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Returns what follows "Loaded image" in Docker's message: the first tag in the short form
   * Docker prints for Docker Hub names, or the id of an untagged image.
   */
  private static String name(Image image) {
    if (image.repoTags().isEmpty()) {
      return " ID: " + image.id();
    }
    return ": " + familiar(image.repoTags().get(0));
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
