package io.nereid.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nereid.account.Account;
import io.nereid.image.Digest;
import io.nereid.image.Image;
import io.nereid.image.ImageLoader;
import io.nereid.image.ImagePuller;
import io.nereid.image.ImageReference;
import io.nereid.image.ImageInUseException;
import io.nereid.image.ImageStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The image operations of the Docker API beyond load, list and inspect: pull, tag, remove and
 * history.
 * The store's file work runs on {@code executor}, away from the HTTP threads, and each change is
 * published as a Docker event.
 */
public final class ImageService {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ImageLoader loader;
  private final ImageStore store;
  private final Executor executor;
  private final ContainerService containers;
  private final DockerEvents events;
  private final ImagePulls pulls;

  /** @param puller pulls images from registries into the loader's store */
  public ImageService(
      ImageLoader loader,
      ImagePuller puller,
      Executor executor,
      ContainerService containers,
      DockerEvents events) {
    this.loader = loader;
    this.pulls = new ImagePulls(puller, loader.store(), events);
    this.store = loader.store();
    this.executor = executor;
    this.containers = containers;
    this.events = events;
  }

  ImageLoader loader() {
    return loader;
  }

  DockerEvents events() {
    return events;
  }

  ImagePulls pulls() {
    return pulls;
  }

  /** Names an image also {@code repo:tag}; the tag defaults to latest. */
  CompletionStage<Void> tag(String source, String repo, String tag) {
    if (repo.isEmpty()) {
      return CompletableFuture.failedFuture(DockerApiException.badRequest("repository name must have at least one component"));
    }
    ImageReference target;
    try {
      target = ImageReference.parse(repo + ":" + (tag.isEmpty() ? "latest" : tag));
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(DockerApiException.badRequest(e.getMessage()));
    }
    return onExecutor(
        () -> {
          Image image = find(source);
          try {
            store.tag(image.id().toString(), target);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          events.publishImageAction("tag", image.id().toString(), ImageUploads.familiar(target.toString()));
          return null;
        });
  }

  /**
   * Removes a name, or the whole image when given its ID, as {@code docker rmi} does; returns
   * Docker's list of what was untagged and deleted. An image that containers of the account use
   * is not deleted: a running container blocks it always, a stopped one unless {@code force}.
   */
  CompletionStage<List<Map<String, String>>> remove(String account, String name, boolean force) {
    return containers
        .list(account, new ContainerListing(DockerFilters.NONE, true, -1, containers::imageId))
        .thenCompose(summaries -> onExecutor(() -> removeUnlessUsed(name, force, summaries)));
  }

  private List<Map<String, String>> removeUnlessUsed(
      String name, boolean force, List<Account.ContainerSummary> summaries) {
    Image image = find(name);
    String id = image.id().toString();
    String shortId = image.id().hex().substring(0, 12);
    boolean byName = image.repoTags().contains(normalized(name));
    boolean deletes = !byName || image.repoTags().size() <= 1;
    if (deletes) {
      for (Account.ContainerSummary summary : summaries) {
        if (!containers.imageId(summary.image()).map(id::equals).orElse(false)) {
          continue;
        }
        String containerId = summary.containerId().substring(0, 12);
        boolean running = ContainerViews.dockerState(summary.status()).matches("running|paused");
        if (running || !force) {
          String message =
              byName
                  ? "conflict: unable to remove repository reference \"" + name + "\" (must force) - container "
                      + containerId + " is using its referenced image " + shortId
                  : "conflict: unable to delete " + shortId + " (" + (running ? "cannot be forced" : "must be forced")
                      + ") - image is being used by " + (running ? "running" : "stopped") + " container "
                      + containerId;
          throw DockerApiException.conflict(message);
        }
      }
    }
    ImageStore.Removal removal;
    try {
      // The store knows the containers of this member made from the image, also those of other
      // accounts, and rejects the delete unless forced.
      removal = store.remove(name, force);
    } catch (ImageInUseException e) {
      throw DockerApiException.conflict(e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Map<String, String>> report = new ArrayList<>();
    for (String untagged : removal.untagged()) {
      String familiar = ImageUploads.familiar(untagged);
      report.add(Map.of("Untagged", familiar));
      events.publishImageAction("untag", id, familiar);
    }
    removal.deleted().ifPresent(
        deleted -> {
          report.add(Map.of("Deleted", deleted.toString()));
          events.publishImageAction("delete", deleted.toString(), deleted.toString());
        });
    return report;
  }

  /**
   * Returns the image's build steps, newest first, from the history in its config: the top step
   * carries the image ID and tags, earlier ones "&lt;missing&gt;" as with Docker for images that
   * were not built here. Each step that made a layer shows that layer's size.
   */
  CompletionStage<List<Map<String, Object>>> history(String name) {
    return onExecutor(
        () -> {
          Image image = find(name);
          JsonNode history;
          try {
            history = JSON.readTree(store.configBlob(image.id())).path("history");
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          List<Digest> layers = image.layers();
          List<Map<String, Object>> steps = new ArrayList<>();
          int layer = 0;
          for (JsonNode step : history) {
            long size = 0;
            if (!step.path("empty_layer").asBoolean(false) && layer < layers.size()) {
              size = layerSize(layers.get(layer++));
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("Id", "<missing>");
            entry.put("Created", created(step.path("created").asText("")));
            entry.put("CreatedBy", step.path("created_by").asText(""));
            entry.put("Tags", null);
            entry.put("Size", size);
            entry.put("Comment", step.path("comment").asText(""));
            steps.add(0, entry);
          }
          if (!steps.isEmpty()) {
            steps.get(0).put("Id", image.id().toString());
            steps.get(0).put("Tags", image.repoTags().stream().map(ImageUploads::familiar).toList());
          }
          return steps;
        });
  }

  private long layerSize(Digest diffId) {
    try {
      return store.layers().layer(diffId).size();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long created(String text) {
    try {
      return text.isEmpty() ? 0 : Instant.parse(text).getEpochSecond();
    } catch (java.time.format.DateTimeParseException e) {
      return 0;
    }
  }

  private Image find(String name) {
    return store.find(name).orElseThrow(() -> DockerApiException.notFound("No such image: " + name));
  }

  private static String normalized(String name) {
    try {
      return ImageReference.parse(name).toString();
    } catch (IllegalArgumentException e) {
      return name;
    }
  }

  private <T> CompletionStage<T> onExecutor(Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, executor);
  }
}
