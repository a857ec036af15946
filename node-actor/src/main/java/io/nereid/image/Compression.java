package io.nereid.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/** Recognizes a compressed tar stream by its magic bytes, as {@code docker load} does. */
final class Compression {

  private static final byte[] GZIP_MAGIC = {0x1f, (byte) 0x8b};
  private static final byte[] ZSTD_MAGIC = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};
  private static final int BUFFER_BYTES = 65536;

  private Compression() {}

  /**
   * Returns {@code raw} decompressed if it starts with the gzip magic, else as it is.
   *
   * @throws ManifestException for zstd, which the JDK cannot decompress
   */
  static InputStream decompress(InputStream raw, String source) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(raw, BUFFER_BYTES);
    buffered.mark(ZSTD_MAGIC.length);
    byte[] magic = buffered.readNBytes(ZSTD_MAGIC.length);
    buffered.reset();
    if (startsWith(magic, GZIP_MAGIC)) {
      return new GZIPInputStream(buffered, BUFFER_BYTES);
    }
    if (startsWith(magic, ZSTD_MAGIC)) {
      throw new ManifestException(
          source + " is zstd-compressed, which is not supported; use gzip or an uncompressed tar");
    }
    return buffered;
  }

  private static boolean startsWith(byte[] data, byte[] prefix) {
    return data.length >= prefix.length
        && Arrays.equals(data, 0, prefix.length, prefix, 0, prefix.length);
  }
}
