package io.nereid.docker;

import io.nereid.account.Account;
import io.nereid.container.Container;
import io.nereid.container.ContainerSpec;
import io.nereid.container.ContainerStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON documents of container inspect and list, in the Docker Engine API's field names. */
final class ContainerViews {

  /** Docker's "zero" time, which it reports for a container that never started or finished. */
  private static final String ZERO_TIME = "0001-01-01T00:00:00Z";

  private ContainerViews() {}

  /**
   * @param imageId the ID of the image the container's reference names, empty when the store
   *     does not know it
   * @param pid the main process's ID on its node; 0 when it does not run or the node did not say
   */
  static Map<String, Object> inspect(Container.State state, Optional<String> imageId, long pid) {
    ContainerSpec spec = state.spec();
    List<String> command = spec.command();

    Map<String, Object> status = new LinkedHashMap<>();
    status.put("Status", dockerStatus(state.status()));
    status.put("Running", state.isRunning());
    status.put("Paused", state.status() == ContainerStatus.PAUSED);
    status.put("Restarting", false);
    status.put("OOMKilled", state.oomKilled());
    status.put("Dead", false);
    status.put("Pid", pid);
    status.put("ExitCode", state.exitCode());
    status.put("Error", "");
    status.put("StartedAt", time(state.startedAt()));
    status.put("FinishedAt", time(state.finishedAt()));

    Map<String, Object> restart = new LinkedHashMap<>();
    restart.put("Name", spec.restartPolicy().name());
    restart.put("MaximumRetryCount", spec.restartPolicy().maximumRetryCount());
    Map<String, Object> host = new LinkedHashMap<>();
    host.put("Memory", spec.memoryBytes());
    host.put("NanoCpus", spec.nanoCpus());
    host.put("CpuShares", spec.cpuShares());
    host.put("RestartPolicy", restart);
    host.put("AutoRemove", spec.autoRemove());
    host.put("ReadonlyRootfs", spec.readOnlyRootfs());
    host.put("NetworkMode", spec.networkMode());

    Map<String, Object> config = new LinkedHashMap<>();
    config.put("Hostname", spec.hostname().isEmpty() ? state.containerId().substring(0, 12) : spec.hostname());
    config.put("User", spec.user());
    config.put("Tty", spec.tty());
    config.put("OpenStdin", spec.openStdin());
    config.put("Env", spec.env());
    config.put("Cmd", spec.cmd());
    config.put("Image", spec.image());
    config.put("WorkingDir", spec.workingDir());
    config.put("Entrypoint", spec.entrypoint().isEmpty() ? null : spec.entrypoint());
    config.put("Labels", spec.labels());
    config.put("StopSignal", spec.stopSignal());
    if (spec.stopTimeoutSeconds() != null) {
      config.put("StopTimeout", spec.stopTimeoutSeconds());
    }

    Map<String, Object> view = new LinkedHashMap<>();
    view.put("Id", state.containerId());
    view.put("Created", time(state.createdAt()));
    view.put("Path", command.isEmpty() ? "" : command.get(0));
    view.put("Args", command.isEmpty() ? List.of() : command.subList(1, command.size()));
    view.put("State", status);
    // NOTE: the ID is that of the image the reference names now; a tag moved since the create
    // shows the new image.
    view.put("Image", imageId.orElse(spec.image()));
    view.put("Name", "/" + state.name());
    view.put("RestartCount", state.restartCount());
    view.put("HostConfig", host);
    view.put("Config", config);
    view.put("Mounts", List.of());
    view.put("NetworkSettings", Map.of("Networks", Map.of()));
    view.put("Node", state.nodeId());
    view.put("Placement", state.placement());
    return view;
  }

  /**
   * @param imageId as for {@link #inspect}
   * @param imageSize the image's size in bytes when the request asked for sizes, else null
   */
  static Map<String, Object> listEntry(
      Account.ContainerSummary summary, Optional<String> imageId, Long imageSize, Instant now) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("Id", summary.containerId());
    view.put("Names", List.of("/" + summary.name()));
    view.put("Image", summary.image());
    view.put("ImageID", imageId.orElse(""));
    view.put("Command", summary.command());
    view.put("Created", summary.createdAt().getEpochSecond());
    view.put("State", dockerState(summary.status()));
    view.put("Status", statusText(summary, now));
    if (imageSize != null) {
      view.put("SizeRootFs", imageSize);
    }
    view.put("Ports", List.of());
    view.put("Labels", summary.labels());
    view.put("HostConfig", Map.of("NetworkMode", "none"));
    view.put("NetworkSettings", Map.of("Networks", Map.of()));
    view.put("Mounts", List.of());
    return view;
  }

  /** Maps Nereid's status to Docker's: a placed container has not run yet, so it is "created". */
  static String dockerStatus(ContainerStatus status) {
    return switch (status) {
      case NEW, CREATED, PLACED -> "created";
      case RUNNING -> "running";
      case PAUSED -> "paused";
      case EXITED -> "exited";
      case REMOVED -> "removing";
    };
  }

  static String dockerState(String status) {
    return dockerStatus(ContainerStatus.valueOf(status.toUpperCase()));
  }

  /** Returns the status column of {@code docker ps}, such as "Up 2 minutes" or "Exited (0) 5 seconds ago". */
  static String statusText(Account.ContainerSummary summary, Instant now) {
    return switch (dockerState(summary.status())) {
      case "running" -> "Up " + HumanDuration.of(Duration.between(summary.startedAt(), now));
      case "paused" -> "Up " + HumanDuration.of(Duration.between(summary.startedAt(), now)) + " (Paused)";
      case "removing" -> "Removal In Progress";
      case "exited" ->
          summary.finishedAt().equals(Instant.EPOCH)
              ? ""
              : "Exited ("
                  + summary.exitCode()
                  + ") "
                  + HumanDuration.of(Duration.between(summary.finishedAt(), now))
                  + " ago";
      default -> "Created";
    };
  }

  private static String time(Instant instant) {
    return instant.equals(Instant.EPOCH) ? ZERO_TIME : instant.toString();
  }
}
