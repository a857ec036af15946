package io.nereid.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls images from registries into an {@link ImageStore}: the manifest (through a manifest list
 * to the configured platform), the config, then every layer not yet stored, concurrently. Every
 * blob is checked against its digest before it is kept.
 *
 * <p>For {@code docker.io} images the configured mirrors are tried first, in order, and Docker Hub
 * last, as the Docker daemon does. Any failure at a mirror moves on to the next endpoint.
 */
public final class ImagePuller {

  private static final Logger log = LoggerFactory.getLogger(ImagePuller.class);

  private final ImageStore store;
  private final RegistryClient client;
  private final Executor executor;

  /** @param executor runs the blocking network and disk work; layers download in parallel on it */
  public ImagePuller(ImageStore store, RegistryClient client, Executor executor) {
    this.store = store;
    this.client = client;
    this.executor = executor;
  }

  /**
   * Pulls {@code reference} and returns the stored image, tagged with the reference's tag and
   * recorded with the manifest digest it was pulled by.
   */
  public CompletionStage<Image> pull(ImageReference reference) {
    return pull(reference, PullListener.NONE);
  }

  /** Pulls {@code reference} as {@link #pull(ImageReference)} does, telling {@code listener} the progress. */
  public CompletionStage<Image> pull(ImageReference reference, PullListener listener) {
    return unwrapFailure(pullWithFallback(reference, listener));
  }

  private CompletableFuture<Image> pullWithFallback(ImageReference reference, PullListener listener) {
    List<RegistryClient.Endpoint> endpoints = client.endpoints(reference);
    CompletableFuture<Image> attempt = pullFrom(endpoints.get(0), reference, listener);
    for (int i = 1; i < endpoints.size(); i++) {
      RegistryClient.Endpoint previous = endpoints.get(i - 1);
      RegistryClient.Endpoint next = endpoints.get(i);
      attempt =
          attempt.exceptionallyCompose(
              failure -> {
                log.warn(
                    "pull of {} from {} failed, trying {}: {}",
                    reference, previous.base(), next.base(), unwrap(failure).getMessage());
                return pullFrom(next, reference, listener);
              });
    }
    return attempt;
  }

  private CompletableFuture<Image> pullFrom(
      RegistryClient.Endpoint endpoint, ImageReference reference, PullListener listener) {
    return CompletableFuture.supplyAsync(() -> resolve(endpoint, reference), executor)
        .thenCompose(resolved -> fetchLayers(endpoint, reference, resolved, listener));
  }

  /** A manifest chosen for this platform, its config, and the pin that keeps its layers. */
  private record Resolved(
      ImageManifest manifest, Digest manifestDigest, byte[] configBlob, ImageConfig config,
      LayerStore.Pin pin) {}

  private Resolved resolve(RegistryClient.Endpoint endpoint, ImageReference reference) {
    try {
      String repository = reference.path();
      log.info("pulling {} from {}", reference, endpoint.base());
      RegistryClient.ManifestResponse response =
          client.manifest(endpoint, repository, reference.manifestReference());
      if (ImageIndex.isIndex(response.body(), response.mediaType())) {
        Descriptor chosen =
            ImageIndex.parse(response.body(), response.mediaType()).select(client.config().platform());
        response = client.manifest(endpoint, repository, chosen.digest().toString());
      }
      ImageManifest manifest = ImageManifest.parse(response.body(), response.mediaType());
      byte[] configBlob = client.smallBlob(endpoint, repository, manifest.config());
      ImageConfig config = ImageConfig.parse(configBlob);
      if (config.diffIds().size() != manifest.layers().size()) {
        throw new ManifestException(
            "image " + reference + " lists " + manifest.layers().size() + " layers but its config has "
                + config.diffIds().size() + " diff IDs");
      }
      for (Descriptor layer : manifest.layers()) {
        if (!MediaTypes.SUPPORTED_LAYERS.contains(layer.mediaType())) {
          throw new ManifestException(
              "layer " + layer.digest() + " of " + reference + " has the unsupported media type '"
                  + layer.mediaType() + "'");
        }
      }
      LayerStore.Pin pin = store.layers().pin(config.diffIds());
      return new Resolved(manifest, response.digest(), configBlob, config, pin);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private CompletableFuture<Image> fetchLayers(
      RegistryClient.Endpoint endpoint, ImageReference reference, Resolved resolved, PullListener listener) {
    List<Descriptor> layers = resolved.manifest().layers();
    List<Boolean> missing = new ArrayList<>();
    for (Digest diffId : resolved.config().diffIds()) {
      missing.add(!store.layers().contains(diffId));
    }
    listener.resolved(reference, layers, missing);
    List<CompletableFuture<Void>> downloads = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      Descriptor blob = layers.get(i);
      Digest diffId = resolved.config().diffIds().get(i);
      if (!missing.get(i)) {
        continue;
      }
      downloads.add(
          CompletableFuture.runAsync(
              () -> fetchLayer(endpoint, reference, blob, diffId, resolved.pin(), listener), executor));
    }
    return CompletableFuture.allOf(downloads.toArray(CompletableFuture[]::new))
        .thenApplyAsync(ignored -> commit(reference, resolved), executor)
        .whenComplete((image, failure) -> resolved.pin().close());
  }

  private void fetchLayer(
      RegistryClient.Endpoint endpoint, ImageReference reference, Descriptor blob, Digest diffId,
      LayerStore.Pin pin, PullListener listener) {
    String source = "layer " + blob.digest() + " of " + reference;
    try (InputStream stream =
        new ProgressInputStream(client.openBlob(endpoint, reference.path(), blob.digest()), bytes -> listener.downloading(blob, bytes))) {
      store.layers().put(stream, source, blob, diffId, pin);
      listener.stored(blob);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Image commit(ImageReference reference, Resolved resolved) {
    try {
      List<ImageReference> tags = reference.tag() != null ? List.of(reference.withTagOnly(reference.tag())) : List.of();
      Image image =
          store.add(resolved.configBlob(), tags, List.of(reference.withDigestOnly(resolved.manifestDigest())));
      log.info("pulled {} as image {}", reference, image.id());
      return image;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Fails the returned stage with the underlying exception instead of its wrappers. */
  static <T> CompletableFuture<T> unwrapFailure(CompletableFuture<T> future) {
    return future
        .handle(
            (value, failure) ->
                failure == null
                    ? CompletableFuture.completedFuture(value)
                    : CompletableFuture.<T>failedFuture(unwrap(failure)))
        .thenCompose(result -> result);
  }

  static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof UncheckedIOException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
