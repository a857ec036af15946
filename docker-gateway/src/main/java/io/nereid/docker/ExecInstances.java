package io.nereid.docker;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The exec instances that {@code POST /containers/{id}/exec} created, kept in this member's
 * memory as the Docker daemon keeps them in its own. An instance whose process exited is
 * dropped {@link #KEPT_AFTER_EXIT} later.
 *
 * <p>NOTE: an exec instance is known only to the member that created it, so with several
 * control members behind one address, start and inspect must reach the same member.
 */
final class ExecInstances {

  static final Duration KEPT_AFTER_EXIT = Duration.ofMinutes(5);

  /** The process and streams of a {@code docker exec} request. */
  record Config(
      List<String> cmd,
      List<String> env,
      String user,
      String workingDir,
      boolean attachStdin,
      boolean attachStdout,
      boolean attachStderr) {

    /** Reads the body of {@code POST /containers/{id}/exec}; a bad field is a 400 that names it. */
    static Config parse(JsonNode body) {
      if (body == null || !body.isObject()) {
        throw DockerApiException.badRequest("invalid JSON: the request body must be an object");
      }
      if (CreateRequest.bool(body, "Tty")) {
        throw DockerApiException.badRequest("Nereid does not support a TTY for exec: run docker exec without -t");
      }
      if (CreateRequest.bool(body, "Privileged")) {
        throw DockerApiException.badRequest("Nereid does not support privileged exec: run docker exec without --privileged");
      }
      List<String> cmd = CreateRequest.strings(body, "Cmd");
      if (cmd.isEmpty()) {
        throw DockerApiException.badRequest("No exec command specified");
      }
      List<String> env = CreateRequest.strings(body, "Env");
      for (String variable : env) {
        if (variable.indexOf('=') <= 0) {
          throw DockerApiException.badRequest("invalid environment variable: " + variable + ": expected NAME=value");
        }
      }
      return new Config(
          cmd,
          env,
          CreateRequest.text(body, "User"),
          CreateRequest.text(body, "WorkingDir"),
          CreateRequest.bool(body, "AttachStdin"),
          CreateRequest.bool(body, "AttachStdout"),
          CreateRequest.bool(body, "AttachStderr"));
    }
  }

  /** One exec instance; the process fields change as it starts and exits. */
  static final class Instance {
    final String id;
    final String containerId;
    final String nodeId;
    final Config config;
    private boolean started;
    private boolean running;
    private Integer exitCode;
    private Instant exitedAt;

    Instance(String id, String containerId, String nodeId, Config config) {
      this.id = id;
      this.containerId = containerId;
      this.nodeId = nodeId;
      this.config = config;
    }

    /** Marks the instance started; returns false if it was started before. */
    synchronized boolean start() {
      if (started) {
        return false;
      }
      started = true;
      running = true;
      return true;
    }

    synchronized void exited(int code, Instant at) {
      running = false;
      exitCode = code;
      exitedAt = at;
    }

    /** Marks a start that failed, with the exit code that Docker records for it. */
    synchronized void failed(int code, Instant at) {
      running = false;
      exitCode = code;
      exitedAt = at;
    }

    synchronized boolean expired(Instant now) {
      return exitedAt != null && exitedAt.plus(KEPT_AFTER_EXIT).isBefore(now);
    }

    /** Returns the instance as {@code GET /exec/{id}/json} shows it. */
    synchronized Map<String, Object> inspect() {
      Map<String, Object> process = new LinkedHashMap<>();
      process.put("tty", false);
      process.put("entrypoint", config.cmd().get(0));
      process.put("arguments", new ArrayList<>(config.cmd().subList(1, config.cmd().size())));
      process.put("privileged", false);
      process.put("user", config.user());

      Map<String, Object> body = new LinkedHashMap<>();
      body.put("ID", id);
      body.put("Running", running);
      body.put("ExitCode", exitCode);
      body.put("ProcessConfig", process);
      body.put("OpenStdin", config.attachStdin());
      body.put("OpenStderr", config.attachStderr());
      body.put("OpenStdout", config.attachStdout());
      body.put("CanRemove", false);
      body.put("ContainerID", containerId);
      body.put("DetachKeys", "");
      return body;
    }
  }

  /** The prefix of the runtime's error when runc could not start an exec'd process. */
  static final String RUNTIME_ERROR_PREFIX = "OCI runtime exec failed: ";

  /**
   * Returns the exit code that Docker 28 records for an exec whose start failed with {@code
   * message}, following its daemon's mapping of runtime errors: 126 when the command cannot be
   * run, 127 when it is not found, 128 for any other runtime error. An error from before the
   * runtime was asked, such as an unknown user, gets 126 as in Docker.
   */
  static int startFailureExitCode(String message) {
    String lower = message.toLowerCase(java.util.Locale.ROOT);
    if (lower.contains("permission denied") || lower.contains("is a directory")) {
      return 126;
    }
    if (lower.contains("not a directory")
        || lower.contains("executable file not found")
        || lower.contains("no such file or directory")) {
      return 127;
    }
    return message.startsWith(RUNTIME_ERROR_PREFIX) ? 128 : 126;
  }

  /**
   * Returns the message of a failed exec start as Docker shows it. A runtime error ends in
   * ": unknown", because containerd's client (github.com/containerd/errdefs, errgrpc.ToNative)
   * appends the class of an error with gRPC code Unknown to its text. The Docker daemon
   * (setExitCodeFromError in moby's daemon/errors.go) then adds "permission denied" to an "is a
   * directory" error, because the CLI looks for those words.
   */
  static String startFailureMessage(String message) {
    String dockerMessage = message.startsWith(RUNTIME_ERROR_PREFIX) ? message + ": unknown" : message;
    String lower = dockerMessage.toLowerCase(java.util.Locale.ROOT);
    if (lower.contains("is a directory") && !lower.contains("permission denied")) {
      return dockerMessage + ": permission denied";
    }
    return dockerMessage;
  }

  private final Map<String, Instance> instances = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final Clock clock;

  ExecInstances(Clock clock) {
    this.clock = clock;
  }

  Instance create(String containerId, String nodeId, Config config) {
    Instant now = clock.instant();
    instances.values().removeIf(instance -> instance.expired(now));
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    Instance instance = new Instance(HexFormat.of().formatHex(bytes), containerId, nodeId, config);
    instances.put(instance.id, instance);
    return instance;
  }

  Instance find(String id) {
    return Optional.ofNullable(instances.get(id))
        .orElseThrow(() -> DockerApiException.notFound("No such exec instance: " + id));
  }

  Instant now() {
    return clock.instant();
  }
}
