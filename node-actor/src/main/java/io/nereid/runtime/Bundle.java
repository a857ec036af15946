package io.nereid.runtime;

import java.nio.file.Path;

/**
 * The files of one container under the runtime's state directory: the OCI bundle runc reads
 * ({@code config.json}, {@code rootfs/}) and what Nereid keeps beside it.
 */
record Bundle(Path directory) {

  Path config() {
    return directory.resolve("config.json");
  }

  Path rootfs() {
    return directory.resolve("rootfs");
  }

  /** Nereid's own record of the container, read when a restarted runtime adopts it. */
  Path metadata() {
    return directory.resolve("nereid.json");
  }

  Path fifo(LogEntry.Stream stream) {
    return directory.resolve(stream.fileName() + ".fifo");
  }

  /** The container's stdin when it was created with an open stdin; absent otherwise. */
  Path stdinFifo() {
    return directory.resolve("stdin.fifo");
  }

  Path logs() {
    return directory.resolve("logs");
  }

  /** Written by runc once the container's process has started. */
  Path initPid() {
    return directory.resolve("init.pid");
  }

  Path shimPid() {
    return directory.resolve("shim.pid");
  }

  /** The exit code the shim writes when {@code runc run} returns. */
  Path exitCode() {
    return directory.resolve("exit-code");
  }

  /** The full {@link ExitStatus}, written by the runtime once it has handled the exit. */
  Path exitStatus() {
    return directory.resolve("exit.json");
  }

  /** runc's own log, JSON lines, where its errors go. */
  Path runcLog() {
    return directory.resolve("runc.log");
  }

  /** The directory of the files bind-mounted into {@code /etc}. */
  Path etc() {
    return directory.resolve("etc");
  }
}
