package io.nereid.image;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unpacked image layers on disk, addressed by their diff ID (the sha256 of the uncompressed layer
 * tar), each a directory in overlay form that containers share read-only.
 *
 * <p>Layers are reference counted by owner: an image holds its layers, and so does every
 * container created from it. Owners are kept on disk, so the counts survive a restart. A layer
 * is deleted when its last owner releases it, never while one remains. A pull in progress holds
 * its layers with an in-memory {@link Pin} until its image takes ownership.
 *
 * <p>Layout under the store directory: {@code sha256/<hex>/} the unpacked layer,
 * {@code sha256/<hex>.json} its size, {@code owners/<owner>.json} the layers an owner holds, and
 * {@code tmp/} layers being unpacked.
 *
 * <p>Methods block on disk I/O, so call them from an executor meant for blocking work.
 */
public final class LayerStore {

  private static final Logger log = LoggerFactory.getLogger(LayerStore.class);
  private static final Pattern OWNER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,200}");

  /** What is known about a stored layer. */
  public record Layer(Digest diffId, long size, Path directory) {}

  private record LayerMetadata(Digest diffId, long size, long entries) {}

  private final Path layersDirectory;
  private final Path ownersDirectory;
  private final Path tmpDirectory;
  private final Map<String, Set<Digest>> owners = new HashMap<>();
  private final Map<Digest, Integer> pins = new HashMap<>();

  private LayerStore(Path directory) {
    this.layersDirectory = directory.resolve("sha256");
    this.ownersDirectory = directory.resolve("owners");
    this.tmpDirectory = directory.resolve("tmp");
  }

  /**
   * Opens the store at {@code directory}, creating it if needed. Deletes what a crash left
   * behind: half-unpacked layers and layers no owner holds.
   */
  public static LayerStore open(Path directory) throws IOException {
    LayerStore store = new LayerStore(directory);
    Files.createDirectories(store.layersDirectory);
    Files.createDirectories(store.ownersDirectory);
    FileTrees.deleteRecursively(store.tmpDirectory);
    Files.createDirectories(store.tmpDirectory);
    store.loadOwners();
    store.prune();
    return store;
  }

  /** Returns the directory that is the layer's overlay lower directory. */
  public Path directory(Digest diffId) {
    return layersDirectory.resolve(diffId.hex());
  }

  /** Returns the directory that holds every layer directory, each named by its diff ID's hex. */
  public Path layersDirectory() {
    return layersDirectory;
  }

  public synchronized boolean contains(Digest diffId) {
    return Files.isRegularFile(metadataPath(diffId));
  }

  public synchronized Layer layer(Digest diffId) throws IOException {
    if (!contains(diffId)) {
      throw new IOException("layer " + diffId + " is not in the store");
    }
    LayerMetadata metadata = ImageJson.MAPPER.readValue(metadataPath(diffId).toFile(), LayerMetadata.class);
    return new Layer(diffId, metadata.size(), directory(diffId));
  }

  /**
   * Unpacks a layer blob, gzip-compressed or plain tar, and stores it unless a layer with the
   * same diff ID is already there. Checks the blob against {@code expectedBlob} and the
   * uncompressed tar against {@code expectedDiffId} when they are given. On a mismatch nothing is
   * stored.
   *
   * @param source what the blob is, for error messages, such as "layer sha256:... of busybox"
   * @param expectedBlob the descriptor of the compressed blob, or null when not known
   * @param expectedDiffId the diff ID from the image config, or null to compute it
   * @param pin receives the stored layer, so it survives until an owner retains it
   * @throws DigestMismatchException if a digest or the size does not match
   * @throws UnsafeEntryException if the layer holds a member that could escape the layer
   */
  public Layer put(
      InputStream blob, String source, Descriptor expectedBlob, Digest expectedDiffId, Pin pin)
      throws IOException {
    Path unpacked = tmpDirectory.resolve(UUID.randomUUID().toString());
    MessageDigest blobDigest =
        expectedBlob == null ? Digest.newSha256() : expectedBlob.digest().newMessageDigest();
    MeasuringInputStream raw = new MeasuringInputStream(blob, blobDigest);
    MeasuringInputStream tar = new MeasuringInputStream(Compression.decompress(raw, source), Digest.newSha256());
    LayerUnpacker.Result result;
    Digest diffId;
    try {
      result = LayerUnpacker.unpack(tar, unpacked);
      // The digests cover the whole stream, including the padding after the end-of-archive blocks.
      tar.transferTo(OutputStream.nullOutputStream());
      raw.transferTo(OutputStream.nullOutputStream());
      diffId = verify(source, expectedBlob, raw, tar, expectedDiffId);
    } catch (UnsafeEntryException | DigestMismatchException e) {
      FileTrees.deleteRecursively(unpacked);
      throw e;
    } catch (IOException e) {
      FileTrees.deleteRecursively(unpacked);
      throw blameCorruptBlob(source, expectedBlob, raw, e);
    } catch (RuntimeException e) {
      FileTrees.deleteRecursively(unpacked);
      throw e;
    }
    return commit(diffId, unpacked, result, pin);
  }

  /**
   * Returns the error to report when a blob could not be unpacked: a digest mismatch if the
   * blob is not what its descriptor promised, since a truncated or forged download shows up as a
   * broken tar or gzip stream first, else {@code failure} itself.
   */
  private static IOException blameCorruptBlob(
      String source, Descriptor expectedBlob, MeasuringInputStream raw, IOException failure) {
    if (expectedBlob == null) {
      return failure;
    }
    try {
      raw.transferTo(OutputStream.nullOutputStream());
      byte[] blobDigest = raw.digest();
      if (!expectedBlob.digest().matches(blobDigest)) {
        DigestMismatchException mismatch =
            new DigestMismatchException(
                source, expectedBlob.digest(),
                expectedBlob.digest().algorithm() + ":" + HexFormat.of().formatHex(blobDigest));
        mismatch.addSuppressed(failure);
        return mismatch;
      }
    } catch (IOException drainFailure) {
      failure.addSuppressed(drainFailure);
    }
    return failure;
  }

  /** Checks both digests and the blob size, and returns the diff ID. */
  private static Digest verify(
      String source, Descriptor expectedBlob, MeasuringInputStream raw, MeasuringInputStream tar,
      Digest expectedDiffId) throws DigestMismatchException {
    if (expectedBlob != null) {
      byte[] blobDigest = raw.digest();
      if (!expectedBlob.digest().matches(blobDigest)) {
        throw new DigestMismatchException(
            source, expectedBlob.digest(),
            expectedBlob.digest().algorithm() + ":" + HexFormat.of().formatHex(blobDigest));
      }
      if (expectedBlob.size() != raw.count()) {
        throw new DigestMismatchException(
            source + " size", expectedBlob.digest(),
            raw.count() + " bytes instead of " + expectedBlob.size());
      }
    }
    Digest diffId = Digest.fromSha256(tar.digest());
    if (expectedDiffId != null && !expectedDiffId.equals(diffId)) {
      throw new DigestMismatchException(source + " (uncompressed)", expectedDiffId, diffId.toString());
    }
    return diffId;
  }

  private synchronized Layer commit(
      Digest diffId, Path unpacked, LayerUnpacker.Result result, Pin pin) throws IOException {
    pin.hold(diffId);
    Path target = directory(diffId);
    if (contains(diffId)) {
      FileTrees.deleteRecursively(unpacked); // another pull stored the same layer first
      return layer(diffId);
    }
    FileTrees.deleteRecursively(target); // a directory without metadata is a crash leftover
    moveAtomically(unpacked, target);
    LayerMetadata metadata = new LayerMetadata(diffId, result.contentBytes(), result.entries());
    writeJsonAtomically(metadataPath(diffId), metadata);
    log.info("stored layer {} ({} bytes, {} entries)", diffId, result.contentBytes(), result.entries());
    return new Layer(diffId, result.contentBytes(), target);
  }

  /**
   * A hold on layers while an image is being assembled, so they are not deleted before the image
   * owns them. Closing it deletes the heldLayers layers that no owner holds by then, which is how a
   * failed pull or load cleans up after itself.
   */
  public final class Pin implements AutoCloseable {
    private final List<Digest> heldLayers = new ArrayList<>();
    private boolean closed;

    private Pin() {}

    /** Adds {@code diffId} to this pin; the layer need not be stored yet. */
    public void hold(Digest diffId) {
      synchronized (LayerStore.this) {
        if (closed) {
          throw new IllegalStateException("pin is closed");
        }
        heldLayers.add(diffId);
        pins.merge(diffId, 1, Integer::sum);
      }
    }

    @Override
    public void close() {
      synchronized (LayerStore.this) {
        if (closed) {
          return;
        }
        closed = true;
        for (Digest diffId : heldLayers) {
          pins.computeIfPresent(diffId, (key, count) -> count == 1 ? null : count - 1);
        }
        deleteUnreferenced(heldLayers);
      }
    }
  }

  /** Keeps {@code diffIds} from deletion until the returned pin is closed, even if absent now. */
  public synchronized Pin pin(Collection<Digest> diffIds) {
    Pin pin = new Pin();
    diffIds.forEach(pin::hold);
    return pin;
  }

  /**
   * Records that {@code owner} holds {@code diffIds}, replacing what it heldLayers before. The layers
   * must be in the store.
   *
   * @param owner a name such as {@code image-<hex>} or {@code container-<id>}
   */
  public synchronized void retain(String owner, Collection<Digest> diffIds) throws IOException {
    validateOwner(owner);
    for (Digest diffId : diffIds) {
      if (!contains(diffId)) {
        throw new IOException("cannot retain layer " + diffId + " for " + owner + ": it is not in the store");
      }
    }
    Set<Digest> heldLayers = new LinkedHashSet<>(diffIds);
    writeJsonAtomically(ownersDirectory.resolve(owner + ".json"), List.copyOf(heldLayers));
    Set<Digest> previous = owners.put(owner, heldLayers);
    if (previous != null) {
      previous.removeAll(heldLayers);
      deleteUnreferenced(previous);
    }
  }

  /**
   * Drops every layer reference of {@code owner} and deletes the layers that nothing else uses.
   * Returns the diff IDs of the deleted layers.
   */
  public synchronized Set<Digest> release(String owner) throws IOException {
    validateOwner(owner);
    Set<Digest> heldLayers = owners.remove(owner);
    Files.deleteIfExists(ownersDirectory.resolve(owner + ".json"));
    if (heldLayers == null) {
      return Set.of();
    }
    return deleteUnreferenced(heldLayers);
  }

  /** Returns how many owners hold {@code diffId}; pins are not counted. */
  public synchronized int references(Digest diffId) {
    int count = 0;
    for (Set<Digest> heldLayers : owners.values()) {
      if (heldLayers.contains(diffId)) {
        count++;
      }
    }
    return count;
  }

  public synchronized Set<String> owners() {
    return Set.copyOf(owners.keySet());
  }

  /** Deletes every stored layer that no owner holds and no pin keeps; returns their diff IDs. */
  public synchronized Set<Digest> prune() throws IOException {
    Set<Digest> stored = new HashSet<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(layersDirectory, "*.json")) {
      for (Path metadata : entries) {
        String name = metadata.getFileName().toString();
        stored.add(new Digest("sha256", name.substring(0, name.length() - ".json".length())));
      }
    }
    return deleteUnreferenced(stored);
  }

  private Set<Digest> deleteUnreferenced(Collection<Digest> candidates) {
    Set<Digest> deleted = new HashSet<>();
    for (Digest diffId : candidates) {
      if (pins.containsKey(diffId) || references(diffId) > 0 || !contains(diffId)) {
        continue;
      }
      try {
        // Metadata first: a layer without it is treated as absent, so a crash halfway is safe.
        Files.deleteIfExists(metadataPath(diffId));
        FileTrees.deleteRecursively(directory(diffId));
        deleted.add(diffId);
        log.info("deleted layer {}: no image or container holds it", diffId);
      } catch (IOException e) {
        log.error("failed to delete unreferenced layer {}", diffId, e);
      }
    }
    return deleted;
  }

  private void loadOwners() throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(ownersDirectory, "*.json")) {
      for (Path file : entries) {
        String name = file.getFileName().toString();
        List<Digest> heldLayers = ImageJson.MAPPER.readValue(file.toFile(), new TypeReference<List<Digest>>() {});
        owners.put(name.substring(0, name.length() - ".json".length()), new LinkedHashSet<>(heldLayers));
      }
    }
  }

  private static void validateOwner(String owner) {
    if (!OWNER_NAME.matcher(owner).matches()) {
      throw new IllegalArgumentException(
          "invalid layer owner '" + owner + "': use letters, digits, '.', '_' and '-'");
    }
  }

  private Path metadataPath(Digest diffId) {
    return layersDirectory.resolve(diffId.hex() + ".json");
  }

  /** Writes {@code value} as JSON to a temporary file and renames it over {@code target}. */
  static void writeJsonAtomically(Path target, Object value) throws IOException {
    Path temporary = target.resolveSibling(target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      ImageJson.MAPPER.writeValue(temporary.toFile(), value);
      moveAtomically(temporary, target);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  static void moveAtomically(Path source, Path target) throws IOException {
    try {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException(
          "cannot rename " + source + " to " + target + " atomically; both must be on one file system", e);
    }
  }

  /** Counts and hashes the bytes read through it. */
  private static final class MeasuringInputStream extends FilterInputStream {
    private final MessageDigest digest;
    private long count;

    MeasuringInputStream(InputStream in, MessageDigest digest) {
      super(in);
      this.digest = digest;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        digest.update((byte) b);
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = in.read(buffer, offset, length);
      if (n > 0) {
        digest.update(buffer, offset, n);
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      // Skipping must still hash, so it reads.
      byte[] buffer = new byte[(int) Math.min(n, 8192)];
      int read = read(buffer, 0, buffer.length);
      return Math.max(read, 0);
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    /** Finishes the digest; call it once, since it resets the underlying MessageDigest. */
    byte[] digest() {
      return digest.digest();
    }

    long count() {
      return count;
    }
  }
}
