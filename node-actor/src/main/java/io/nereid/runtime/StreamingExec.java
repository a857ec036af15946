package io.nereid.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code runc exec} process whose stdout and stderr are read by two daemon threads and passed
 * on as they come. The exit completes once the process exited and both streams ended, so that
 * every byte of output reached the listener before the exit code is known.
 */
final class StreamingExec implements ExecProcess {

  private static final Logger log = LoggerFactory.getLogger(StreamingExec.class);

  private final String containerId;
  private final Process process;
  private final List<Path> files;
  private final OutputListener listener;
  private final Executor executor;
  private final AtomicInteger openStreams = new AtomicInteger(2);
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private final Object stdinLock = new Object();

  /** @param files the exec's files in the bundle, deleted once it exited */
  StreamingExec(String containerId, Process process, List<Path> files, OutputListener listener, Executor executor) {
    this.containerId = containerId;
    this.process = process;
    this.files = List.copyOf(files);
    this.listener = listener;
    this.executor = executor;
    read(process.getInputStream(), LogEntry.Stream.STDOUT);
    read(process.getErrorStream(), LogEntry.Stream.STDERR);
  }

  private void read(InputStream in, LogEntry.Stream stream) {
    String shortId = containerId.substring(0, Math.min(12, containerId.length()));
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[65536];
              try (in) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                  listener.output(stream, Arrays.copyOf(buffer, read));
                }
              } catch (IOException e) {
                log.warn("reading the {} of an exec in container {} failed", stream.fileName(), containerId, e);
              }
              if (openStreams.decrementAndGet() == 0) {
                process.onExit().thenAccept(exited -> finish());
              }
            },
            "nereid-exec-" + shortId + "-" + stream.fileName());
    thread.setDaemon(true);
    thread.start();
  }

  private void finish() {
    for (Path file : files) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        log.warn("failed to delete the exec file {}", file, e);
      }
    }
    listener.ended();
    log.info("exec in container {} exited with code {}", containerId, process.exitValue());
    exit.complete(process.exitValue());
  }

  @Override
  public CompletionStage<Void> writeStdin(byte[] bytes) {
    return CompletableFuture.runAsync(
        () -> {
          synchronized (stdinLock) {
            try {
              OutputStream stdin = process.getOutputStream();
              stdin.write(bytes);
              stdin.flush();
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(
                  "writing to the stdin of an exec in container " + containerId + " failed", e);
            }
          }
        },
        executor);
  }

  @Override
  public CompletionStage<Void> closeStdin() {
    return CompletableFuture.runAsync(
        () -> {
          synchronized (stdinLock) {
            try {
              process.getOutputStream().close();
            } catch (IOException e) {
              log.debug("closing the stdin of an exec in container {} failed", containerId, e);
            }
          }
        },
        executor);
  }

  @Override
  public CompletionStage<Integer> exit() {
    return exit;
  }
}
