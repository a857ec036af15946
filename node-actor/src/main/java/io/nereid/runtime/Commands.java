package io.nereid.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short host commands such as {@code mount} and {@code runc kill} and collects their output. */
final class Commands {

  /** The output of a finished command; stdout and stderr are kept apart. */
  record Output(int exitCode, byte[] stdoutBytes, byte[] stderrBytes) {
    String stdout() {
      return new String(stdoutBytes, StandardCharsets.UTF_8);
    }

    String stderr() {
      return new String(stderrBytes, StandardCharsets.UTF_8);
    }
  }

  private Commands() {}

  /** Runs {@code command} and returns its stdout, failing if it exits non-zero. */
  static String check(List<String> command, Duration timeout) throws IOException {
    Output output = run(command, null, timeout);
    if (output.exitCode() != 0) {
      String detail = output.stderr().isBlank() ? output.stdout() : output.stderr();
      throw new IOException(
          String.join(" ", command) + " failed with exit code " + output.exitCode() + ": " + detail.trim());
    }
    return output.stdout();
  }

  /**
   * Runs {@code command} in {@code directory} (null for the current one), killing it after
   * {@code timeout}. Output goes through temporary files, so neither stream can fill a pipe and
   * stall the command.
   */
  static Output run(List<String> command, Path directory, Duration timeout) throws IOException {
    Path stdout = Files.createTempFile("nereid-cmd-", ".out");
    Path stderr = Files.createTempFile("nereid-cmd-", ".err");
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectOutput(stdout.toFile())
              .redirectError(stderr.toFile());
      if (directory != null) {
        builder.directory(directory.toFile());
      }
      Process process = builder.start();
      try {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
          throw new IOException(String.join(" ", command) + " timed out after " + timeout);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while running " + String.join(" ", command), e);
      }
      return new Output(process.exitValue(), Files.readAllBytes(stdout), Files.readAllBytes(stderr));
    } finally {
      Files.deleteIfExists(stdout);
      Files.deleteIfExists(stderr);
    }
  }
}
