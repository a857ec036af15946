package io.nereid.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Writes tar archives for tests: POSIX ustar members, with a PAX header when a name, link target
 * or extended attribute does not fit ustar, or GNU long-name members on request.
 */
public final class TarBuilder {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private boolean gnuLongNames;
  private long modifiedSeconds = 1_700_000_000L;

  /** Writes long names as GNU 'L' and 'K' members instead of PAX headers. */
  public TarBuilder gnuLongNames() {
    gnuLongNames = true;
    return this;
  }

  public TarBuilder directory(String name, int mode) {
    return member(name, '5', mode, 0, 0, "", new byte[0], 0, 0, Map.of());
  }

  public TarBuilder file(String name, String content) {
    return file(name, 0644, content.getBytes(StandardCharsets.UTF_8));
  }

  public TarBuilder file(String name, int mode, byte[] content) {
    return member(name, '0', mode, 0, 0, "", content, 0, 0, Map.of());
  }

  public TarBuilder fileOwnedBy(String name, int mode, long uid, long gid, String content) {
    return member(name, '0', mode, uid, gid, "", content.getBytes(StandardCharsets.UTF_8), 0, 0, Map.of());
  }

  public TarBuilder fileWithXattrs(String name, String content, Map<String, String> xattrs) {
    return member(name, '0', 0644, 0, 0, "", content.getBytes(StandardCharsets.UTF_8), 0, 0, xattrs);
  }

  public TarBuilder symlink(String name, String target) {
    return member(name, '2', 0777, 0, 0, target, new byte[0], 0, 0, Map.of());
  }

  public TarBuilder hardLink(String name, String target) {
    return member(name, '1', 0644, 0, 0, target, new byte[0], 0, 0, Map.of());
  }

  public TarBuilder charDevice(String name, int major, int minor) {
    return member(name, '3', 0666, 0, 0, "", new byte[0], major, minor, Map.of());
  }

  public TarBuilder fifo(String name) {
    return member(name, '6', 0644, 0, 0, "", new byte[0], 0, 0, Map.of());
  }

  /** Returns the archive with its two end-of-archive blocks. */
  public byte[] build() {
    out.writeBytes(new byte[1024]);
    return out.toByteArray();
  }

  /** Returns the archive gzip-compressed. */
  public byte[] buildGzip() {
    return gzip(build());
  }

  public static byte[] gzip(byte[] data) {
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
      gzip.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return compressed.toByteArray();
  }

  private TarBuilder member(
      String name, char type, int mode, long uid, long gid, String linkName, byte[] content,
      int major, int minor, Map<String, String> xattrs) {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    byte[] linkBytes = linkName.getBytes(StandardCharsets.UTF_8);
    boolean longName = nameBytes.length > 100;
    boolean longLink = linkBytes.length > 100;
    if (gnuLongNames) {
      if (longName) {
        writeHeader("././@LongLink", 'L', 0, 0, 0, nameBytes.length + 1, "", 0, 0);
        writeContent(withNul(nameBytes));
      }
      if (longLink) {
        writeHeader("././@LongLink", 'K', 0, 0, 0, linkBytes.length + 1, "", 0, 0);
        writeContent(withNul(linkBytes));
      }
    } else if (longName || longLink || !xattrs.isEmpty()) {
      Map<String, String> records = new LinkedHashMap<>();
      if (longName) {
        records.put("path", name);
      }
      if (longLink) {
        records.put("linkpath", linkName);
      }
      xattrs.forEach((key, value) -> records.put("SCHILY.xattr." + key, value));
      byte[] pax = paxRecords(records);
      writeHeader("PaxHeaders/" + shortName(name), 'x', 0644, 0, 0, pax.length, "", 0, 0);
      writeContent(pax);
    }
    writeHeader(longName ? shortName(name) : name, type, mode, uid, gid, content.length,
        longLink ? "" : linkName, major, minor);
    writeContent(content);
    return this;
  }

  private static String shortName(String name) {
    return name.length() > 90 ? name.substring(name.length() - 90) : name;
  }

  private static byte[] withNul(byte[] bytes) {
    byte[] result = new byte[bytes.length + 1];
    System.arraycopy(bytes, 0, result, 0, bytes.length);
    return result;
  }

  private static byte[] paxRecords(Map<String, String> records) {
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    records.forEach((key, value) -> {
      String body = " " + key + "=" + value + "\n";
      int length = body.getBytes(StandardCharsets.UTF_8).length;
      // The length field counts itself, so grow it until the digits fit.
      int total = length + Integer.toString(length).length();
      if (Integer.toString(total).length() != Integer.toString(length).length()) {
        total = length + Integer.toString(total).length();
      }
      data.writeBytes((total + body).getBytes(StandardCharsets.UTF_8));
    });
    return data.toByteArray();
  }

  private void writeHeader(
      String name, char type, int mode, long uid, long gid, long size, String linkName, int major, int minor) {
    byte[] header = new byte[512];
    put(header, 0, 100, name.getBytes(StandardCharsets.UTF_8));
    octal(header, 100, 8, mode);
    octal(header, 108, 8, uid);
    octal(header, 116, 8, gid);
    octal(header, 124, 12, size);
    octal(header, 136, 12, modifiedSeconds);
    header[156] = (byte) type;
    put(header, 157, 100, linkName.getBytes(StandardCharsets.UTF_8));
    if (gnuLongNames) {
      put(header, 257, 8, "ustar  \0".getBytes(StandardCharsets.US_ASCII));
    } else {
      put(header, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
      put(header, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
    }
    octal(header, 329, 8, major);
    octal(header, 337, 8, minor);
    for (int i = 148; i < 156; i++) {
      header[i] = ' ';
    }
    long sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    octal(header, 148, 7, sum);
    out.writeBytes(header);
  }

  private void writeContent(byte[] content) {
    out.writeBytes(content);
    int rest = content.length % 512;
    if (rest != 0) {
      out.writeBytes(new byte[512 - rest]);
    }
  }

  private static void put(byte[] header, int offset, int length, byte[] value) {
    System.arraycopy(value, 0, header, offset, Math.min(length, value.length));
  }

  private static void octal(byte[] header, int offset, int length, long value) {
    String text = Long.toOctalString(value);
    String padded = "0".repeat(Math.max(0, length - 1 - text.length())) + text;
    put(header, offset, length - 1, padded.getBytes(StandardCharsets.US_ASCII));
  }
}
