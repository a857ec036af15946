package io.nereid.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies one output stream of a container from its FIFO to a rotating log file, one
 * {@link LogFormat} record per line with the time the line was read. Runs on its own daemon
 * thread, because reading a FIFO blocks.
 *
 * <p>A line longer than {@link #MAX_LINE_BYTES} is split into partial records, as Docker does at
 * 16 KiB. When every writer has closed the FIFO, which happens once the container and its shim
 * have exited, the capture calls its end-of-stream callback. Every chunk read also goes, as read,
 * to the output callback, which streams it live to attached clients.
 */
final class LogCapture {

  private static final Logger log = LoggerFactory.getLogger(LogCapture.class);
  static final int MAX_LINE_BYTES = 16 * 1024;

  private final String containerId;
  private final LogEntry.Stream stream;
  private final Path fifo;
  private final RotatingLogFile file;
  private final Clock clock;
  private final Runnable onEndOfStream;
  private final Consumer<byte[]> onOutput;
  private final Thread thread;
  /** The FIFO's read end when the caller opened it already, else null. */
  private final FileChannel preopened;
  private FileChannel channel;
  private boolean opened;
  private boolean closed;
  private boolean writeFailureLogged;
  private Instant lastTime = Instant.EPOCH;

  /**
   * @param preopened the FIFO's read end, opened by the caller. With null, the capture's thread
   *     opens it and waits there until the FIFO has a writer.
   */
  LogCapture(
      String containerId, LogEntry.Stream stream, Path fifo, FileChannel preopened, RotatingLogFile file,
      Clock clock, Runnable onEndOfStream, Consumer<byte[]> onOutput) {
    this.containerId = containerId;
    this.preopened = preopened;
    this.stream = stream;
    this.fifo = fifo;
    this.file = file;
    this.clock = clock;
    this.onEndOfStream = onEndOfStream;
    this.onOutput = onOutput;
    String shortId = containerId.substring(0, Math.min(12, containerId.length()));
    this.thread = new Thread(this::copy, "nereid-log-" + shortId + "-" + stream.fileName());
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /**
   * Stops reading without treating it as the end of the stream. The FIFO stays for a later
   * capture to pick up. Lines still in the pipe are left there.
   */
  void close() {
    FileChannel current;
    boolean wasOpened;
    synchronized (this) {
      closed = true;
      current = channel;
      wasOpened = opened;
    }
    try {
      if (current != null) {
        current.close(); // wakes the thread blocked in read
      } else if (!wasOpened) {
        unblockOpen();
      }
      thread.join(5_000);
      file.close();
    } catch (IOException e) {
      log.warn("failed to close the {} log of container {}", stream.fileName(), containerId, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Lets a capture blocked in opening the FIFO go on. Opening a FIFO for reading waits for a
   * writer, and if the shim exited before the capture opened it, none will come. Opening it
   * read-write here counts as that writer, and closing it at once leaves the reader at end of
   * stream.
   */
  void unblockOpen() {
    synchronized (this) {
      if (opened) {
        return;
      }
    }
    try (FileChannel kick = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      log.debug("unblocked the {} log reader of container {}", stream.fileName(), containerId);
    } catch (IOException e) {
      log.warn("failed to unblock the {} log reader of container {}", stream.fileName(), containerId, e);
    }
  }

  private void copy() {
    boolean endOfStream = false;
    try (FileChannel input = preopened != null ? preopened : FileChannel.open(fifo, StandardOpenOption.READ)) {
      synchronized (this) {
        opened = true;
        if (closed) {
          return;
        }
        channel = input;
      }
      endOfStream = copyLines(input);
    } catch (ClosedChannelException e) {
      // close() was called: the runtime is shutting down, the container goes on
    } catch (IOException e) {
      log.error("reading the {} of container {} failed", stream.fileName(), containerId, e);
      endOfStream = true;
    }
    synchronized (this) {
      if (closed) {
        return;
      }
    }
    try {
      file.close();
    } catch (IOException e) {
      log.warn("failed to close the {} log of container {}", stream.fileName(), containerId, e);
    }
    if (endOfStream) {
      onEndOfStream.run();
    }
  }

  /** Copies until end of stream, returning true then; returns false if closed first. */
  private boolean copyLines(FileChannel input) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(65536);
    byte[] line = new byte[MAX_LINE_BYTES];
    int length = 0;
    while (input.read(buffer) >= 0) {
      buffer.flip();
      onOutput.accept(Arrays.copyOf(buffer.array(), buffer.limit()));
      while (buffer.hasRemaining()) {
        byte b = buffer.get();
        if (b == '\n') {
          write(line, length, false);
          length = 0;
        } else {
          line[length++] = b;
          if (length == MAX_LINE_BYTES) {
            write(line, length, true);
            length = 0;
          }
        }
      }
      buffer.clear();
    }
    if (length > 0) {
      write(line, length, true); // the stream ended without a final newline
    }
    return true;
  }

  private void write(byte[] line, int length, boolean partial) {
    // Strictly increasing times make (stream, time) name one line, which followers rely on.
    Instant time = clock.instant();
    if (!time.isAfter(lastTime)) {
      time = lastTime.plusNanos(1);
    }
    lastTime = time;
    try {
      file.append(LogFormat.format(time, stream, line, length, partial));
    } catch (IOException e) {
      // Keep draining the FIFO so the container never blocks on a full pipe, and log the first failure.
      if (!writeFailureLogged) {
        writeFailureLogged = true;
        log.error("writing the {} log of container {} failed; lines are dropped until it works again",
            stream.fileName(), containerId, e);
      }
    }
  }
}
