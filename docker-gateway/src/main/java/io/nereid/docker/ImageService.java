package io.nereid.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nereid.account.Account;
import io.nereid.image.Digest;
import io.nereid.image.Image;
import io.nereid.image.ImageLoader;
import io.nereid.image.ImagePuller;
import io.nereid.image.ImageReference;
import io.nereid.image.ImageNotFoundException;
import io.nereid.image.ImageStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
   * Removes a name, or the whole image when given its ID, as {@code docker rmi} does in Docker 28;
   * returns Docker's list of what was untagged and deleted. A running container of the account
   * that uses the image keeps it always, a stopped one unless {@code force}. After removing the
   * last name, such a container keeps the image without names, and the removal still succeeds.
   */
  CompletionStage<List<Map<String, String>>> remove(String account, String name, boolean force) {
    return containers
        .list(account, new ContainerListing(DockerFilters.NONE, true, -1, containers::imageId))
        .thenCompose(summaries -> onExecutor(() -> removeUnlessUsed(name, force, summaries)));
  }

  /** The containers that use one image: a running one of the account, and a stopped one. */
  private record Users(Optional<String> running, Optional<String> stopped) {
    boolean any() {
      return running.isPresent() || stopped.isPresent();
    }
  }

  private List<Map<String, String>> removeUnlessUsed(
      String name, boolean force, List<Account.ContainerSummary> summaries) {
    Image image = find(name);
    Users users = users(image, summaries);
    String shortId = image.id().hex().substring(0, 12);
    List<Map<String, String>> report = new ArrayList<>();
    try {
      if (!isIdPrefix(image, name)) {
        if (!force && singleReference(image) && users.any()) {
          String container = users.running().or(users::stopped).orElseThrow();
          throw DockerApiException.conflict(
              "conflict: unable to remove repository reference \"" + name + "\" (must force) - container "
                  + container + " is using its referenced image " + shortId);
        }
        report(store.untag(name), image, report);
        boolean named = store.find(image.id().toString()).map(ImageService::hasNames).orElse(false);
        // Like Docker, a container that uses the image keeps it, untagged, without an error.
        if (named || users.running().isPresent() || (!force && users.stopped().isPresent())) {
          return report;
        }
      } else {
        users.running().ifPresent(container -> {
          throw conflict(shortId, "cannot be forced", "image is being used by running container " + container);
        });
        if (!force && !singleReference(image) && hasNames(image)) {
          throw conflict(shortId, "must be forced", "image is referenced in multiple repositories");
        }
        if (!force && users.stopped().isPresent()) {
          throw conflict(shortId, "must be forced", "image is being used by stopped container " + users.stopped().get());
        }
      }
      report(store.delete(image.id()), image, report);
    } catch (ImageNotFoundException e) {
      throw DockerApiException.notFound(noSuchImage(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return report;
  }

  /**
   * Finds the containers that use the image. A container of the account uses it when its image
   * reference still names the image or when this member's store records it as a user, which
   * covers a container whose reference was untagged since. A user that the store records and the
   * account does not list may belong to another account, and counts as stopped.
   *
   * <p>NOTE: the store records only the containers that this member's node agents run, so a
   * container on another member whose image reference no longer names the image is not found.
   */
  private Users users(Image image, List<Account.ContainerSummary> summaries) {
    String id = image.id().toString();
    Set<String> storeUsers = store.containersUsing(image.id());
    Optional<String> running = Optional.empty();
    Optional<String> stopped = Optional.empty();
    Set<String> listed = new HashSet<>();
    for (Account.ContainerSummary summary : summaries) {
      listed.add(summary.containerId());
      boolean uses =
          storeUsers.contains(summary.containerId())
              || containers.imageId(summary.image()).map(id::equals).orElse(false);
      if (!uses) {
        continue;
      }
      String containerId = summary.containerId().substring(0, 12);
      if (ContainerViews.dockerState(summary.status()).matches("running|paused")) {
        running = running.or(() -> Optional.of(containerId));
      } else {
        stopped = stopped.or(() -> Optional.of(containerId));
      }
    }
    for (String containerId : storeUsers) {
      if (stopped.isEmpty() && !listed.contains(containerId)) {
        stopped = Optional.of(containerId.substring(0, Math.min(12, containerId.length())));
      }
    }
    return new Users(running, stopped);
  }

  /** Adds a removal to Docker's report and publishes its events. */
  private void report(ImageStore.Removal removal, Image image, List<Map<String, String>> report) {
    String id = image.id().toString();
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
    removal.deletedLayers().forEach(layer -> report.add(Map.of("Deleted", layer.toString())));
  }

  private static DockerApiException conflict(String shortId, String forceNote, String reason) {
    return DockerApiException.conflict("conflict: unable to delete " + shortId + " (" + forceNote + ") - " + reason);
  }

  /** Returns true when {@code name} is a prefix of the image's ID, with or without "sha256:", as Docker checks. */
  private static boolean isIdPrefix(Image image, String name) {
    return image.id().toString().startsWith(name) || image.id().hex().startsWith(name);
  }

  private static boolean hasNames(Image image) {
    return !image.repoTags().isEmpty() || !image.repoDigests().isEmpty();
  }

  /**
   * Returns true when the image has exactly one name, or one tag and repo digests of only that
   * tag's repository, which Docker's rmi by ID removes without force.
   */
  private static boolean singleReference(Image image) {
    List<String> tags = image.repoTags();
    List<String> digests = image.repoDigests();
    if (tags.size() + digests.size() <= 1) {
      return tags.size() + digests.size() == 1;
    }
    if (tags.size() > 1) {
      return false;
    }
    String repository = repository(tags.isEmpty() ? digests.get(0) : tags.get(0));
    return digests.stream().map(ImageService::repository).allMatch(repository::equals);
  }

  private static String repository(String reference) {
    return ImageReference.parse(reference).repository();
  }

  /**
   * Returns Docker's message for a missing image: a name gets the tag latest when it has neither
   * tag nor digest, in the short form, as in "No such image: busybox:latest".
   */
  static String noSuchImage(String name) {
    try {
      return "No such image: " + ImageUploads.familiar(ImageReference.parse(name).toString());
    } catch (IllegalArgumentException notAReference) {
      return "No such image: " + name;
    }
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
    return store.find(name).orElseThrow(() -> DockerApiException.notFound(noSuchImage(name)));
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
