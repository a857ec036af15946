package io.nereid.container;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.nereid.persistence.CborSerializable;
import java.util.List;
import java.util.Map;

/**
 * What the user asked to run, in the terms of Docker's container create request. Fields added
 * later must tolerate their absence in old journal entries (Jackson then leaves them null or
 * zero), so the compact constructor fills such gaps with Docker's defaults.
 *
 * @param memoryBytes the memory limit; 0 means no limit was given
 * @param nanoCpus CPU quota in billionths of a core; 0 means none
 * @param cpuShares relative CPU weight; 0 means Docker's default
 * @param stopTimeoutSeconds seconds between the stop signal and SIGKILL; null means the default
 * @param openStdin the container's stdin is a pipe that attached clients write to
 * @param stdinOnce the pipe closes when the first attached client's stdin ends, as with
 *     {@code docker run -i}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ContainerSpec(
    String image,
    List<String> entrypoint,
    List<String> cmd,
    List<String> env,
    Map<String, String> labels,
    String workingDir,
    String user,
    String hostname,
    long memoryBytes,
    long nanoCpus,
    long cpuShares,
    long diskBytes,
    RestartPolicy restartPolicy,
    String stopSignal,
    Integer stopTimeoutSeconds,
    boolean readOnlyRootfs,
    boolean autoRemove,
    String networkMode,
    boolean tty,
    boolean openStdin,
    boolean stdinOnce)
    implements CborSerializable {

  public ContainerSpec {
    if (image == null || image.isBlank()) {
      throw new IllegalArgumentException("image must not be empty");
    }
    if (memoryBytes < 0 || nanoCpus < 0 || cpuShares < 0 || diskBytes < 0) {
      throw new IllegalArgumentException("resource limits must not be negative");
    }
    entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
    cmd = cmd == null ? List.of() : List.copyOf(cmd);
    env = env == null ? List.of() : List.copyOf(env);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    workingDir = workingDir == null ? "" : workingDir;
    user = user == null ? "" : user;
    hostname = hostname == null ? "" : hostname;
    restartPolicy = restartPolicy == null ? RestartPolicy.NO : restartPolicy;
    stopSignal = stopSignal == null || stopSignal.isEmpty() ? "SIGTERM" : stopSignal;
    networkMode = networkMode == null || networkMode.isEmpty() ? "none" : networkMode;
  }

  /** Returns the process the container runs: the entrypoint followed by the command. */
  public List<String> command() {
    List<String> command = new java.util.ArrayList<>(entrypoint);
    command.addAll(cmd);
    return List.copyOf(command);
  }

  /** A spec with only an image and a command, Docker's defaults for everything else. */
  public static ContainerSpec of(String image, List<String> cmd) {
    return new ContainerSpec(
        image, List.of(), cmd, List.of(), Map.of(), "", "", "", 0, 0, 0, 0, RestartPolicy.NO,
        "SIGTERM", null, false, false, "none", false, false, false);
  }

  public ContainerSpec withMemory(long bytes) {
    return new ContainerSpec(
        image, entrypoint, cmd, env, labels, workingDir, user, hostname, bytes, nanoCpus,
        cpuShares, diskBytes, restartPolicy, stopSignal, stopTimeoutSeconds, readOnlyRootfs,
        autoRemove, networkMode, tty, openStdin, stdinOnce);
  }

  /** Returns this spec with other resource limits and restart policy, as {@code docker update} sets them. */
  public ContainerSpec withResources(long memory, long cpus, long shares, RestartPolicy policy) {
    return new ContainerSpec(
        image, entrypoint, cmd, env, labels, workingDir, user, hostname, memory, cpus, shares,
        diskBytes, policy, stopSignal, stopTimeoutSeconds, readOnlyRootfs, autoRemove, networkMode,
        tty, openStdin, stdinOnce);
  }

  public ContainerSpec withRestartPolicy(RestartPolicy policy) {
    return new ContainerSpec(
        image, entrypoint, cmd, env, labels, workingDir, user, hostname, memoryBytes, nanoCpus,
        cpuShares, diskBytes, policy, stopSignal, stopTimeoutSeconds, readOnlyRootfs, autoRemove,
        networkMode, tty, openStdin, stdinOnce);
  }
}
