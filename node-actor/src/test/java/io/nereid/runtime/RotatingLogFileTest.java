package io.nereid.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotatingLogFileTest {

  @TempDir Path temp;

  @Test
  void rotatesAndDropsOldestGeneration() throws IOException {
    Path file = temp.resolve("stdout.log");
    try (RotatingLogFile log = new RotatingLogFile(file, 10, 3)) {
      for (String record : List.of("aaaaaaaa\n", "bbbbbbbb\n", "cccccccc\n", "dddddddd\n")) {
        log.append(record.getBytes(StandardCharsets.US_ASCII));
      }
    }

    assertEquals("dddddddd\n", Files.readString(file));
    assertEquals("cccccccc\n", Files.readString(temp.resolve("stdout.log.1")));
    assertEquals("bbbbbbbb\n", Files.readString(temp.resolve("stdout.log.2")));
    assertFalse(Files.exists(temp.resolve("stdout.log.3")));
    assertEquals(
        List.of(temp.resolve("stdout.log.2"), temp.resolve("stdout.log.1"), file),
        RotatingLogFile.generations(file, 3));
  }

  @Test
  void singleFileIsTruncated() throws IOException {
    Path file = temp.resolve("stdout.log");
    try (RotatingLogFile log = new RotatingLogFile(file, 10, 1)) {
      log.append("first....\n".getBytes(StandardCharsets.US_ASCII));
      log.append("second...\n".getBytes(StandardCharsets.US_ASCII));
    }

    assertEquals("second...\n", Files.readString(file));
    assertFalse(Files.exists(temp.resolve("stdout.log.1")));
  }

  @Test
  void reopenAppendsAndCountsExistingSize() throws IOException {
    Path file = temp.resolve("stdout.log");
    try (RotatingLogFile log = new RotatingLogFile(file, 20, 2)) {
      log.append("0123456789\n".getBytes(StandardCharsets.US_ASCII));
    }
    try (RotatingLogFile log = new RotatingLogFile(file, 20, 2)) {
      log.append("abcdefghij\n".getBytes(StandardCharsets.US_ASCII));
    }

    assertEquals("abcdefghij\n", Files.readString(file), "11 + 11 bytes pass the 20 byte limit");
    assertEquals("0123456789\n", Files.readString(temp.resolve("stdout.log.1")));
  }

  @Test
  void logFormatRoundTrips() {
    Instant time = Instant.parse("2025-01-02T03:04:05.123456789Z");
    byte[] content = "hello world".getBytes(StandardCharsets.UTF_8);

    byte[] record = LogFormat.format(time, LogEntry.Stream.STDERR, content, content.length, true);
    String text = new String(record, StandardCharsets.UTF_8);

    assertEquals("2025-01-02T03:04:05.123456789Z stderr P hello world\n", text);
    assertEquals(
        new LogEntry(LogEntry.Stream.STDERR, time, "hello world", true),
        LogFormat.parse(text.substring(0, text.length() - 1)));
    assertNull(LogFormat.parse("garbage"));
  }
}
