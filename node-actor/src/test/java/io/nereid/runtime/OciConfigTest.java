package io.nereid.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OciConfigTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OciConfig.Process ROOT_PROCESS =
      new OciConfig.Process(List.of("sh"), List.of("PATH=/bin"), "/", new UserResolver.ResolvedUser(0, 0, List.of(10L)));

  @Test
  void defaultsMatchDocker() {
    RuntimeSpec spec = RuntimeSpec.fromRootfs("c1", Path.of("/r")).args("sh").build();

    JsonNode config = OciConfig.build(JSON, spec, ROOT_PROCESS, "/nereid/c1", Path.of("/b/etc"), false);

    assertEquals("1.0.2", config.path("ociVersion").asText());
    assertEquals("rootfs", config.path("root").path("path").asText());
    assertFalse(config.path("root").path("readonly").asBoolean());
    assertEquals("c1", config.path("hostname").asText());
    assertTrue(config.path("process").path("noNewPrivileges").asBoolean());
    assertFalse(config.path("process").path("terminal").asBoolean());
    assertEquals("[10]", config.path("process").path("user").path("additionalGids").toString());
    assertEquals(OciConfig.DEFAULT_CAPABILITIES, strings(config.path("process").path("capabilities").path("effective")));
    assertEquals(
        List.of("/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm",
            "/etc/resolv.conf", "/etc/hostname", "/etc/hosts"),
        destinations(config));
    assertEquals("/b/etc/hosts", config.path("mounts").get(9).path("source").asText());
    assertEquals(List.of("pid", "ipc", "uts", "mount", "network"), namespaces(config));
    assertEquals("/nereid/c1", config.path("linux").path("cgroupsPath").asText());
    assertTrue(strings(config.path("linux").path("maskedPaths")).contains("/proc/kcore"));
    assertFalse(config.path("linux").path("resources").has("memory"), "no limit unless asked");
    assertFalse(config.path("linux").path("resources").path("devices").get(0).path("allow").asBoolean());
  }

  @Test
  void resourcesCarryLimits() {
    RuntimeSpec spec =
        RuntimeSpec.fromRootfs("c1", Path.of("/r")).args("sh")
            .memoryBytes(256L << 20).nanoCpus(250_000_000L).cpuShares(512).pidsLimit(100).build();

    JsonNode resources = OciConfig.build(JSON, spec, ROOT_PROCESS, "/n/c1", Path.of("/b/etc"), false)
        .path("linux").path("resources");

    assertEquals(256L << 20, resources.path("memory").path("limit").asLong());
    // 0.25 CPU = 250_000_000 nano-CPUs -> 25_000 µs of every 100_000 µs period
    assertEquals(25_000, resources.path("cpu").path("quota").asLong());
    assertEquals(100_000, resources.path("cpu").path("period").asLong());
    assertEquals(512, resources.path("cpu").path("shares").asLong());
    assertEquals(100, resources.path("pids").path("limit").asLong());
  }

  @Test
  void hostNetworkKeepsHostNamespaceAndV2AddsCgroupNamespace() {
    RuntimeSpec spec = RuntimeSpec.fromRootfs("c1", Path.of("/r")).args("sh").networkMode(NetworkMode.HOST).readOnlyRootfs(true).build();

    JsonNode config = OciConfig.build(JSON, spec, ROOT_PROCESS, "/n/c1", Path.of("/b/etc"), true);

    assertEquals(List.of("pid", "ipc", "uts", "mount", "cgroup"), namespaces(config));
    assertTrue(config.path("root").path("readonly").asBoolean());
  }

  @Test
  void nonRootUserGetsOnlyBoundingCapabilities() {
    OciConfig.Process process =
        new OciConfig.Process(List.of("sh"), List.of(), "/", new UserResolver.ResolvedUser(1000, 1000, List.of()));

    JsonNode capabilities = OciConfig.processNode(JSON, process).path("capabilities");

    assertEquals(OciConfig.DEFAULT_CAPABILITIES, strings(capabilities.path("bounding")));
    assertEquals(List.of(), strings(capabilities.path("effective")));
    assertEquals(List.of(), strings(capabilities.path("permitted")));
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asText()));
    return values;
  }

  private static List<String> destinations(JsonNode config) {
    List<String> values = new ArrayList<>();
    config.path("mounts").forEach(mount -> values.add(mount.path("destination").asText()));
    return values;
  }

  private static List<String> namespaces(JsonNode config) {
    List<String> values = new ArrayList<>();
    config.path("linux").path("namespaces").forEach(namespace -> values.add(namespace.path("type").asText()));
    return values;
  }
}
