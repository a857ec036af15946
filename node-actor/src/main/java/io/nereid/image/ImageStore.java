package io.nereid.image;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The images on one compute node: each image's config blob, its names, and through the
 * {@link LayerStore} its layers. An image holds its layers as the owner {@code image-<hex>}, and
 * a container created from it as the owner {@code container-<id>}, so a layer stays while either
 * remains. The store also records which image each container was created from, and refuses to
 * delete an image that a container uses unless forced, as {@code docker rmi} does.
 *
 * <p>Layout under the store directory: {@code images/<hex>.json} the names of each image,
 * {@code configs/<hex>} its config blob, {@code users/<container id>} the ID of the image a
 * container uses, {@code layers/} the {@link LayerStore}, {@code tmp/} scratch space for archives
 * being loaded.
 *
 * <p>Methods block on disk I/O, so call them from an executor meant for blocking work.
 */
public final class ImageStore {

  private static final Logger log = LoggerFactory.getLogger(ImageStore.class);
  private static final Pattern ID_PREFIX = Pattern.compile("[a-f0-9]{1,64}");

  /** The names of one image, as stored in {@code images/<hex>.json}. */
  private record ImageNames(Digest id, List<String> repoTags, List<String> repoDigests) {}

  /**
   * The outcome of {@link #remove}, {@link #untag} or {@link #delete}.
   *
   * @param deletedLayers the chain IDs of the layers deleted with the image, topmost first
   */
  public record Removal(List<String> untagged, Optional<Digest> deleted, List<Digest> deletedLayers) {}

  private final Path imagesDirectory;
  private final Path configsDirectory;
  private final Path scratchDirectory;
  private final LayerStore layers;
  private final Map<Digest, Image> images = new HashMap<>();
  private final Path usersDirectory;
  /** The image each container was created from, by container id. */
  private final Map<String, Digest> users = new HashMap<>();

  private ImageStore(Path directory, LayerStore layers) {
    this.usersDirectory = directory.resolve("users");
    this.imagesDirectory = directory.resolve("images");
    this.configsDirectory = directory.resolve("configs");
    this.scratchDirectory = directory.resolve("tmp");
    this.layers = layers;
  }

  /** Opens the store at {@code directory}, creating it if needed. */
  public static ImageStore open(Path directory) throws IOException {
    Files.createDirectories(directory.resolve("images"));
    Files.createDirectories(directory.resolve("configs"));
    Files.createDirectories(directory.resolve("users"));
    FileTrees.deleteRecursively(directory.resolve("tmp")); // left by a load that crashed
    Files.createDirectories(directory.resolve("tmp"));
    ImageStore store = new ImageStore(directory, LayerStore.open(directory.resolve("layers")));
    store.loadImages();
    store.loadUsers();
    return store;
  }

  public LayerStore layers() {
    return layers;
  }

  /** Creates an empty directory on the store's file system for a caller's temporary files. */
  public Path createScratchDirectory() throws IOException {
    return Files.createTempDirectory(scratchDirectory, "scratch-");
  }

  /**
   * Adds an image whose layers are already in the layer store, or adds names to it if it is
   * there. A tag that named another image moves here, leaving that image untagged, as in Docker.
   *
   * @param configBlob the image config exactly as pulled or loaded; its sha256 is the image ID
   */
  public synchronized Image add(
      byte[] configBlob, List<ImageReference> tags, List<ImageReference> repoDigests)
      throws IOException {
    Digest id = Digest.sha256(configBlob);
    ImageConfig config = ImageConfig.parse(configBlob);
    long size = 0;
    for (Digest diffId : config.diffIds()) {
      size += layers.layer(diffId).size();
    }
    layers.retain(owner(id), config.diffIds());

    Path configPath = configsDirectory.resolve(id.hex());
    if (!Files.exists(configPath)) {
      Path temporary = configsDirectory.resolve(id.hex() + ".tmp");
      Files.write(temporary, configBlob);
      LayerStore.moveAtomically(temporary, configPath);
    }

    Image existing = images.get(id);
    Set<String> repoTags = new LinkedHashSet<>(existing == null ? List.of() : existing.repoTags());
    Set<String> digests = new LinkedHashSet<>(existing == null ? List.of() : existing.repoDigests());
    for (ImageReference tag : tags) {
      if (tag.tag() == null) {
        throw new IllegalArgumentException("tag reference " + tag + " has no tag");
      }
      String name = tag.withTagOnly(tag.tag()).toString();
      untagOthers(id, name);
      repoTags.add(name);
    }
    repoDigests.forEach(reference -> digests.add(reference.toString()));
    Image image = new Image(id, List.copyOf(repoTags), List.copyOf(digests), config, size);
    save(image);
    log.info("stored image {} with tags {}", id, image.repoTags());
    return image;
  }

  /** Names {@code target}, an image reference or ID, also as {@code tag}. */
  public synchronized Image tag(String target, ImageReference tag) throws IOException {
    Image image = find(target).orElseThrow(() -> notFound(target));
    String name = tag.withTagOnly(tag.tag()).toString();
    untagOthers(image.id(), name);
    Set<String> repoTags = new LinkedHashSet<>(image.repoTags());
    repoTags.add(name);
    Image tagged = new Image(image.id(), List.copyOf(repoTags), image.repoDigests(), image.config(), image.size());
    save(tagged);
    return tagged;
  }

  /**
   * Finds an image by reference ({@code busybox}, {@code app@sha256:...}) or by ID, full or a
   * unique prefix of its hex. As in Docker, a name wins over an ID prefix that spells the same.
   */
  public synchronized Optional<Image> find(String nameOrId) {
    return match(nameOrId).map(Match::image);
  }

  /** An image found by {@link #find}, and whether the text named its ID rather than a name. */
  private record Match(Image image, boolean byId) {}

  private Optional<Match> match(String nameOrId) {
    if (nameOrId.startsWith("sha256:")) {
      return findById(nameOrId.substring("sha256:".length())).map(image -> new Match(image, true));
    }
    try {
      Optional<Image> byName = findByReference(ImageReference.parse(nameOrId));
      if (byName.isPresent()) {
        return Optional.of(new Match(byName.get(), false));
      }
    } catch (IllegalArgumentException notAReference) {
      // an ID prefix may still match below
    }
    if (ID_PREFIX.matcher(nameOrId).matches()) {
      return findById(nameOrId).map(image -> new Match(image, true));
    }
    return Optional.empty();
  }

  public synchronized Optional<Image> findByReference(ImageReference reference) {
    String wanted =
        reference.digest() != null
            ? reference.withDigestOnly(reference.digest()).toString()
            : reference.toString();
    for (Image image : images.values()) {
      List<String> names = reference.digest() != null ? image.repoDigests() : image.repoTags();
      if (names.contains(wanted)) {
        return Optional.of(image);
      }
    }
    return Optional.empty();
  }

  private Optional<Image> findById(String hexPrefix) {
    List<Image> matches = new ArrayList<>();
    for (Image image : images.values()) {
      if (image.id().hex().startsWith(hexPrefix)) {
        matches.add(image);
      }
    }
    return matches.size() == 1 ? Optional.of(matches.get(0)) : Optional.empty();
  }

  /** Returns every image, newest first, and last those whose config gives no creation time. */
  public synchronized List<Image> list() {
    List<Image> all = new ArrayList<>(images.values());
    all.sort(
        Comparator.comparing((Image image) -> image.config().created(), Comparator.nullsFirst(Comparator.naturalOrder()))
            .reversed());
    return all;
  }

  /** Returns the image's config blob exactly as stored. */
  public byte[] configBlob(Digest id) throws IOException {
    return Files.readAllBytes(configsDirectory.resolve(id.hex()));
  }

  /** Returns the image's layer directories, lowest layer first. */
  public List<Path> layerDirectories(Image image) {
    return image.layers().stream().map(layers::directory).toList();
  }

  /**
   * Removes a name, or a whole image when given its ID, as {@code docker rmi} does. The image is
   * deleted once no tag or repo digest names it, and its layers once no container holds them.
   *
   * @throws ImageNotFoundException if nothing matches
   */
  public synchronized Removal remove(String nameOrId) throws IOException {
    return remove(nameOrId, false);
  }

  /**
   * Removes like {@link #remove(String)}. Without {@code force}, deleting an image that a container
   * was created from fails with {@link ImageInUseException}; with it, the image's names and config
   * go, while its layers stay until the containers release them.
   */
  public synchronized Removal remove(String nameOrId, boolean force) throws IOException {
    Match match = match(nameOrId).orElseThrow(() -> notFound(nameOrId));
    Image image = match.image();
    List<String> untagged = match.byId() ? names(image) : namesRemovedWith(image, referenceName(nameOrId));
    if (untagged.size() < names(image).size()) {
      saveWithout(image, untagged);
      return new Removal(untagged, Optional.empty(), List.of());
    }
    Set<String> using = containersUsing(image.id());
    if (!using.isEmpty() && !force) {
      throw new ImageInUseException(
          "conflict: unable to delete "
              + nameOrId
              + " (must be forced) - image "
              + image.id().hex().substring(0, 12)
              + " is being used by container "
              + using.iterator().next(),
          using);
    }
    return deleteImage(image, untagged);
  }

  /**
   * Removes the tag or repo digest {@code reference} from its image, as {@code docker rmi} does
   * for a name. Removing a tag also removes the repo digests of its repository when no other tag
   * of that repository remains. The image stays, even with no names left.
   *
   * @throws ImageNotFoundException if no image has that name
   */
  public synchronized Removal untag(String reference) throws IOException {
    Match match = match(reference).filter(found -> !found.byId()).orElseThrow(() -> notFound(reference));
    List<String> untagged = namesRemovedWith(match.image(), referenceName(reference));
    saveWithout(match.image(), untagged);
    return new Removal(untagged, Optional.empty(), List.of());
  }

  /**
   * Deletes image {@code id} with all its names, whether or not containers use it. Its layers go
   * once no other image or container uses them.
   *
   * @throws ImageNotFoundException if there is no such image
   */
  public synchronized Removal delete(Digest id) throws IOException {
    Image image = images.get(id);
    if (image == null) {
      throw notFound(id.toString());
    }
    return deleteImage(image, names(image));
  }

  private Removal deleteImage(Image image, List<String> untagged) throws IOException {
    images.remove(image.id());
    Files.deleteIfExists(imagesDirectory.resolve(image.id().hex() + ".json"));
    Files.deleteIfExists(configsDirectory.resolve(image.id().hex()));
    Set<Digest> deletedLayers = layers.release(owner(image.id()));
    log.info("deleted image {}", image.id());
    return new Removal(untagged, Optional.of(image.id()), deletedChainIds(image.layers(), deletedLayers));
  }

  /**
   * Returns the chain IDs of the layers in {@code deleted}, topmost first, as Docker lists the
   * layers that rmi deleted. A chain ID digests the diff IDs of a layer and those below it.
   *
   * <p>NOTE: layers are stored by diff ID, so a layer that another image has at another place
   * in its stack stays and is not listed, where Docker would delete its own chain.
   */
  private static List<Digest> deletedChainIds(List<Digest> diffIds, Set<Digest> deleted) {
    List<Digest> chainIds = new ArrayList<>();
    Digest chainId = null;
    for (Digest diffId : diffIds) {
      chainId =
          chainId == null
              ? diffId
              : Digest.sha256((chainId + " " + diffId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      if (deleted.contains(diffId)) {
        chainIds.add(0, chainId);
      }
    }
    return chainIds;
  }

  /** Returns the tags and then the repo digests of an image. */
  private static List<String> names(Image image) {
    List<String> names = new ArrayList<>(image.repoTags());
    names.addAll(image.repoDigests());
    return names;
  }

  /** Returns a tag or repo digest reference as the store records it, with registry and tag. */
  private static String referenceName(String text) {
    ImageReference reference = ImageReference.parse(text);
    return reference.digest() != null ? reference.withDigestOnly(reference.digest()).toString() : reference.toString();
  }

  /** Returns the names that removing {@code name} takes from {@code image}, as {@link #untag} describes. */
  private static List<String> namesRemovedWith(Image image, String name) {
    List<String> removed = new ArrayList<>();
    if (image.repoDigests().contains(name)) {
      removed.add(name);
      return removed;
    }
    if (!image.repoTags().contains(name)) {
      return removed;
    }
    removed.add(name);
    String repository = ImageReference.parse(name).repository();
    boolean tagLeft =
        image.repoTags().stream()
            .anyMatch(tag -> !tag.equals(name) && ImageReference.parse(tag).repository().equals(repository));
    if (!tagLeft) {
      for (String digest : image.repoDigests()) {
        if (ImageReference.parse(digest).repository().equals(repository)) {
          removed.add(digest);
        }
      }
    }
    return removed;
  }

  private void saveWithout(Image image, List<String> removed) throws IOException {
    List<String> repoTags = new ArrayList<>(image.repoTags());
    List<String> repoDigests = new ArrayList<>(image.repoDigests());
    repoTags.removeAll(removed);
    repoDigests.removeAll(removed);
    save(new Image(image.id(), repoTags, repoDigests, image.config(), image.size()));
  }

  private void untagOthers(Digest keep, String name) throws IOException {
    for (Image other : List.copyOf(images.values())) {
      if (!other.id().equals(keep) && other.repoTags().contains(name)) {
        List<String> remaining = new ArrayList<>(other.repoTags());
        remaining.remove(name);
        save(new Image(other.id(), remaining, other.repoDigests(), other.config(), other.size()));
      }
    }
  }

  private void save(Image image) throws IOException {
    LayerStore.writeJsonAtomically(
        imagesDirectory.resolve(image.id().hex() + ".json"),
        new ImageNames(image.id(), image.repoTags(), image.repoDigests()));
    images.put(image.id(), image);
  }

  private void loadImages() throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(imagesDirectory, "*.json")) {
      for (Path file : entries) {
        ImageNames names = ImageJson.MAPPER.readValue(file.toFile(), ImageNames.class);
        ImageConfig config = ImageConfig.parse(configBlob(names.id()));
        long size = 0;
        for (Digest diffId : config.diffIds()) {
          size += layers.layer(diffId).size();
        }
        images.put(names.id(), new Image(names.id(), names.repoTags(), names.repoDigests(), config, size));
      }
    }
  }

  /**
   * Records that container {@code containerId} is created from {@code image}, and makes the
   * container an owner of the image's layers. Repeating it for the same container changes only
   * which image it uses.
   */
  public synchronized void use(String containerId, Image image) throws IOException {
    layers.retain(containerOwner(containerId), image.layers());
    Files.writeString(usersDirectory.resolve(containerId), image.id().toString());
    users.put(containerId, image.id());
  }

  /** Forgets container {@code containerId}, deleting the layers that no image or container holds. */
  public synchronized void release(String containerId) throws IOException {
    layers.release(containerOwner(containerId));
    Files.deleteIfExists(usersDirectory.resolve(containerId));
    users.remove(containerId);
  }

  /** Returns the ids of the containers created from image {@code imageId}, sorted. */
  public synchronized Set<String> containersUsing(Digest imageId) {
    Set<String> using = new java.util.TreeSet<>();
    users.forEach(
        (container, image) -> {
          if (image.equals(imageId)) {
            using.add(container);
          }
        });
    return using;
  }

  private void loadUsers() throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(usersDirectory)) {
      for (Path file : entries) {
        users.put(file.getFileName().toString(), Digest.parse(Files.readString(file).trim()));
      }
    }
  }

  /** Returns the layer owner of a container, the name the runtime has always used. */
  private static String containerOwner(String containerId) {
    return "container-" + containerId;
  }

  private static String owner(Digest imageId) {
    return "image-" + imageId.hex();
  }

  private static ImageNotFoundException notFound(String nameOrId) {
    return new ImageNotFoundException("no such image: " + nameOrId);
  }
}
