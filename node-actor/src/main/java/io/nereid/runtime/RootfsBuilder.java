package io.nereid.runtime;

import io.nereid.image.FileTrees;
import io.nereid.image.OverlayWhiteouts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a container's root file system from read-only layer directories in overlay form, lowest
 * first. In {@link Mode#OVERLAY} it mounts overlayfs with the layers as lower directories and the
 * container's own {@code upper} directory on top, so layers are shared and never written. In
 * {@link Mode#COPY}, for hosts where that mount fails, it copies the layers into one directory,
 * applying whiteouts as it goes.
 */
final class RootfsBuilder {

  private static final Logger log = LoggerFactory.getLogger(RootfsBuilder.class);
  private static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(30);

  /** How root file systems are made on this host. */
  enum Mode {
    OVERLAY,
    COPY
  }

  private RootfsBuilder() {}

  /**
   * Returns {@link Mode#OVERLAY} if an overlay mount with the {@code userxattr} option and an
   * opaque directory works under {@code scratch}, else {@link Mode#COPY}.
   */
  static Mode probe(Path scratch) {
    Path probe = scratch.resolve("overlay-probe");
    try {
      FileTrees.deleteRecursively(probe);
      Path lower = Files.createDirectories(probe.resolve("lower/opaque"));
      OverlayWhiteouts.markOpaque(lower);
      Files.createDirectories(probe.resolve("upper"));
      Files.createDirectories(probe.resolve("work"));
      Path merged = Files.createDirectories(probe.resolve("merged"));
      mountOverlay(List.of(probe.resolve("lower")), probe.resolve("upper"), probe.resolve("work"), merged);
      Commands.check(List.of("umount", merged.toString()), MOUNT_TIMEOUT);
      return Mode.OVERLAY;
    } catch (IOException e) {
      log.warn("overlay mounts do not work here, root file systems will be copied: {}", e.getMessage());
      return Mode.COPY;
    } finally {
      try {
        FileTrees.deleteRecursively(probe);
      } catch (IOException e) {
        log.warn("failed to delete the overlay probe at {}", probe, e);
      }
    }
  }

  /**
   * Makes {@code bundle/rootfs} from {@code layers}, lowest first, and in overlay mode also
   * {@code bundle/upper} and {@code bundle/work}.
   */
  static void build(Mode mode, List<Path> layers, Path bundle) throws IOException {
    Path rootfs = Files.createDirectories(bundle.resolve("rootfs"));
    if (mode == Mode.OVERLAY) {
      Path upper = Files.createDirectories(bundle.resolve("upper"));
      Path work = Files.createDirectories(bundle.resolve("work"));
      mountOverlay(layers, upper, work, rootfs);
    } else {
      for (Path layer : layers) {
        copyLayer(layer, rootfs);
      }
    }
  }

  /** Unmounts {@code rootfs} if it is a mount point. */
  static void unmount(Path rootfs) throws IOException {
    if (!isMountPoint(rootfs)) {
      return;
    }
    Commands.Output output = Commands.run(List.of("umount", rootfs.toString()), null, MOUNT_TIMEOUT);
    if (output.exitCode() != 0) {
      // Busy: a process still has it open. Detach it now, and the kernel frees it when they let go.
      log.warn("umount {} failed ({}), detaching it lazily", rootfs, output.stderr().trim());
      Commands.check(List.of("umount", "-l", rootfs.toString()), MOUNT_TIMEOUT);
    }
  }

  static boolean isMountPoint(Path path) throws IOException {
    String target = path.toAbsolutePath().normalize().toString();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
      String[] fields = line.split(" ");
      // Field 5 is the mount point, with space, tab, newline and backslash escaped as octal.
      if (fields.length > 4 && unescapeMountinfo(fields[4]).equals(target)) {
        return true;
      }
    }
    return false;
  }

  private static String unescapeMountinfo(String field) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length()) {
        text.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        text.append(c);
      }
    }
    return text.toString();
  }

  /**
   * Mounts overlayfs. Lower directories that share a parent are passed relative to it, with
   * {@code mount} run there, which keeps the option string short: the kernel limits it to one
   * page, 4096 bytes.
   */
  private static void mountOverlay(List<Path> layers, Path upper, Path work, Path target) throws IOException {
    if (layers.isEmpty()) {
      throw new IOException("an overlay root file system needs at least one layer");
    }
    Path commonParent = layers.get(0).toAbsolutePath().getParent();
    for (Path layer : layers) {
      if (!layer.toAbsolutePath().getParent().equals(commonParent)) {
        commonParent = null;
        break;
      }
    }
    List<String> lowers = new ArrayList<>();
    for (int i = layers.size() - 1; i >= 0; i--) { // overlayfs lists the top layer first
      Path layer = layers.get(i).toAbsolutePath();
      lowers.add(commonParent == null ? layer.toString() : layer.getFileName().toString());
    }
    List<String> optionPaths = new ArrayList<>(lowers);
    optionPaths.add(upper.toAbsolutePath().toString());
    optionPaths.add(work.toAbsolutePath().toString());
    for (String path : optionPaths) {
      if (path.contains(",") || path.contains(":")) {
        throw new IOException(
            "path " + path + " contains ',' or ':', which overlay mount options cannot hold");
      }
    }
    String options =
        "userxattr,lowerdir=" + String.join(":", lowers)
            + ",upperdir=" + upper.toAbsolutePath() + ",workdir=" + work.toAbsolutePath();
    if (options.length() >= 4096) {
      throw new IOException(
          "overlay mount options for " + layers.size() + " layers exceed the kernel's 4096 byte limit");
    }
    Commands.Output output =
        Commands.run(
            List.of("mount", "-t", "overlay", "overlay", "-o", options, target.toAbsolutePath().toString()),
            commonParent, MOUNT_TIMEOUT);
    if (output.exitCode() != 0) {
      throw new IOException("overlay mount on " + target + " failed: " + output.stderr().trim());
    }
  }

  /**
   * Copies one layer over {@code target} with overlay semantics: a whiteout deletes the path
   * below it, an opaque directory replaces the directory below it, a directory merges into one
   * below it, and anything else replaces what was there. Links are copied as links, never
   * followed.
   *
   * <p>NOTE: hard links inside a layer become separate copies in this mode.
   */
  static void copyLayer(Path layer, Path target) throws IOException {
    List<Path[]> directoryTimes = new ArrayList<>();
    Files.walkFileTree(
        layer,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes)
              throws IOException {
            Path destination = target.resolve(layer.relativize(directory).toString());
            if (!directory.equals(layer)) {
              BasicFileAttributes existing = attributesOrNull(destination);
              boolean opaque = OverlayWhiteouts.isOpaque(directory);
              if (existing != null && (!existing.isDirectory() || opaque)) {
                FileTrees.deleteRecursively(destination);
                existing = null;
              }
              if (existing == null) {
                Files.copy(directory, destination, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
              }
            }
            copyOwnerAndMode(directory, destination);
            directoryTimes.add(new Path[] {directory, destination});
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
            Path destination = target.resolve(layer.relativize(file).toString());
            BasicFileAttributes existing = attributesOrNull(destination);
            if (existing != null) {
              FileTrees.deleteRecursively(destination);
            }
            if (attributes.isOther() && OverlayWhiteouts.isWhiteout(file)) {
              return FileVisitResult.CONTINUE; // the deletion above is the whiteout's whole effect
            }
            Files.copy(file, destination, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            return FileVisitResult.CONTINUE;
          }
        });
    // Directory times last, since copying children changed them.
    for (int i = directoryTimes.size() - 1; i >= 0; i--) {
      Path[] pair = directoryTimes.get(i);
      BasicFileAttributes source = Files.readAttributes(pair[0], BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      Files.getFileAttributeView(pair[1], BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .setTimes(source.lastModifiedTime(), source.lastAccessTime(), null);
    }
  }

  private static void copyOwnerAndMode(Path source, Path destination) throws IOException {
    Object uid = Files.getAttribute(source, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    Object gid = Files.getAttribute(source, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    Object mode = Files.getAttribute(source, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(destination, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(destination, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(destination, "unix:mode", ((Integer) mode) & 07777, LinkOption.NOFOLLOW_LINKS);
  }

  private static BasicFileAttributes attributesOrNull(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
  }
}
