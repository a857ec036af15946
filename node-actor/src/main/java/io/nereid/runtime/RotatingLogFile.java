package io.nereid.runtime;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * An append-only log file that rotates by size, like Docker's json-file driver with
 * {@code max-size} and {@code max-file}: when a record would take the file past
 * {@code maxBytes}, {@code name} becomes {@code name.1}, {@code name.1} becomes {@code name.2},
 * and so on, and the oldest beyond {@code maxFiles} files in all is deleted.
 */
final class RotatingLogFile implements Closeable {

  private final Path file;
  private final long maxBytes;
  private final int maxFiles;
  private OutputStream out;
  private long size;

  /**
   * Opens {@code file} for appending, keeping what it holds.
   *
   * @param maxFiles files kept including the current one; 1 means the file is truncated instead
   */
  RotatingLogFile(Path file, long maxBytes, int maxFiles) throws IOException {
    if (maxBytes <= 0 || maxFiles < 1) {
      throw new IllegalArgumentException("log rotation needs maxBytes > 0 and maxFiles >= 1");
    }
    this.file = file;
    this.maxBytes = maxBytes;
    this.maxFiles = maxFiles;
    open();
  }

  void append(byte[] record) throws IOException {
    if (size > 0 && size + record.length > maxBytes) {
      rotate();
    }
    out.write(record);
    out.flush();
    size += record.length;
  }

  private void rotate() throws IOException {
    out.close();
    Files.deleteIfExists(rotated(file, maxFiles - 1));
    for (int generation = maxFiles - 2; generation >= 1; generation--) {
      Path older = rotated(file, generation);
      if (Files.exists(older)) {
        Files.move(older, rotated(file, generation + 1), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    if (maxFiles > 1) {
      Files.move(file, rotated(file, 1), StandardCopyOption.REPLACE_EXISTING);
    } else {
      Files.delete(file);
    }
    open();
  }

  private void open() throws IOException {
    out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    size = Files.size(file);
  }

  /** Returns {@code file} and its rotated generations that exist, oldest first. */
  static List<Path> generations(Path file, int maxFiles) {
    List<Path> files = new ArrayList<>();
    for (int generation = maxFiles - 1; generation >= 1; generation--) {
      Path older = rotated(file, generation);
      if (Files.exists(older)) {
        files.add(older);
      }
    }
    if (Files.exists(file)) {
      files.add(file);
    }
    return files;
  }

  private static Path rotated(Path file, int generation) {
    return file.resolveSibling(file.getFileName() + "." + generation);
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
