package io.nereid.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unpacks one image layer, an uncompressed tar stream, into a new directory in the overlay
 * whiteout form of {@link OverlayWhiteouts}.
 *
 * <p>The unpacker refuses, with an {@link UnsafeEntryException} naming the member, any member
 * that could write outside the target: a name with a {@code ..} component or a leading slash, a
 * name whose parent is a symbolic link, a relative symbolic link whose target climbs above the
 * layer root, and a hard link whose target is not a plain path inside the layer. It also refuses
 * character and block devices, and FIFOs, which it cannot create without native code. An
 * absolute symbolic link target is allowed because inside the container it resolves against the
 * container's root, and the unpacker itself never follows a link.
 *
 * <p>On any failure the target directory and everything written into it are deleted.
 */
public final class LayerUnpacker {

  private static final Logger log = LoggerFactory.getLogger(LayerUnpacker.class);
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  /** What an unpacked layer holds. */
  public record Result(long entries, long contentBytes) {}

  private final Path root;
  private final List<DirectoryTime> directoryTimes = new ArrayList<>();
  private long entries;
  private long contentBytes;
  private int skippedAttributes;

  private record DirectoryTime(Path directory, FileTime modified) {}

  private LayerUnpacker(Path root) {
    this.root = root;
  }

  /**
   * Unpacks {@code tar} into {@code target}, which this creates and which must not exist yet.
   * Reads the stream only up to the end-of-archive blocks. The caller drains the rest if it
   * needs the whole stream, for example to check a digest.
   */
  public static Result unpack(InputStream tar, Path target) throws IOException {
    Files.createDirectory(target);
    LayerUnpacker unpacker = new LayerUnpacker(target);
    try {
      unpacker.unpackAll(new TarReader(tar));
      return new Result(unpacker.entries, unpacker.contentBytes);
    } catch (IOException | RuntimeException e) {
      try {
        FileTrees.deleteRecursively(target);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  private void unpackAll(TarReader reader) throws IOException {
    TarEntry entry;
    while ((entry = reader.next()) != null) {
      entries++;
      unpackEntry(entry, reader.content());
    }
    // Directory times go last, deepest first, because creating children changes them.
    for (int i = directoryTimes.size() - 1; i >= 0; i--) {
      DirectoryTime time = directoryTimes.get(i);
      Files.getFileAttributeView(time.directory(), BasicFileAttributeView.class, NOFOLLOW)
          .setTimes(time.modified(), null, null);
    }
    if (skippedAttributes > 0) {
      log.debug("skipped {} extended attributes outside the user namespace", skippedAttributes);
    }
  }

  private void unpackEntry(TarEntry entry, InputStream content) throws IOException {
    List<String> components = safeComponents(entry.name(), entry.name());
    if (components.isEmpty()) {
      applyMetadata(root, entry); // the layer root itself, "./" in most layer tars
      return;
    }
    Path parent = parentDirectory(entry.name(), components);
    String baseName = components.get(components.size() - 1);

    if (baseName.equals(OverlayWhiteouts.OPAQUE_MARKER)) {
      OverlayWhiteouts.markOpaque(parent);
      return;
    }
    if (baseName.startsWith(OverlayWhiteouts.WHITEOUT_PREFIX + OverlayWhiteouts.WHITEOUT_PREFIX)) {
      return; // other AUFS metadata such as .wh..wh.plnk carries nothing for overlay
    }
    if (baseName.startsWith(OverlayWhiteouts.WHITEOUT_PREFIX)) {
      String hidden = baseName.substring(OverlayWhiteouts.WHITEOUT_PREFIX.length());
      if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
        throw new UnsafeEntryException(entry.name(), "whiteout of an invalid name '" + hidden + "'");
      }
      createWhiteout(entry, resolve(entry.name(), parent, hidden));
      return;
    }

    Path path = resolve(entry.name(), parent, baseName);
    switch (entry.type()) {
      case DIRECTORY -> createDirectory(path, entry);
      case REGULAR -> createFile(path, entry, content);
      case SYMLINK -> createSymlink(path, entry, components);
      case HARD_LINK -> createHardLink(path, entry);
      case CHAR_DEVICE, BLOCK_DEVICE -> throw new UnsafeEntryException(
          entry.name(), "device nodes are not allowed in image layers");
      case FIFO -> throw new UnsafeEntryException(
          entry.name(), "FIFOs in image layers are not supported");
    }
  }

  /** Splits a member name into path components, rejecting absolute names and {@code ..}. */
  private static List<String> safeComponents(String entryName, String name)
      throws UnsafeEntryException {
    if (name.startsWith("/")) {
      throw new UnsafeEntryException(entryName, "absolute path '" + name + "'");
    }
    List<String> components = new ArrayList<>();
    for (String component : name.split("/")) {
      if (component.isEmpty() || component.equals(".")) {
        continue;
      }
      if (component.equals("..")) {
        throw new UnsafeEntryException(entryName, "path '" + name + "' contains '..'");
      }
      if (component.indexOf('\0') >= 0) {
        throw new UnsafeEntryException(entryName, "path contains a NUL character");
      }
      components.add(component);
    }
    return components;
  }

  /**
   * Returns the directory that will hold the member, creating missing parents with mode 0755 as
   * Docker does. Every existing parent must be a real directory: a symbolic link there could send
   * the write anywhere on the host.
   */
  private Path parentDirectory(String entryName, List<String> components) throws IOException {
    Path directory = root;
    for (int i = 0; i < components.size() - 1; i++) {
      directory = resolve(entryName, directory, components.get(i));
      BasicFileAttributes attributes = attributesOrNull(directory);
      if (attributes == null) {
        Files.createDirectory(directory);
      } else if (attributes.isSymbolicLink()) {
        throw new UnsafeEntryException(
            entryName, "its parent '" + root.relativize(directory) + "' is a symbolic link");
      } else if (!attributes.isDirectory()) {
        throw new UnsafeEntryException(
            entryName, "its parent '" + root.relativize(directory) + "' is not a directory");
      }
    }
    return directory;
  }

  private static Path resolve(String entryName, Path directory, String component)
      throws UnsafeEntryException {
    try {
      return directory.resolve(component);
    } catch (InvalidPathException e) {
      throw new UnsafeEntryException(entryName, "invalid path component '" + component + "'");
    }
  }

  private void createWhiteout(TarEntry entry, Path hidden) throws IOException {
    BasicFileAttributes existing = attributesOrNull(hidden);
    if (existing != null) {
      // The same layer already contains this path. A whiteout only hides lower layers, so the
      // layer's own file stays, and it hides the lower one anyway.
      log.debug("whiteout {} ignored: the layer itself provides that path", entry.name());
      return;
    }
    OverlayWhiteouts.createWhiteout(hidden);
  }

  private void createDirectory(Path path, TarEntry entry) throws IOException {
    BasicFileAttributes existing = attributesOrNull(path);
    boolean replacesWhiteout = false;
    if (existing != null && !existing.isDirectory()) {
      replacesWhiteout = !existing.isSymbolicLink() && OverlayWhiteouts.isWhiteout(path);
      Files.delete(path);
      existing = null;
    }
    if (existing == null) {
      Files.createDirectory(path);
    }
    if (replacesWhiteout) {
      // The layer deleted the lower path and made a new directory there: nothing below shows.
      OverlayWhiteouts.markOpaque(path);
    }
    applyMetadata(path, entry);
  }

  private void createFile(Path path, TarEntry entry, InputStream content) throws IOException {
    removeExisting(path);
    try (OutputStream out =
        Files.newOutputStream(
            path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, NOFOLLOW)) {
      contentBytes += content.transferTo(out);
    }
    applyMetadata(path, entry);
  }

  private void createSymlink(Path path, TarEntry entry, List<String> components)
      throws IOException {
    String target = entry.linkName();
    if (target.isEmpty()) {
      throw new UnsafeEntryException(entry.name(), "symbolic link with an empty target");
    }
    if (!target.startsWith("/")) {
      // Count how far the target climbs from the link's directory. Below zero it leaves the layer.
      int depth = components.size() - 1;
      for (String component : target.split("/")) {
        if (component.equals("..")) {
          depth--;
        } else if (!component.isEmpty() && !component.equals(".")) {
          depth++;
        }
        if (depth < 0) {
          throw new UnsafeEntryException(
              entry.name(), "symbolic link target '" + target + "' escapes the layer root");
        }
      }
    }
    removeExisting(path);
    try {
      Files.createSymbolicLink(path, Path.of(target));
    } catch (InvalidPathException e) {
      throw new UnsafeEntryException(entry.name(), "invalid symbolic link target '" + target + "'");
    }
    setOwner(path, entry);
  }

  private void createHardLink(Path path, TarEntry entry) throws IOException {
    String target = entry.linkName();
    List<String> targetComponents;
    try {
      targetComponents = safeComponents(entry.name(), target);
    } catch (UnsafeEntryException e) {
      throw new UnsafeEntryException(
          entry.name(), "hard link target '" + target + "' is outside the layer");
    }
    if (targetComponents.isEmpty()) {
      throw new UnsafeEntryException(entry.name(), "hard link to the layer root");
    }
    Path existing = parentDirectory(entry.name(), targetComponents)
        .resolve(targetComponents.get(targetComponents.size() - 1));
    BasicFileAttributes attributes = attributesOrNull(existing);
    if (attributes == null) {
      throw new UnsafeEntryException(
          entry.name(), "hard link target '" + target + "' is not an earlier member of the layer");
    }
    if (attributes.isDirectory()) {
      throw new UnsafeEntryException(entry.name(), "hard link to the directory '" + target + "'");
    }
    if (existing.equals(path)) {
      return; // a link to itself changes nothing
    }
    removeExisting(path);
    // Files.createLink calls link(2), which does not follow a symbolic link at the target.
    Files.createLink(path, existing);
  }

  private void removeExisting(Path path) throws IOException {
    BasicFileAttributes existing = attributesOrNull(path);
    if (existing == null) {
      return;
    }
    if (existing.isDirectory()) {
      FileTrees.deleteRecursively(path);
    } else {
      Files.delete(path);
    }
  }

  private void applyMetadata(Path path, TarEntry entry) throws IOException {
    setOwner(path, entry);
    // unix:mode is written after chown because chown(2) clears the setuid and setgid bits.
    Files.setAttribute(path, "unix:mode", entry.mode(), NOFOLLOW);
    writeExtendedAttributes(path, entry);
    FileTime modified = FileTime.from(entry.modified());
    if (Files.isDirectory(path, NOFOLLOW)) {
      directoryTimes.add(new DirectoryTime(path, modified));
    } else {
      Files.getFileAttributeView(path, BasicFileAttributeView.class, NOFOLLOW)
          .setTimes(modified, null, null);
    }
  }

  private static void setOwner(Path path, TarEntry entry) throws IOException {
    // The cast keeps the low 32 bits, which is how the kernel reads a uid_t above 2^31.
    Files.setAttribute(path, "unix:uid", (int) entry.uid(), NOFOLLOW);
    Files.setAttribute(path, "unix:gid", (int) entry.gid(), NOFOLLOW);
  }

  private void writeExtendedAttributes(Path path, TarEntry entry) throws IOException {
    if (entry.xattrs().isEmpty()) {
      return;
    }
    UserDefinedFileAttributeView view =
        Files.getFileAttributeView(path, UserDefinedFileAttributeView.class, NOFOLLOW);
    for (Map.Entry<String, byte[]> xattr : entry.xattrs().entrySet()) {
      // NOTE: the JDK writes only the user namespace, so file capabilities
      // (security.capability) and trusted.* attributes from a layer are dropped.
      if (view == null || !xattr.getKey().startsWith("user.")) {
        skippedAttributes++;
        continue;
      }
      view.write(xattr.getKey().substring("user.".length()), ByteBuffer.wrap(xattr.getValue()));
    }
  }

  private static BasicFileAttributes attributesOrNull(Path path) throws IOException {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW);
    } catch (NoSuchFileException e) {
      return null;
    }
  }
}
