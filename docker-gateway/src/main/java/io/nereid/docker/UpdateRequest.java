package io.nereid.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.nereid.container.ContainerSpec;
import io.nereid.container.RestartPolicy;
import java.util.List;

/**
 * The body of {@code POST /containers/{id}/update}: the memory limit, the CPU limit and weight,
 * and the restart policy. A field that is absent or 0 keeps its value, as with Docker; the other
 * limits Docker can change are rejected when set, because Nereid does not apply them.
 */
record UpdateRequest(long memoryBytes, long nanoCpus, long cpuShares, RestartPolicy restartPolicy) {

  private static final List<String> UNSUPPORTED =
      List.of(
          "CpuPeriod", "CpuQuota", "CpuRealtimePeriod", "CpuRealtimeRuntime", "CpusetCpus",
          "CpusetMems", "BlkioWeight", "MemoryReservation", "MemorySwap", "KernelMemory",
          "PidsLimit");

  static UpdateRequest parse(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw DockerApiException.badRequest("invalid JSON: expected an object");
    }
    for (String field : UNSUPPORTED) {
      JsonNode value = body.path(field);
      boolean set = !value.isMissingNode() && !value.isNull() && !(value.isNumber() && value.asLong() == 0)
          && !(value.isTextual() && value.asText().isEmpty());
      if (set) {
        throw DockerApiException.badRequest("Nereid cannot update " + field + "; it updates Memory, NanoCpus, CpuShares and RestartPolicy");
      }
    }
    long memory = CreateRequest.number(body, "Memory");
    long nanoCpus = CreateRequest.number(body, "NanoCpus");
    long shares = CreateRequest.number(body, "CpuShares");
    if (memory < 0 || nanoCpus < 0 || shares < 0) {
      throw DockerApiException.badRequest("invalid resources: Memory, NanoCpus and CpuShares must not be negative");
    }
    if (memory > 0 && memory < 6 * 1024 * 1024) {
      throw DockerApiException.badRequest("Minimum memory limit allowed is 6MB");
    }
    JsonNode policy = body.path("RestartPolicy");
    boolean policySet = policy.isObject() && !policy.path("Name").asText("").isEmpty();
    return new UpdateRequest(memory, nanoCpus, shares, policySet ? CreateRequest.restartPolicy(policy) : null);
  }

  /** Returns the spec with this request's changes; fields the request leaves at 0 keep their value. */
  ContainerSpec applyTo(ContainerSpec spec) {
    return spec.withResources(
        memoryBytes > 0 ? memoryBytes : spec.memoryBytes(),
        nanoCpus > 0 ? nanoCpus : spec.nanoCpus(),
        cpuShares > 0 ? cpuShares : spec.cpuShares(),
        restartPolicy != null ? restartPolicy : spec.restartPolicy());
  }
}
