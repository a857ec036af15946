package io.nereid.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuntimeSpecTest {

  @Test
  void hostnameDefaultsToShortId() {
    RuntimeSpec spec = RuntimeSpec.fromImage("0123456789abcdef0123", "busybox").build();

    assertEquals("0123456789ab", spec.hostname());
    assertEquals(NetworkMode.NONE, spec.networkMode());
  }

  @Test
  void hostNetworkDefaultsToMachineHostname() throws Exception {
    String machine = java.nio.file.Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
    RuntimeSpec host =
        RuntimeSpec.fromImage("0123456789abcdef0123", "busybox").networkMode(NetworkMode.HOST).build();
    RuntimeSpec named =
        RuntimeSpec.fromImage("0123456789abcdef0123", "busybox")
            .networkMode(NetworkMode.HOST)
            .hostname("web")
            .build();

    assertEquals(machine, host.hostname());
    assertEquals("web", named.hostname());
  }

  @Test
  void rejectsInvalidSpecs() {
    assertRejected(RuntimeSpec.fromImage("../x", "busybox"), "invalid container ID '../x'");
    assertRejected(RuntimeSpec.fromImage("c", ""), "exactly one root file system source");
    assertRejected(RuntimeSpec.fromRootfs("c", Path.of("/r")).memoryBytes(-1), "must not be negative");
    assertRejected(RuntimeSpec.fromRootfs("c", Path.of("/r")).nanoCpus(1_000_000), "minimum of 0.01 CPU");
    assertRejected(RuntimeSpec.fromRootfs("c", Path.of("/r")).env(List.of("NOVALUE")), "expected NAME=value");
  }

  @Test
  void networkModeParsesDockerValues() {
    assertEquals(NetworkMode.NONE, NetworkMode.parse("none"));
    assertEquals(NetworkMode.HOST, NetworkMode.parse("host"));
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> NetworkMode.parse("bridge"));
    assertEquals("unsupported network mode 'bridge': expected none or host", error.getMessage());
  }

  @Test
  void signalsParseNamesAndNumbers() {
    assertEquals(15, Signals.parse("SIGTERM"));
    assertEquals(15, Signals.parse("term"));
    assertEquals(9, Signals.parse("9"));
    assertEquals(10, Signals.parse("USR1"));
    assertThrows(IllegalArgumentException.class, () -> Signals.parse("SIGNOPE"));
    assertThrows(IllegalArgumentException.class, () -> Signals.parse("65"));
  }

  private static void assertRejected(RuntimeSpec.Builder builder, String reason) {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class, builder::build);
    assertTrue(error.getMessage().contains(reason), error.getMessage());
  }
}
