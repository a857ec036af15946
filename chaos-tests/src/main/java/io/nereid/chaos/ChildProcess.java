package io.nereid.chaos;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JVM or other program that the harness started, known by its pid. Every signal goes to that
 * pid only: {@link #kill()} is SIGKILL, {@link #pause()} and {@link #resume()} are SIGSTOP and
 * SIGCONT, {@link #stop(Duration)} is SIGTERM and then SIGKILL.
 */
final class ChildProcess {

  private static final Logger log = LoggerFactory.getLogger(ChildProcess.class);

  private final String name;
  private final Process process;

  private ChildProcess(String name, Process process) {
    this.name = name;
    this.process = process;
  }

  /** Starts {@code command} with its output appended to {@code logFile}. */
  static ChildProcess start(String name, List<String> command, Path logFile) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    // The java launcher reads these; options meant for the harness's JVM must not reach a member.
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    builder.environment().remove("JDK_JAVA_OPTIONS");
    builder.environment().remove("_JAVA_OPTIONS");
    Process process = builder.start();
    log.info("process started name={} pid={} log={}", name, process.pid(), logFile);
    return new ChildProcess(name, process);
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Sends SIGKILL and waits until the process is gone. */
  void kill() {
    log.info("sending SIGKILL name={} pid={}", name, pid());
    process.destroyForcibly();
    awaitExit(Duration.ofSeconds(10));
  }

  /** Sends SIGSTOP: the process stays alive but runs no instruction until {@link #resume()}. */
  void pause() {
    signal("STOP");
  }

  void resume() {
    signal("CONT");
  }

  /** Sends SIGTERM, and SIGKILL when the process has not exited within {@code timeout}. */
  void stop(Duration timeout) {
    if (!process.isAlive()) {
      return;
    }
    // A paused process would not act on SIGTERM until it is continued.
    signal("CONT");
    log.info("sending SIGTERM name={} pid={}", name, pid());
    process.destroy();
    if (!awaitExit(timeout)) {
      kill();
    }
  }

  boolean awaitExit(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.isAlive();
    }
  }

  /**
   * Sends a signal the JDK has no method for through {@code kill}, with the numeric pid of this
   * process as its only target.
   */
  private void signal(String signal) {
    if (process.isAlive()) {
      signal(name, pid(), signal);
    }
  }

  /** Sends {@code signal} (a name such as {@code STOP}) to the process {@code pid} only. */
  static void signal(String name, long pid, String signal) {
    log.info("sending SIG{} name={} pid={}", signal, name, pid);
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
              .redirectErrorStream(true)
              .start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + pid + " failed for " + name);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run kill -" + signal + " " + pid, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending SIG" + signal + " to " + pid, e);
    }
  }

  @Override
  public String toString() {
    return name + "[pid=" + pid() + "]";
  }
}
