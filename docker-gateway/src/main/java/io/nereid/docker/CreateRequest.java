package io.nereid.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.nereid.container.ContainerSpec;
import io.nereid.container.RestartPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the body of {@code POST /containers/create} into a {@link ContainerSpec}. A field of the
 * wrong type or an invalid value is a 400 that names it. A Docker option that Nereid cannot honour
 * (volumes, published ports, added capabilities and the like) is a 400 that names the option
 * when it is set, so that a container never runs without what its user asked for. Fields the
 * Docker daemon does not know either are ignored, as it ignores them.
 */
final class CreateRequest {

  private CreateRequest() {}

  static ContainerSpec parse(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw DockerApiException.badRequest("invalid JSON: the request body must be an object");
    }
    JsonNode host = body.path("HostConfig");
    if (!host.isMissingNode() && !host.isNull() && !host.isObject()) {
      throw DockerApiException.badRequest("invalid JSON: HostConfig must be an object");
    }
    String image = text(body, "Image");
    if (image.isBlank()) {
      throw DockerApiException.badRequest("config cannot be empty in order to create a container");
    }
    long memory = number(host, "Memory");
    long nanoCpus = number(host, "NanoCpus");
    long cpuShares = number(host, "CpuShares");
    if (memory < 0) {
      throw DockerApiException.badRequest("invalid memory limit " + memory + ": it must not be negative");
    }
    if (memory > 0 && memory < 6 * 1024 * 1024) {
      throw DockerApiException.badRequest("Minimum memory limit allowed is 6MB");
    }
    if (nanoCpus < 0 || cpuShares < 0) {
      throw DockerApiException.badRequest("invalid CPU limit: NanoCpus and CpuShares must not be negative");
    }
    if (bool(body, "Tty")) {
      // NOTE: a TTY changes how attach and logs frame the output; Nereid has none to give.
      throw DockerApiException.badRequest("Nereid does not support a TTY for containers: run without -t");
    }
    rejectUnsupported(body, host);
    String networkMode = text(host, "NetworkMode");
    if (!networkMode.isEmpty() && !List.of("none", "host", "default").contains(networkMode)) {
      throw DockerApiException.badRequest(
          "network " + networkMode + " not found: Nereid supports the networks none and host");
    }
    if (networkMode.equals("default")) {
      // NOTE: containers get their own network namespace with loopback only; a bridge with
      // per-container addresses is not built yet.
      networkMode = "none";
    }
    Integer stopTimeout = body.hasNonNull("StopTimeout") ? (int) number(body, "StopTimeout") : null;
    RestartPolicy restartPolicy = restartPolicy(host.path("RestartPolicy"));
    try {
      return new ContainerSpec(
          image,
          strings(body, "Entrypoint"),
          strings(body, "Cmd"),
          strings(body, "Env"),
          labels(body),
          text(body, "WorkingDir"),
          text(body, "User"),
          text(body, "Hostname"),
          memory,
          nanoCpus,
          cpuShares,
          0,
          restartPolicy,
          text(body, "StopSignal"),
          stopTimeout,
          bool(host, "ReadonlyRootfs"),
          bool(host, "AutoRemove"),
          networkMode,
          bool(body, "Tty"),
          bool(body, "OpenStdin"),
          bool(body, "StdinOnce"));
    } catch (IllegalArgumentException e) {
      throw DockerApiException.badRequest(e.getMessage());
    }
  }

  /**
   * The Docker options Nereid does not serve, by the field that carries them: the top level's and
   * HostConfig's, each with the docker CLI flag that sets it. A field left out, null, false, zero,
   * -1, or empty is not a request; those are the docker CLI's defaults.
   */
  private static final Map<String, String> UNSUPPORTED_TOP =
      Map.of("Volumes", "-v (volumes)", "ExposedPorts", "--expose or -p (ports)");

  private static final Map<String, String> UNSUPPORTED_HOST =
      Map.ofEntries(
          Map.entry("Binds", "-v (volumes)"),
          Map.entry("Mounts", "--mount (volumes)"),
          Map.entry("VolumesFrom", "--volumes-from"),
          Map.entry("Tmpfs", "--tmpfs"),
          Map.entry("PortBindings", "-p (published ports)"),
          Map.entry("PublishAllPorts", "-P (published ports)"),
          Map.entry("Links", "--link"),
          Map.entry("Dns", "--dns"),
          Map.entry("DnsOptions", "--dns-option"),
          Map.entry("DnsSearch", "--dns-search"),
          Map.entry("ExtraHosts", "--add-host"),
          Map.entry("CapAdd", "--cap-add"),
          Map.entry("CapDrop", "--cap-drop"),
          Map.entry("Privileged", "--privileged"),
          Map.entry("SecurityOpt", "--security-opt"),
          Map.entry("Devices", "--device"),
          Map.entry("DeviceCgroupRules", "--device-cgroup-rule"),
          Map.entry("DeviceRequests", "--gpus"),
          Map.entry("GroupAdd", "--group-add"),
          Map.entry("IpcMode", "--ipc"),
          Map.entry("PidMode", "--pid"),
          Map.entry("UTSMode", "--uts"),
          Map.entry("UsernsMode", "--userns"),
          Map.entry("CgroupParent", "--cgroup-parent"),
          Map.entry("Sysctls", "--sysctl"),
          Map.entry("Ulimits", "--ulimit"),
          Map.entry("ShmSize", "--shm-size"),
          Map.entry("PidsLimit", "--pids-limit"),
          Map.entry("CpuPeriod", "--cpu-period"),
          Map.entry("CpuQuota", "--cpu-quota"),
          Map.entry("CpusetCpus", "--cpuset-cpus"),
          Map.entry("CpusetMems", "--cpuset-mems"),
          Map.entry("MemoryReservation", "--memory-reservation"),
          Map.entry("KernelMemory", "--kernel-memory"),
          Map.entry("OomKillDisable", "--oom-kill-disable"),
          Map.entry("OomScoreAdj", "--oom-score-adj"),
          Map.entry("BlkioWeight", "--blkio-weight"),
          Map.entry("BlkioWeightDevice", "--blkio-weight-device"),
          Map.entry("BlkioDeviceReadBps", "--device-read-bps"),
          Map.entry("BlkioDeviceWriteBps", "--device-write-bps"),
          Map.entry("BlkioDeviceReadIOps", "--device-read-iops"),
          Map.entry("BlkioDeviceWriteIOps", "--device-write-iops"),
          Map.entry("Init", "--init"),
          Map.entry("Runtime", "--runtime"),
          Map.entry("VolumeDriver", "--volume-driver"));

  private static void rejectUnsupported(JsonNode body, JsonNode host) {
    UNSUPPORTED_TOP.forEach((field, flag) -> rejectIfSet(body, field, flag));
    UNSUPPORTED_HOST.forEach((field, flag) -> rejectIfSet(host, field, flag));
    String logDriver = text(host.path("LogConfig"), "Type");
    if (!logDriver.isEmpty() && !logDriver.equals("json-file")) {
      throw unsupported("--log-driver " + logDriver);
    }
  }

  private static void rejectIfSet(JsonNode parent, String field, String flag) {
    JsonNode value = parent.path(field);
    boolean set =
        switch (value.getNodeType()) {
          case MISSING, NULL -> false;
          case BOOLEAN -> value.asBoolean();
          // -1 means unlimited for PidsLimit and the default for MemorySwappiness.
          case NUMBER -> value.asLong() != 0 && value.asLong() != -1;
          case STRING -> !value.asText().isEmpty();
          case ARRAY, OBJECT -> !value.isEmpty();
          default -> true;
        };
    if (set) {
      throw unsupported(flag);
    }
  }

  private static DockerApiException unsupported(String flag) {
    return DockerApiException.badRequest(
        "Nereid does not support " + flag + " for containers yet; run without it");
  }

  static RestartPolicy restartPolicy(JsonNode node) {
    if (node.isMissingNode() || node.isNull()) {
      return RestartPolicy.NO;
    }
    try {
      return new RestartPolicy(text(node, "Name"), (int) number(node, "MaximumRetryCount"));
    } catch (IllegalArgumentException e) {
      throw DockerApiException.badRequest(e.getMessage());
    }
  }

  static String text(JsonNode parent, String field) {
    JsonNode node = parent.path(field);
    if (node.isMissingNode() || node.isNull()) {
      return "";
    }
    if (!node.isTextual()) {
      throw DockerApiException.badRequest("invalid JSON: " + field + " must be a string");
    }
    return node.asText();
  }

  static long number(JsonNode parent, String field) {
    JsonNode node = parent.path(field);
    if (node.isMissingNode() || node.isNull()) {
      return 0;
    }
    if (!node.isIntegralNumber() || !node.canConvertToLong()) {
      throw DockerApiException.badRequest("invalid JSON: " + field + " must be an integer");
    }
    return node.asLong();
  }

  static boolean bool(JsonNode parent, String field) {
    JsonNode node = parent.path(field);
    if (node.isMissingNode() || node.isNull()) {
      return false;
    }
    if (!node.isBoolean()) {
      throw DockerApiException.badRequest("invalid JSON: " + field + " must be true or false");
    }
    return node.asBoolean();
  }

  /** Reads a list of strings; Docker also accepts a single string for Cmd and Entrypoint. */
  static List<String> strings(JsonNode parent, String field) {
    JsonNode node = parent.path(field);
    if (node.isMissingNode() || node.isNull()) {
      return List.of();
    }
    if (node.isTextual()) {
      return List.of(node.asText());
    }
    if (!node.isArray()) {
      throw DockerApiException.badRequest("invalid JSON: " + field + " must be a list of strings");
    }
    List<String> values = new ArrayList<>();
    for (JsonNode element : node) {
      if (!element.isTextual()) {
        throw DockerApiException.badRequest("invalid JSON: " + field + " must be a list of strings");
      }
      values.add(element.asText());
    }
    return values;
  }

  private static Map<String, String> labels(JsonNode body) {
    JsonNode node = body.path("Labels");
    if (node.isMissingNode() || node.isNull()) {
      return Map.of();
    }
    if (!node.isObject()) {
      throw DockerApiException.badRequest("invalid JSON: Labels must be an object of strings");
    }
    Map<String, String> labels = new LinkedHashMap<>();
    for (var entry : (Iterable<Map.Entry<String, JsonNode>>) node::fields) {
      if (!entry.getValue().isTextual()) {
        throw DockerApiException.badRequest("invalid JSON: label " + entry.getKey() + " must be a string");
      }
      labels.put(entry.getKey(), entry.getValue().asText());
    }
    return labels;
  }
}
