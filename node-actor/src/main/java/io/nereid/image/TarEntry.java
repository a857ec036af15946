package io.nereid.image;

import java.time.Instant;
import java.util.Map;

/**
 * One member of a tar archive, with PAX and GNU long-name extensions already applied.
 *
 * @param name the path as stored, without any leading {@code ./}; directories keep no trailing
 *     slash
 * @param mode permission bits including setuid, setgid and sticky (07777)
 * @param size bytes of content; non-zero only for regular files
 * @param linkName the target of a symbolic or hard link, empty otherwise
 * @param xattrs extended attributes from PAX {@code SCHILY.xattr.*} records, by attribute name
 */
public record TarEntry(
    String name,
    Type type,
    int mode,
    long uid,
    long gid,
    long size,
    Instant modified,
    String linkName,
    int deviceMajor,
    int deviceMinor,
    Map<String, byte[]> xattrs) {

  /** Member kinds, named after their ustar type flags. */
  public enum Type {
    REGULAR,
    HARD_LINK,
    SYMLINK,
    CHAR_DEVICE,
    BLOCK_DEVICE,
    DIRECTORY,
    FIFO
  }

  public TarEntry {
    xattrs = Map.copyOf(xattrs);
  }

  public boolean isDirectory() {
    return type == Type.DIRECTORY;
  }
}
