package io.nereid.image;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a tar stream member by member: POSIX ustar headers, PAX extended headers (local and
 * global) and GNU long names ({@code L} and {@code K} members), with octal or base-256 numbers.
 * Sparse files and multi-volume archives are rejected with a {@link TarFormatException}.
 *
 * <p>Call {@link #next()} for each member and read its content from {@link #content()} before the
 * next call. Unread content is skipped.
 */
public final class TarReader {

  private static final int BLOCK = 512;
  private static final long MAX_EXTENSION_BYTES = 1 << 20;

  private final InputStream in;
  private final byte[] header = new byte[BLOCK];
  private final Map<String, String> globalPax = new HashMap<>();
  private long remaining;
  private long padding;
  private boolean finished;

  public TarReader(InputStream in) {
    this.in = in;
  }

  /** Returns the next member, or null at the end of the archive. */
  public TarEntry next() throws IOException {
    skipContent();
    if (finished) {
      return null;
    }
    Map<String, String> pax = new HashMap<>(globalPax);
    String longName = null;
    String longLinkName = null;
    while (true) {
      if (!readHeader()) {
        finished = true;
        return null;
      }
      char flag = (char) header[156];
      long size = parseNumber(124, 12, "size");
      switch (flag) {
        case 'x' -> pax.putAll(parsePax(readExtension(size, "PAX header")));
        case 'g' -> {
          Map<String, String> global = parsePax(readExtension(size, "PAX global header"));
          globalPax.putAll(global);
          pax.putAll(global);
        }
        case 'L' -> longName = cString(readExtension(size, "GNU long name"));
        case 'K' -> longLinkName = cString(readExtension(size, "GNU long link name"));
        default -> {
          return entryFromHeader(flag, size, pax, longName, longLinkName);
        }
      }
    }
  }

  /** Returns a stream over the current member's content; it ends at the member's size. */
  public InputStream content() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] single = new byte[1];
        int n = read(single, 0, 1);
        return n < 0 ? -1 : single[0] & 0xff;
      }

      @Override
      public int read(byte[] buffer, int offset, int length) throws IOException {
        if (remaining <= 0) {
          return -1;
        }
        int n = in.read(buffer, offset, (int) Math.min(length, remaining));
        if (n < 0) {
          throw new EOFException("tar archive ends inside a member's content");
        }
        remaining -= n;
        return n;
      }
    };
  }

  private TarEntry entryFromHeader(
      char flag, long headerSize, Map<String, String> pax, String longName, String longLinkName)
      throws IOException {
    TarEntry.Type type =
        switch (flag) {
          case '0', '\0', '7' -> TarEntry.Type.REGULAR;
          case '1' -> TarEntry.Type.HARD_LINK;
          case '2' -> TarEntry.Type.SYMLINK;
          case '3' -> TarEntry.Type.CHAR_DEVICE;
          case '4' -> TarEntry.Type.BLOCK_DEVICE;
          case '5' -> TarEntry.Type.DIRECTORY;
          case '6' -> TarEntry.Type.FIFO;
          default -> throw new TarFormatException(
              "unsupported tar member type '" + flag + "' for '" + headerName() + "'");
        };

    String name = pax.getOrDefault("path", longName != null ? longName : headerName());
    String linkName =
        pax.getOrDefault("linkpath", longLinkName != null ? longLinkName : field(157, 100));
    long size = pax.containsKey("size") ? parsePaxLong(pax, "size") : headerSize;
    long uid = pax.containsKey("uid") ? parsePaxLong(pax, "uid") : parseNumber(108, 8, "uid");
    long gid = pax.containsKey("gid") ? parsePaxLong(pax, "gid") : parseNumber(116, 8, "gid");
    Instant modified =
        pax.containsKey("mtime")
            ? parsePaxTime(pax.get("mtime"))
            : Instant.ofEpochSecond(parseNumber(136, 12, "mtime"));
    int mode = (int) (parseNumber(100, 8, "mode") & 07777);
    int major = (int) parseNumber(329, 8, "devmajor");
    int minor = (int) parseNumber(337, 8, "devminor");

    Map<String, byte[]> xattrs = new LinkedHashMap<>();
    pax.forEach(
        (key, value) -> {
          if (key.startsWith("SCHILY.xattr.")) {
            xattrs.put(
                key.substring("SCHILY.xattr.".length()), value.getBytes(StandardCharsets.ISO_8859_1));
          }
        });

    // Like Go's archive/tar, only regular members have data blocks. A size in the header of a link,
    // directory, device or FIFO is ignored.
    long contentSize = type == TarEntry.Type.REGULAR ? size : 0;
    remaining = contentSize;
    padding = paddingFor(contentSize);
    return new TarEntry(
        normalizeName(name), type, mode, uid, gid, contentSize, modified, linkName, major, minor,
        xattrs);
  }

  private static long paddingFor(long size) {
    long rest = size % BLOCK;
    return rest == 0 ? 0 : BLOCK - rest;
  }

  private static String normalizeName(String name) {
    String result = name;
    while (result.startsWith("./")) {
      result = result.substring(2);
    }
    while (result.length() > 1 && result.endsWith("/")) {
      result = result.substring(0, result.length() - 1);
    }
    return result.equals(".") ? "" : result;
  }

  private boolean readHeader() throws IOException {
    int n = in.readNBytes(header, 0, BLOCK);
    if (n == 0) {
      return false; // some writers end without the two zero blocks
    }
    if (n < BLOCK) {
      throw new EOFException("tar archive ends inside a header block");
    }
    if (isZeroBlock()) {
      // End of archive: one or two zero blocks. Anything after them is ignored, as tar does.
      return false;
    }
    verifyChecksum();
    return true;
  }

  private boolean isZeroBlock() {
    for (byte b : header) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private void verifyChecksum() throws TarFormatException {
    long expected = parseNumber(148, 8, "checksum");
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      byte b = (i >= 148 && i < 156) ? (byte) ' ' : header[i];
      unsigned += b & 0xff;
      signed += b;
    }
    // Old Sun tar and some others summed signed bytes, so readers such as Go's archive/tar accept both.
    if (expected != unsigned && expected != signed) {
      throw new TarFormatException(
          "invalid tar header checksum for '" + headerName() + "': the archive is corrupt or not a tar");
    }
  }

  private byte[] readExtension(long size, String subject) throws IOException {
    if (size < 0 || size > MAX_EXTENSION_BYTES) {
      throw new TarFormatException(subject + " of " + size + " bytes exceeds the 1 MiB maximum");
    }
    byte[] data = in.readNBytes((int) size);
    if (data.length < size) {
      throw new EOFException("tar archive ends inside a " + subject);
    }
    in.skipNBytes(paddingFor(size));
    return data;
  }

  private static Map<String, String> parsePax(byte[] data) throws TarFormatException {
    Map<String, String> records = new HashMap<>();
    int position = 0;
    while (position < data.length) {
      int space = indexOf(data, (byte) ' ', position);
      if (space < 0) {
        throw new TarFormatException("invalid PAX record: no length field");
      }
      int length;
      try {
        length = Integer.parseInt(new String(data, position, space - position, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new TarFormatException("invalid PAX record length", e);
      }
      int end = position + length;
      if (length <= 0 || end > data.length || data[end - 1] != '\n') {
        throw new TarFormatException("invalid PAX record of length " + length);
      }
      int equals = indexOf(data, (byte) '=', space + 1);
      if (equals < 0 || equals >= end) {
        throw new TarFormatException("invalid PAX record: no '=' between key and value");
      }
      String key = new String(data, space + 1, equals - space - 1, StandardCharsets.UTF_8);
      // Extended attribute values are binary, and every other value is UTF-8 text.
      String value =
          key.startsWith("SCHILY.xattr.")
              ? new String(data, equals + 1, end - equals - 2, StandardCharsets.ISO_8859_1)
              : new String(data, equals + 1, end - equals - 2, StandardCharsets.UTF_8);
      records.put(key, value);
      position = end;
    }
    return records;
  }

  private static int indexOf(byte[] data, byte value, int from) {
    for (int i = from; i < data.length; i++) {
      if (data[i] == value) {
        return i;
      }
    }
    return -1;
  }

  private static long parsePaxLong(Map<String, String> pax, String key) throws TarFormatException {
    try {
      return Long.parseLong(pax.get(key));
    } catch (NumberFormatException e) {
      throw new TarFormatException("invalid PAX " + key + " '" + pax.get(key) + "'", e);
    }
  }

  private static Instant parsePaxTime(String value) throws TarFormatException {
    try {
      int dot = value.indexOf('.');
      if (dot < 0) {
        return Instant.ofEpochSecond(Long.parseLong(value));
      }
      long seconds = Long.parseLong(value.substring(0, dot));
      String fraction = (value.substring(dot + 1) + "000000000").substring(0, 9);
      long nanos = Long.parseLong(fraction);
      // A negative time such as -1.5 means 1.5 seconds before the epoch.
      return value.startsWith("-")
          ? Instant.ofEpochSecond(seconds, -nanos)
          : Instant.ofEpochSecond(seconds, nanos);
    } catch (NumberFormatException e) {
      throw new TarFormatException("invalid PAX mtime '" + value + "'", e);
    }
  }

  private String headerName() {
    String name = field(0, 100);
    boolean ustar = Arrays.equals(header, 257, 263, "ustar\0".getBytes(StandardCharsets.US_ASCII), 0, 6);
    // GNU tar's "ustar  " magic stores times where POSIX keeps the prefix, so only POSIX has one.
    String prefix = ustar ? field(345, 155) : "";
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  private String field(int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.UTF_8);
  }

  private static String cString(byte[] data) {
    int end = 0;
    while (end < data.length && data[end] != 0) {
      end++;
    }
    return new String(data, 0, end, StandardCharsets.UTF_8);
  }

  private long parseNumber(int offset, int length, String field) throws TarFormatException {
    if ((header[offset] & 0x80) != 0) {
      // GNU base-256: the rest of the field is a big-endian two's complement number.
      long value = header[offset] & 0x7f;
      if ((value & 0x40) != 0) {
        value |= ~0x7fL; // negative
      }
      for (int i = offset + 1; i < offset + length; i++) {
        value = (value << 8) | (header[i] & 0xff);
      }
      return value;
    }
    long value = 0;
    boolean digits = false;
    for (int i = offset; i < offset + length; i++) {
      byte b = header[i];
      if (b == 0 || (b == ' ' && digits)) {
        break;
      }
      if (b == ' ') {
        continue;
      }
      if (b < '0' || b > '7') {
        throw new TarFormatException(
            "invalid octal " + field + " field in the tar header of '" + field(0, 100) + "'");
      }
      value = (value << 3) | (b - '0');
      digits = true;
    }
    return value;
  }

  private void skipContent() throws IOException {
    in.skipNBytes(remaining + padding);
    remaining = 0;
    padding = 0;
  }
}
