package io.nereid.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds images from tarballs, as {@code docker load} and {@code docker import} do.
 *
 * <p>{@link #load} reads the output of {@code docker save}: the Docker archive format, a
 * {@code manifest.json} listing each image's config, tags and layer files, and the OCI image
 * layout ({@code oci-layout}, {@code index.json}, {@code blobs/}). Docker 25 and later write both
 * in one archive, and then {@code manifest.json} is used. Every layer is checked against the diff ID
 * in its image config, and OCI blobs also against their descriptors.
 *
 * <p>{@link #importRootfs} turns a root file system tarball into a one-layer image.
 */
public final class ImageLoader {

  private static final Logger log = LoggerFactory.getLogger(ImageLoader.class);
  private static final int MAX_SYMLINK_HOPS = 40;

  private final ImageStore store;
  private final Executor executor;
  private final Clock clock;

  /**
   * An image that {@link #load} added, with the tags that the archive gives it, in the archive's
   * order. An image loaded without tags has none, even if it had tags in the store before.
   */
  public record LoadedImage(Image image, List<LoadedTag> tags) {
    public LoadedImage {
      tags = List.copyOf(tags);
    }
  }

  /**
   * A tag that a load set.
   *
   * @param previousImage the image that the tag named before the load, when that was another one
   */
  public record LoadedTag(ImageReference reference, Optional<Digest> previousImage) {}

  /** @param executor runs the blocking disk work */
  /** Returns the store this loader fills. */
  public ImageStore store() {
    return store;
  }

  public ImageLoader(ImageStore store, Executor executor, Clock clock) {
    this.store = store;
    this.executor = executor;
    this.clock = clock;
  }

  /** Loads every image in {@code archive}, a tarball that may be gzip-compressed. */
  public CompletionStage<List<LoadedImage>> load(Path archive) {
    return async(() -> {
      try (InputStream in = Files.newInputStream(archive)) {
        return load(in, archive.getFileName().toString());
      }
    });
  }

  /** Imports {@code rootfs}, a tarball that may be gzip-compressed, as an image tagged {@code tag}. */
  public CompletionStage<Image> importRootfs(Path rootfs, Optional<ImageReference> tag) {
    return async(() -> {
      try (InputStream in = Files.newInputStream(rootfs)) {
        return importRootfs(in, tag);
      }
    });
  }

  /** Blocking form of {@link #load(Path)}; {@code name} labels the archive in errors. */
  public List<LoadedImage> load(InputStream archive, String name) throws IOException {
    Path staging = store.createScratchDirectory();
    try {
      Archive files = Archive.extract(archive, staging, name);
      if (files.exists("manifest.json")) {
        return loadDockerArchive(files);
      }
      if (files.exists("index.json") && files.exists("oci-layout")) {
        return loadOciLayout(files);
      }
      throw new ManifestException(
          name + " is neither a Docker image archive (no manifest.json) nor an OCI image layout "
              + "(no index.json and oci-layout)");
    } finally {
      FileTrees.deleteRecursively(staging);
    }
  }

  /** Blocking form of {@link #importRootfs(Path, Optional)}. */
  public Image importRootfs(InputStream rootfs, Optional<ImageReference> tag) throws IOException {
    try (LayerStore.Pin pin = store.layers().pin(List.of())) {
      LayerStore.Layer layer = store.layers().put(rootfs, "imported root file system", null, null, pin);
      byte[] config = importedConfig(layer.diffId(), clock.instant().truncatedTo(ChronoUnit.SECONDS));
      Image image = store.add(config, tag.map(List::of).orElse(List.of()), List.of());
      log.info("imported a root file system as image {}", image.id());
      return image;
    }
  }

  private static byte[] importedConfig(Digest diffId, Instant created) throws IOException {
    ObjectNode config = ImageJson.MAPPER.createObjectNode();
    config.put("architecture", Platform.LINUX_AMD64.architecture());
    config.put("os", Platform.LINUX_AMD64.os());
    config.put("created", created.toString());
    config.putObject("config");
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    rootfs.putArray("diff_ids").add(diffId.toString());
    ObjectNode history = config.putArray("history").addObject();
    history.put("created", created.toString());
    history.put("comment", "imported from a root file system tarball");
    return ImageJson.MAPPER.writeValueAsBytes(config);
  }

  private List<LoadedImage> loadDockerArchive(Archive files) throws IOException {
    JsonNode manifest = files.readJson("manifest.json");
    if (!manifest.isArray()) {
      throw new ManifestException("manifest.json of " + files.name + " is not a JSON array");
    }
    List<LoadedImage> loaded = new ArrayList<>();
    for (JsonNode entry : manifest) {
      byte[] configBlob = files.read(entry.path("Config").asText());
      ImageConfig config = ImageConfig.parse(configBlob);
      JsonNode layerFiles = entry.path("Layers");
      if (layerFiles.size() != config.diffIds().size()) {
        throw new ManifestException(
            "image " + entry.path("Config").asText() + " in " + files.name + " lists " + layerFiles.size()
                + " layers but its config has " + config.diffIds().size() + " diff IDs");
      }
      List<ImageReference> tags = new ArrayList<>();
      for (JsonNode tag : entry.path("RepoTags")) {
        tags.add(ImageReference.parse(tag.asText()));
      }
      try (LayerStore.Pin pin = store.layers().pin(config.diffIds())) {
        for (int i = 0; i < layerFiles.size(); i++) {
          String file = layerFiles.get(i).asText();
          putLayer(files, file, blobDescriptor(files, file), config.diffIds().get(i), pin);
        }
        loaded.add(add(configBlob, tags));
      }
    }
    log.info("loaded {} images from the Docker archive {}", loaded.size(), files.name);
    return loaded;
  }

  /** Adds an image to the store and notes which image each of its tags named before. */
  private LoadedImage add(byte[] configBlob, List<ImageReference> tags) throws IOException {
    Digest id = Digest.sha256(configBlob);
    List<LoadedTag> loadedTags = new ArrayList<>();
    for (ImageReference tag : tags) {
      Optional<Digest> previous =
          store.findByReference(tag).map(Image::id).filter(previousId -> !previousId.equals(id));
      loadedTags.add(new LoadedTag(tag, previous));
    }
    return new LoadedImage(store.add(configBlob, tags, List.of()), loadedTags);
  }

  /** Docker 25 names layers {@code blobs/sha256/<hex>}, which also gives a digest to check. */
  private static Descriptor blobDescriptor(Archive files, String file) throws IOException {
    String[] parts = file.split("/");
    if (parts.length == 3 && parts[0].equals("blobs")) {
      try {
        Digest digest = new Digest(parts[1], parts[2]);
        return Descriptor.of("", digest, files.size(file));
      } catch (IllegalArgumentException notADigest) {
        return null;
      }
    }
    return null;
  }

  private List<LoadedImage> loadOciLayout(Archive files) throws IOException {
    ImageIndex index = ImageIndex.parse(files.read("index.json"), MediaTypes.OCI_INDEX);
    List<LoadedImage> loaded = new ArrayList<>();
    for (Descriptor descriptor : index.manifests()) {
      Descriptor manifestDescriptor = descriptor;
      byte[] body = files.readBlob(descriptor);
      if (ImageIndex.isIndex(body, descriptor.mediaType())) {
        manifestDescriptor = ImageIndex.parse(body, descriptor.mediaType()).select(Platform.LINUX_AMD64);
        body = files.readBlob(manifestDescriptor);
      }
      ImageManifest manifest = ImageManifest.parse(body, manifestDescriptor.mediaType());
      byte[] configBlob = files.readBlob(manifest.config());
      ImageConfig config = ImageConfig.parse(configBlob);
      if (manifest.layers().size() != config.diffIds().size()) {
        throw new ManifestException(
            "manifest " + manifestDescriptor.digest() + " in " + files.name + " lists "
                + manifest.layers().size() + " layers but its config has " + config.diffIds().size() + " diff IDs");
      }
      try (LayerStore.Pin pin = store.layers().pin(config.diffIds())) {
        for (int i = 0; i < manifest.layers().size(); i++) {
          Descriptor layer = manifest.layers().get(i);
          putLayer(files, Archive.blobPath(layer.digest()), layer, config.diffIds().get(i), pin);
        }
        loaded.add(add(configBlob, ociTags(descriptor)));
      }
    }
    log.info("loaded {} images from the OCI layout {}", loaded.size(), files.name);
    return loaded;
  }

  /**
   * Returns the tag an OCI index entry names: containerd's full {@code io.containerd.image.name},
   * else {@code org.opencontainers.image.ref.name} when it is a full reference. A bare tag such
   * as {@code latest} names no repository, so such an image loads untagged.
   */
  private static List<ImageReference> ociTags(Descriptor descriptor) {
    String name = descriptor.annotations().get("io.containerd.image.name");
    if (name == null) {
      name = descriptor.annotations().get("org.opencontainers.image.ref.name");
      if (name != null && !name.contains("/") && !name.contains(":")) {
        name = null;
      }
    }
    if (name == null) {
      return List.of();
    }
    ImageReference reference = ImageReference.parse(name);
    return reference.tag() == null ? List.of() : List.of(reference);
  }

  private void putLayer(
      Archive files, String file, Descriptor blob, Digest diffId, LayerStore.Pin pin) throws IOException {
    if (store.layers().contains(diffId)) {
      return;
    }
    try (InputStream in = files.open(file)) {
      store.layers().put(in, "layer " + file + " of " + files.name, blob, diffId, pin);
    }
  }

  private <T> CompletionStage<T> async(IoSupplier<T> work) {
    return ImagePuller.unwrapFailure(
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return work.get();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            executor));
  }

  private interface IoSupplier<T> {
    T get() throws IOException;
  }

  /**
   * The regular files of an archive, written to a staging directory, and its symbolic links,
   * kept only as a map. {@code docker save} writes a symbolic link for a layer that two images
   * share. Lookups follow such links lexically inside the archive and never on disk.
   */
  private static final class Archive {
    private final Path root;
    private final String name;
    private final Map<String, String> symlinks = new HashMap<>();

    private Archive(Path root, String name) {
      this.root = root;
      this.name = name;
    }

    static Archive extract(InputStream in, Path staging, String name) throws IOException {
      Archive archive = new Archive(staging, name);
      InputStream tarStream = Compression.decompress(in, name);
      TarReader reader = new TarReader(tarStream);
      TarEntry entry;
      while ((entry = reader.next()) != null) {
        List<String> components = components(entry.name(), entry.name());
        if (components.isEmpty()) {
          continue;
        }
        String path = String.join("/", components);
        switch (entry.type()) {
          case REGULAR -> archive.write(path, reader.content());
          case SYMLINK -> archive.symlinks.put(path, entry.linkName());
          case HARD_LINK -> archive.symlinks.put(path, "/" + String.join("/", components(entry.name(), entry.linkName())));
          case DIRECTORY -> { }
          default -> throw new UnsafeEntryException(
              entry.name(), "an image archive holds only files, directories and links");
        }
      }
      return archive;
    }

    private void write(String path, InputStream content) throws IOException {
      Path file = root.resolve(path);
      Files.createDirectories(file.getParent());
      try (OutputStream out =
          Files.newOutputStream(
              file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)) {
        content.transferTo(out);
      }
    }

    private static List<String> components(String entryName, String path) throws UnsafeEntryException {
      if (path.startsWith("/")) {
        throw new UnsafeEntryException(entryName, "absolute path '" + path + "'");
      }
      List<String> components = new ArrayList<>();
      for (String component : path.split("/")) {
        if (component.isEmpty() || component.equals(".")) {
          continue;
        }
        if (component.equals("..")) {
          throw new UnsafeEntryException(entryName, "path '" + path + "' contains '..'");
        }
        components.add(component);
      }
      return components;
    }

    /** Resolves {@code path} through the archive's links to a staged file path. */
    private String resolve(String path) throws IOException {
      List<String> pending = new ArrayList<>(List.of(path.split("/")));
      List<String> resolved = new ArrayList<>();
      int hops = 0;
      while (!pending.isEmpty()) {
        String component = pending.remove(0);
        if (component.isEmpty() || component.equals(".")) {
          continue;
        }
        if (component.equals("..")) {
          if (resolved.isEmpty()) {
            throw new ManifestException("path '" + path + "' in " + name + " climbs out of the archive");
          }
          resolved.remove(resolved.size() - 1);
          continue;
        }
        resolved.add(component);
        String target = symlinks.get(String.join("/", resolved));
        if (target != null) {
          if (++hops > MAX_SYMLINK_HOPS) {
            throw new ManifestException("too many symbolic links resolving '" + path + "' in " + name);
          }
          resolved.remove(resolved.size() - 1);
          if (target.startsWith("/")) {
            resolved.clear();
          }
          pending.addAll(0, List.of(target.split("/")));
        }
      }
      return String.join("/", resolved);
    }

    boolean exists(String path) throws IOException {
      return Files.isRegularFile(root.resolve(resolve(path)), LinkOption.NOFOLLOW_LINKS);
    }

    long size(String path) throws IOException {
      return Files.size(file(path));
    }

    InputStream open(String path) throws IOException {
      return Files.newInputStream(file(path), LinkOption.NOFOLLOW_LINKS);
    }

    byte[] read(String path) throws IOException {
      try (InputStream in = open(path)) {
        return in.readAllBytes();
      }
    }

    JsonNode readJson(String path) throws IOException {
      return ImageJson.MAPPER.readTree(read(path));
    }

    /** Reads a small blob of an OCI layout and checks it against its descriptor. */
    byte[] readBlob(Descriptor descriptor) throws IOException {
      byte[] data = read(blobPath(descriptor.digest()));
      byte[] actual = descriptor.digest().newMessageDigest().digest(data);
      if (!descriptor.digest().matches(actual) || data.length != descriptor.size()) {
        throw new DigestMismatchException(
            "blob " + descriptor.digest() + " in " + name, descriptor.digest(),
            "content of " + data.length + " bytes that does not match");
      }
      return data;
    }

    static String blobPath(Digest digest) {
      return "blobs/" + digest.algorithm() + "/" + digest.hex();
    }

    private Path file(String path) throws IOException {
      String resolved = resolve(path);
      Path file = root.resolve(resolved);
      if (resolved.isEmpty() || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        throw new ManifestException("'" + path + "' is missing from " + name);
      }
      return file;
    }
  }
}
