package io.nereid.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code runc} command line, with one {@code --root} so that each runtime instance sees only
 * its own containers. Every method blocks until runc returns.
 */
final class Runc {

  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

  /**
   * The shim between the runtime and {@code runc run}: a shell that outlives the JVM. It is
   * spawned while the runtime still prepares the bundle and waits for the line {@code run} on its
   * stdin; end of file or any other line makes it exit without running runc. It then keeps both
   * FIFOs open read-write, so the container never gets EPIPE while no runtime reads them, runs
   * the container in the foreground with {@code --keep} so the cgroup survives for the OOM
   * check, and writes the exit code to a file when runc returns. The container's stdin is the
   * bundle's stdin FIFO when there is one, else {@code /dev/null}. Arguments: runc binary, runc
   * root, bundle directory, container ID.
   */
  static final String SHIM_SCRIPT =
      """
      runc=$1 root=$2 bundle=$3 id=$4
      read -r go || exit 0
      [ "$go" = run ] || exit 0
      exec 0</dev/null 3<>"$bundle/stdout.fifo" 4<>"$bundle/stderr.fifo"
      stdin=/dev/null
      [ -p "$bundle/stdin.fifo" ] && stdin="$bundle/stdin.fifo"
      "$runc" --root "$root" --log "$bundle/runc.log" --log-format json \\
        run --keep --bundle "$bundle" --pid-file "$bundle/init.pid" "$id" \\
        <"$stdin" >"$bundle/stdout.fifo" 2>"$bundle/stderr.fifo" 3>&- 4>&-
      echo $? >"$bundle/exit-code.tmp" && mv "$bundle/exit-code.tmp" "$bundle/exit-code"
      """;

  /** One row of {@code runc list}. */
  record State(String id, long pid, String status, Path bundle, Instant created) {}

  private final Path binary;
  private final Path root;
  private final ObjectMapper json;

  Runc(Path binary, Path root, ObjectMapper json) {
    this.binary = binary;
    this.root = root;
    this.json = json;
  }

  Path root() {
    return root;
  }

  /**
   * Starts the shim for the bundle, which waits for {@link #release}. {@code setsid} puts it in a
   * session of its own, so a signal meant for the JVM's process group does not reach it.
   */
  Process startShim(Path bundle, String id, Path shimOutput) throws IOException {
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
      command.add("/usr/bin/setsid");
    }
    command.addAll(List.of("/bin/sh", "-c", SHIM_SCRIPT, "nereid-shim", binary.toString(), root.toString(), bundle.toString(), id));
    return new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.PIPE)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(shimOutput.toFile()))
        .redirectErrorStream(true)
        .start();
  }

  /** Lets a shim from {@link #startShim} run runc, once its bundle is complete. */
  void release(Process shim) throws IOException {
    try (OutputStream stdin = shim.getOutputStream()) {
      stdin.write("run\n".getBytes(StandardCharsets.US_ASCII));
    }
  }

  List<State> list() throws IOException {
    String output = run("list", "--format", "json");
    JsonNode rows = json.readTree(output.isBlank() ? "null" : output);
    List<State> states = new ArrayList<>();
    for (JsonNode row : rows) { // "null" when empty, which iterates as nothing
      states.add(
          new State(
              row.path("id").asText(),
              row.path("pid").asLong(),
              row.path("status").asText(),
              Path.of(row.path("bundle").asText()),
              parseTime(row.path("created").asText())));
    }
    return states;
  }

  Optional<State> state(String id) throws IOException {
    Commands.Output output = Commands.run(command("state", id), null, COMMAND_TIMEOUT);
    if (output.exitCode() != 0) {
      if (output.stderr().contains("does not exist")) {
        return Optional.empty();
      }
      throw failure(List.of("state", id), output);
    }
    JsonNode state = json.readTree(output.stdout());
    return Optional.of(
        new State(
            id,
            state.path("pid").asLong(),
            state.path("status").asText(),
            Path.of(state.path("bundle").asText()),
            parseTime(state.path("created").asText())));
  }

  void kill(String id, int signal) throws IOException {
    run("kill", id, Integer.toString(signal));
  }

  void pause(String id) throws IOException {
    run("pause", id);
  }

  void resume(String id) throws IOException {
    run("resume", id);
  }

  /** Changes a running container's cgroup limits; {@code arguments} are runc update's options. */
  void update(String id, List<String> arguments) throws IOException {
    List<String> all = new ArrayList<>(List.of("update"));
    all.addAll(arguments);
    all.add(id);
    run(all.toArray(String[]::new));
  }

  /** Deletes runc's record and the cgroup of a stopped container; {@code force} kills it first. */
  void delete(String id, boolean force) throws IOException {
    Commands.Output output =
        Commands.run(force ? command("delete", "--force", id) : command("delete", id), null, COMMAND_TIMEOUT);
    if (output.exitCode() != 0 && !output.stderr().contains("does not exist")) {
      throw failure(List.of("delete", id), output);
    }
  }

  /** Runs {@code runc exec} with the process described in {@code processJson}. */
  Commands.Output exec(String id, Path processJson, Duration timeout) throws IOException {
    return Commands.run(command("exec", "--process", processJson.toString(), id), null, timeout);
  }

  /**
   * Returns the {@code runc exec} command line for a process that streams its own stdio. runc
   * writes {@code pidFile} once the process runs, and its errors to {@code runcLog} as JSON.
   */
  List<String> execCommand(String id, Path processJson, Path pidFile, Path runcLog) {
    List<String> command =
        new ArrayList<>(List.of(binary.toString(), "--root", root.toString(), "--log", runcLog.toString(), "--log-format", "json"));
    command.addAll(List.of("exec", "--process", processJson.toString(), "--pid-file", pidFile.toString(), id));
    return command;
  }

  private String run(String... arguments) throws IOException {
    Commands.Output output = Commands.run(command(arguments), null, COMMAND_TIMEOUT);
    if (output.exitCode() != 0) {
      throw failure(List.of(arguments), output);
    }
    return output.stdout();
  }

  private List<String> command(String... arguments) {
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--root", root.toString()));
    command.addAll(List.of(arguments));
    return command;
  }

  private static IOException failure(List<String> arguments, Commands.Output output) {
    return new RuncException(
        "runc " + String.join(" ", arguments) + " failed with exit code " + output.exitCode() + ": "
            + RuncException.message(output.stderr()));
  }

  private static Instant parseTime(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return Instant.EPOCH;
    }
  }

  /** A runc command that failed; the message holds runc's own error text. */
  static final class RuncException extends IOException {
    RuncException(String message) {
      super(message);
    }

    /** Returns the {@code msg} of runc's logrus line, or the whole text. */
    static String message(String stderr) {
      String text = stderr.trim();
      int start = text.lastIndexOf("msg=\"");
      if (start >= 0) {
        int end = text.indexOf('"', start + 5);
        return end > start ? text.substring(start + 5, end) : text.substring(start + 5);
      }
      return text;
    }

    boolean isNotRunning() {
      String message = getMessage();
      return message.contains("not running") || message.contains("process already finished")
          || message.contains("does not exist");
    }
  }
}
