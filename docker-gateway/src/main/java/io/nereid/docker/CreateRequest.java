package io.nereid.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.nereid.container.ContainerSpec;
import io.nereid.container.RestartPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the body of {@code POST /containers/create} into a {@link ContainerSpec}. Fields Nereid
 * does not act on are ignored, as the Docker daemon ignores fields it does not know; a field of
 * the wrong type or an invalid value is a 400 that names it.
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
    String networkMode = text(host, "NetworkMode");
    if (!networkMode.isEmpty() && !List.of("none", "host", "default", "bridge").contains(networkMode)) {
      throw DockerApiException.badRequest(
          "network " + networkMode + " not found: Nereid supports the networks none and host");
    }
    if (networkMode.equals("default") || networkMode.equals("bridge")) {
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
