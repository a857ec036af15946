package io.nereid.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Whiteouts in the on-disk form overlayfs reads when mounted with {@code userxattr} (Linux 5.11
 * and later): a deleted path is a character device with device number 0/0, and an opaque
 * directory, one that hides everything below it in lower layers, carries the extended attribute
 * {@code user.overlay.opaque=y}. Unpacked layers use this form, so a layer directory can be a
 * lower directory of an overlay mount as it is.
 *
 * <p>The {@code user.} namespace is used because the JDK can write it, and {@code trusted.} needs
 * a native call. Creating the 0/0 device runs {@code mknod}, so it needs root (CAP_MKNOD).
 */
public final class OverlayWhiteouts {

  /** The tar form of "delete this path": {@code .wh.} followed by the name (AUFS convention). */
  public static final String WHITEOUT_PREFIX = ".wh.";
  /** The tar form of "this directory is opaque". */
  public static final String OPAQUE_MARKER = ".wh..wh..opq";

  private static final String OPAQUE_ATTRIBUTE = "overlay.opaque";
  private static final int CHAR_DEVICE_TYPE = 0020000;
  private static final int FILE_TYPE_MASK = 0170000;

  private OverlayWhiteouts() {}

  /** Creates the whiteout device at {@code path}, which must not exist. */
  public static void createWhiteout(Path path) throws IOException {
    Process mknod =
        new ProcessBuilder("mknod", path.toString(), "c", "0", "0")
            .redirectErrorStream(true)
            .start();
    String output = new String(mknod.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    try {
      if (!mknod.waitFor(30, TimeUnit.SECONDS) || mknod.exitValue() != 0) {
        throw new IOException(
            "failed to create the whiteout " + path + " with mknod (needs root): " + output);
      }
    } catch (InterruptedException e) {
      mknod.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while creating the whiteout " + path, e);
    }
  }

  /** Returns true if {@code path} is a 0/0 character device, the overlay whiteout. */
  public static boolean isWhiteout(Path path) throws IOException {
    Map<String, Object> attributes =
        Files.readAttributes(path, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) attributes.get("mode");
    long device = (Long) attributes.get("rdev");
    return (mode & FILE_TYPE_MASK) == CHAR_DEVICE_TYPE && device == 0;
  }

  public static void markOpaque(Path directory) throws IOException {
    attributeView(directory)
        .write(OPAQUE_ATTRIBUTE, ByteBuffer.wrap("y".getBytes(StandardCharsets.US_ASCII)));
  }

  public static boolean isOpaque(Path directory) throws IOException {
    UserDefinedFileAttributeView view = attributeView(directory);
    if (!view.list().contains(OPAQUE_ATTRIBUTE)) {
      return false;
    }
    ByteBuffer value = ByteBuffer.allocate(view.size(OPAQUE_ATTRIBUTE));
    view.read(OPAQUE_ATTRIBUTE, value);
    return new String(value.array(), 0, value.position(), StandardCharsets.US_ASCII).equals("y");
  }

  private static UserDefinedFileAttributeView attributeView(Path directory) throws IOException {
    UserDefinedFileAttributeView view =
        Files.getFileAttributeView(
            directory, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    if (view == null) {
      throw new IOException(
          "the file system of " + directory + " does not support user extended attributes");
    }
    return view;
  }
}
