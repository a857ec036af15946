package io.nereid.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The log files of one container: {@code stdout.log} and {@code stderr.log} in
 * {@link LogFormat}, each rotated by {@link RotatingLogFile}.
 */
final class ContainerLogs {

  private final Path directory;
  private final long maxBytes;
  private final int maxFiles;

  ContainerLogs(Path directory, long maxBytes, int maxFiles) {
    this.directory = directory;
    this.maxBytes = maxBytes;
    this.maxFiles = maxFiles;
  }

  Path file(LogEntry.Stream stream) {
    return directory.resolve(stream.fileName() + ".log");
  }

  RotatingLogFile open(LogEntry.Stream stream) throws IOException {
    Files.createDirectories(directory);
    return new RotatingLogFile(file(stream), maxBytes, maxFiles);
  }

  /** Returns every record of both streams, oldest first; records of one stream keep their order. */
  List<LogEntry> read() throws IOException {
    List<LogEntry> entries = new ArrayList<>();
    for (LogEntry.Stream stream : LogEntry.Stream.values()) {
      for (Path file : RotatingLogFile.generations(file(stream), maxFiles)) {
        for (String record : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          LogEntry entry = LogFormat.parse(record);
          if (entry != null) {
            entries.add(entry);
          }
        }
      }
    }
    entries.sort(Comparator.comparing(LogEntry::time)); // a stable sort keeps each stream's order
    return entries;
  }
}
