package io.nereid.persistence.embedded;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/** Reads the last lines of a log file for error messages. */
final class LogTail {

  /** Upper bound of bytes read, so a huge log cannot bloat an exception message. */
  private static final int MAX_BYTES = 64 * 1024;

  private LogTail() {}

  /** Returns the size of {@code file}, or 0 when it does not exist yet. */
  static long sizeOf(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * Returns the last {@code maxLines} lines written to {@code file} after byte {@code fromOffset},
   * or a short note when there are none or the file cannot be read.
   */
  static String read(Path file, long fromOffset, int maxLines) {
    if (!Files.exists(file)) {
      return "(" + file + " does not exist)";
    }
    String text;
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long length = in.length();
      // A file shorter than the offset was rotated or truncated since; read it from the start.
      long start = length < fromOffset ? 0 : Math.max(fromOffset, length - MAX_BYTES);
      byte[] bytes = new byte[(int) (length - start)];
      in.seek(start);
      in.readFully(bytes);
      text = new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e.getMessage() + ")";
    }
    Deque<String> lines = new ArrayDeque<>();
    for (String line : text.split("\\R")) {
      if (lines.size() == maxLines) {
        lines.removeFirst();
      }
      lines.addLast(line);
    }
    if (text.isBlank()) {
      return "(" + file + " has no new lines)";
    }
    return String.join(System.lineSeparator(), lines);
  }
}
