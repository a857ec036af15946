package io.nereid.image;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;

/**
 * Counts the bytes read through it and reports the running total at most once per {@value
 * #REPORT_EVERY} bytes, and once more at the end of the stream.
 */
final class ProgressInputStream extends FilterInputStream {

  private static final long REPORT_EVERY = 256 * 1024;

  private final LongConsumer progress;
  private long total;
  private long reported;

  ProgressInputStream(InputStream in, LongConsumer progress) {
    super(in);
    this.progress = progress;
  }

  @Override
  public int read() throws IOException {
    int value = super.read();
    count(value < 0 ? -1 : 1);
    return value;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int read = super.read(buffer, offset, length);
    count(read);
    return read;
  }

  private void count(int read) {
    if (read < 0) {
      if (reported != total) {
        reported = total;
        progress.accept(total);
      }
      return;
    }
    total += read;
    if (total - reported >= REPORT_EVERY) {
      reported = total;
      progress.accept(total);
    }
  }
}
