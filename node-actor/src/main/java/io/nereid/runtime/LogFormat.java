package io.nereid.runtime;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The line format of container log files, the one the Kubernetes CRI defines for container logs:
 * {@code <RFC 3339 time with nanoseconds> <stdout|stderr> <F|P> <content>}, where {@code F} marks
 * a full line and {@code P} a partial one that continues in the next record.
 */
final class LogFormat {

  private LogFormat() {}

  static byte[] format(Instant time, LogEntry.Stream stream, byte[] content, int length, boolean partial) {
    byte[] prefix =
        (time.toString() + " " + stream.fileName() + " " + (partial ? "P " : "F "))
            .getBytes(StandardCharsets.US_ASCII);
    byte[] record = new byte[prefix.length + length + 1];
    System.arraycopy(prefix, 0, record, 0, prefix.length);
    System.arraycopy(content, 0, record, prefix.length, length);
    record[record.length - 1] = '\n';
    return record;
  }

  /** Parses one record without its newline; returns null for a line that is not a record. */
  static LogEntry parse(String record) {
    int first = record.indexOf(' ');
    int second = first < 0 ? -1 : record.indexOf(' ', first + 1);
    int third = second < 0 ? -1 : record.indexOf(' ', second + 1);
    if (third < 0) {
      return null;
    }
    try {
      Instant time = Instant.parse(record.substring(0, first));
      LogEntry.Stream stream = LogEntry.Stream.valueOf(record.substring(first + 1, second).toUpperCase());
      boolean partial = record.substring(second + 1, third).equals("P");
      return new LogEntry(stream, time, record.substring(third + 1), partial);
    } catch (DateTimeParseException | IllegalArgumentException e) {
      return null;
    }
  }
}
