package io.nereid.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nereid.image.Descriptor;
import io.nereid.image.Image;
import io.nereid.image.ImageNotFoundException;
import io.nereid.image.ImagePuller;
import io.nereid.image.ImageReference;
import io.nereid.image.ImageStore;
import io.nereid.image.PullListener;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code docker pull}: pulls through the {@link ImagePuller} and streams Docker's JSON progress
 * messages, one per line, so that the CLI draws its progress bars. The response starts once the
 * manifest is resolved, so an unknown image or an unreachable registry still gets an HTTP error
 * status; a failure after that ends the stream with an error message, as with Docker.
 */
final class ImagePulls {

  private static final Logger log = LoggerFactory.getLogger(ImagePulls.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * Messages buffered for a slow client. NOTE: when the buffer is full, further messages are
   * dropped, the closing status lines among them. With one message per 256 KiB downloaded, that
   * takes about a gigabyte of layers that the client has not read yet.
   */
  private static final int BUFFER = 4096;

  private final ImagePuller puller;
  private final ImageStore store;
  private final DockerEvents events;

  ImagePulls(ImagePuller puller, ImageStore store, DockerEvents events) {
    this.puller = puller;
    this.store = store;
    this.events = events;
  }

  /**
   * Starts a pull of {@code fromImage} with {@code tag}, which may also be a digest
   * ({@code sha256:...}) to pull by digest; completes with the streaming response.
   */
  CompletionStage<HttpResponse> pull(String fromImage, String tag, Materializer materializer) {
    ImageReference reference;
    try {
      reference = reference(fromImage, tag);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(DockerApiException.badRequest(e.getMessage()));
    }
    Pair<BoundedSourceQueue<ByteString>, Source<ByteString, NotUsed>> queued =
        Source.<ByteString>queue(BUFFER).preMaterialize(materializer);
    BoundedSourceQueue<ByteString> queue = queued.first();
    CompletableFuture<Boolean> started = new CompletableFuture<>();
    Optional<String> before = store.findByReference(reference).map(image -> image.id().toString());

    puller
        .pull(reference, new Progress(queue, started))
        .whenComplete(
            (image, error) -> {
              if (error != null) {
                Throwable cause = ContainerService.unwrap(error);
                log.info("image pull failed reference={} error={}", reference, cause.getMessage());
                if (!started.completeExceptionally(failure(reference, cause))) {
                  offer(queue, Map.of("errorDetail", Map.of("message", message(cause)), "error", message(cause)));
                  queue.complete();
                }
                return;
              }
              finish(queue, reference, image, before);
              events.publishImageAction("pull", familiar(reference), familiar(reference));
              queue.complete();
            });
    return started.thenApply(
        ok ->
            HttpResponse.create()
                .withStatus(StatusCodes.OK)
                .withEntity(HttpEntities.createChunked(ContentTypes.APPLICATION_JSON, queued.second())));
  }

  /** Reads the reference the CLI sends: the name in fromImage, and a tag or a digest in tag. */
  static ImageReference reference(String fromImage, String tag) {
    if (fromImage.isEmpty()) {
      throw new IllegalArgumentException("invalid reference format: the image name is empty");
    }
    if (tag.isEmpty()) {
      return ImageReference.parse(fromImage);
    }
    return ImageReference.parse(fromImage + (tag.contains(":") ? "@" : ":") + tag);
  }

  private static void finish(
      BoundedSourceQueue<ByteString> queue, ImageReference reference, Image image, Optional<String> before) {
    String repository = reference.repository();
    image.repoDigests().stream()
        .filter(digest -> digest.startsWith(repository + "@"))
        .findFirst()
        .ifPresent(digest -> offer(queue, Map.of("status", "Digest: " + digest.substring(digest.indexOf('@') + 1))));
    boolean unchanged = before.map(id -> id.equals(image.id().toString())).orElse(false);
    offer(
        queue,
        Map.of(
            "status",
            (unchanged ? "Status: Image is up to date for " : "Status: Downloaded newer image for ")
                + familiar(reference)));
  }

  private static DockerApiException failure(ImageReference reference, Throwable cause) {
    if (cause instanceof ImageNotFoundException) {
      return DockerApiException.notFound("pull of " + familiar(reference) + " failed: " + cause.getMessage());
    }
    return DockerApiException.serverError("pull of " + familiar(reference) + " failed: " + message(cause));
  }

  private static String message(Throwable cause) {
    return String.valueOf(cause.getMessage());
  }

  private static String familiar(ImageReference reference) {
    return ImageUploads.familiar(reference.toString());
  }

  private static void offer(BoundedSourceQueue<ByteString> queue, Map<String, ?> message) {
    try {
      queue.offer(ByteString.fromArray(JSON.writeValueAsBytes(message)).concat(ByteString.fromString("\n")));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a pull message as JSON", e);
    }
  }

  /** Turns the puller's progress into Docker's messages, each about a layer's short ID. */
  private static final class Progress implements PullListener {

    private final BoundedSourceQueue<ByteString> queue;
    private final CompletableFuture<Boolean> started;

    Progress(BoundedSourceQueue<ByteString> queue, CompletableFuture<Boolean> started) {
      this.queue = queue;
      this.started = started;
    }

    @Override
    public void resolved(ImageReference reference, List<Descriptor> layers, List<Boolean> missing) {
      String id = reference.tag() != null ? reference.tag() : reference.digest().toString();
      offer(queue, Map.of("status", "Pulling from " + reference.path(), "id", id));
      for (int i = 0; i < layers.size(); i++) {
        offer(queue, layerMessage(missing.get(i) ? "Pulling fs layer" : "Already exists", layers.get(i), Map.of()));
      }
      started.complete(true);
    }

    @Override
    public void downloading(Descriptor layer, long bytes) {
      offer(queue, layerMessage("Downloading", layer, Map.of("current", bytes, "total", layer.size())));
    }

    @Override
    public void stored(Descriptor layer) {
      offer(queue, layerMessage("Download complete", layer, Map.of()));
      offer(queue, layerMessage("Pull complete", layer, Map.of()));
    }

    private static Map<String, Object> layerMessage(String status, Descriptor layer, Map<String, Long> detail) {
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("status", status);
      message.put("progressDetail", detail);
      message.put("id", layer.digest().hex().substring(0, 12));
      return message;
    }
  }
}
