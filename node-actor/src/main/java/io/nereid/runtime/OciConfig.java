package io.nereid.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * Builds a bundle's {@code config.json}, OCI runtime spec 1.0.2, with Docker's defaults for what
 * a {@link RuntimeSpec} does not set: mounts, capabilities, masked paths and device rules.
 *
 * <p>NOTE: no seccomp profile is set, so containers may use every system call that their
 * capabilities allow, where Docker applies its default profile. AppArmor is not set either.
 */
final class OciConfig {

  static final String OCI_VERSION = "1.0.2";

  /** Docker's default capabilities (moby's oci/caps defaults). */
  static final List<String> DEFAULT_CAPABILITIES =
      List.of(
          "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
          "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

  private static final List<String> MASKED_PATHS =
      List.of(
          "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
          "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
          "/sys/firmware", "/sys/devices/virtual/powercap");

  private static final List<String> READONLY_PATHS =
      List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  // The CFS period Docker uses, in microseconds. The quota is the part of it the container gets.
  static final long CPU_PERIOD_MICROS = 100_000;

  /** The container's process settings, after user lookup and image defaults. */
  record Process(List<String> args, List<String> env, String cwd, UserResolver.ResolvedUser user) {}

  private OciConfig() {}

  /**
   * Returns the config for {@code spec}.
   *
   * @param cgroupsPath the container's cgroup, such as {@code /nereid/<id>}
   * @param etcFiles the bundle directory holding the {@code hosts}, {@code hostname} and
   *     {@code resolv.conf} files bind-mounted into {@code /etc}
   * @param cgroupV2 true on a unified cgroup hierarchy, which gets a private cgroup namespace
   */
  static ObjectNode build(
      ObjectMapper json, RuntimeSpec spec, Process process, String cgroupsPath, Path etcFiles,
      boolean cgroupV2) {
    ObjectNode config = json.createObjectNode();
    config.put("ociVersion", OCI_VERSION);
    config.set("process", processNode(json, process));
    ObjectNode root = config.putObject("root");
    root.put("path", "rootfs");
    root.put("readonly", spec.readOnlyRootfs());
    config.put("hostname", spec.hostname());
    config.set("mounts", mounts(json, etcFiles));

    ObjectNode linux = config.putObject("linux");
    linux.set("namespaces", namespaces(json, spec.networkMode(), cgroupV2));
    linux.set("resources", resources(json, spec));
    linux.put("cgroupsPath", cgroupsPath);
    strings(linux.putArray("maskedPaths"), MASKED_PATHS);
    strings(linux.putArray("readonlyPaths"), READONLY_PATHS);
    return config;
  }

  /** Returns the {@code process} object, also used for {@code runc exec --process}. */
  static ObjectNode processNode(ObjectMapper json, Process process) {
    ObjectNode node = json.createObjectNode();
    node.put("terminal", false);
    ObjectNode user = node.putObject("user");
    user.put("uid", process.user().uid());
    user.put("gid", process.user().gid());
    if (!process.user().additionalGids().isEmpty()) {
      ArrayNode gids = user.putArray("additionalGids");
      process.user().additionalGids().forEach(gids::add);
    }
    strings(node.putArray("args"), process.args());
    strings(node.putArray("env"), process.env());
    node.put("cwd", process.cwd());

    ObjectNode capabilities = node.putObject("capabilities");
    strings(capabilities.putArray("bounding"), DEFAULT_CAPABILITIES);
    // As in Docker, a non-root user gets the bounding set only, so it holds no capability unless
    // a file capability grants one.
    List<String> active = process.user().uid() == 0 ? DEFAULT_CAPABILITIES : List.of();
    strings(capabilities.putArray("effective"), active);
    strings(capabilities.putArray("permitted"), active);
    node.put("noNewPrivileges", true);
    return node;
  }

  private static ArrayNode mounts(ObjectMapper json, Path etcFiles) {
    ArrayNode mounts = json.createArrayNode();
    mount(mounts, "/proc", "proc", "proc", "nosuid", "noexec", "nodev");
    mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
    mount(mounts, "/dev/pts", "devpts", "devpts",
        "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
    mount(mounts, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro");
    mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro");
    mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
    mount(mounts, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k");
    for (String file : List.of("resolv.conf", "hostname", "hosts")) {
      mount(mounts, "/etc/" + file, "bind", etcFiles.resolve(file).toString(), "rbind", "rprivate");
    }
    return mounts;
  }

  private static void mount(ArrayNode mounts, String destination, String type, String source, String... options) {
    ObjectNode mount = mounts.addObject();
    mount.put("destination", destination);
    mount.put("type", type);
    mount.put("source", source);
    strings(mount.putArray("options"), List.of(options));
  }

  private static ArrayNode namespaces(ObjectMapper json, NetworkMode network, boolean cgroupV2) {
    ArrayNode namespaces = json.createArrayNode();
    for (String type : List.of("pid", "ipc", "uts", "mount")) {
      namespaces.addObject().put("type", type);
    }
    if (network == NetworkMode.NONE) {
      // A new network namespace without a path: runc brings up its loopback interface only.
      namespaces.addObject().put("type", "network");
    }
    if (cgroupV2) {
      namespaces.addObject().put("type", "cgroup");
    }
    return namespaces;
  }

  private static ObjectNode resources(ObjectMapper json, RuntimeSpec spec) {
    ObjectNode resources = json.createObjectNode();
    ArrayNode devices = resources.putArray("devices");
    device(devices, false, null, -1, -1, "rwm"); // deny everything, then allow Docker's list
    device(devices, true, "c", -1, -1, "m");
    device(devices, true, "b", -1, -1, "m");
    device(devices, true, "c", 1, 3, "rwm"); // /dev/null
    device(devices, true, "c", 1, 5, "rwm"); // /dev/zero
    device(devices, true, "c", 1, 7, "rwm"); // /dev/full
    device(devices, true, "c", 1, 8, "rwm"); // /dev/random
    device(devices, true, "c", 1, 9, "rwm"); // /dev/urandom
    device(devices, true, "c", 5, 0, "rwm"); // /dev/tty
    device(devices, true, "c", 5, 1, "rwm"); // /dev/console
    device(devices, true, "c", 5, 2, "rwm"); // /dev/ptmx
    device(devices, true, "c", 136, -1, "rwm"); // /dev/pts/*
    device(devices, true, "c", 10, 200, "rwm"); // /dev/net/tun

    if (spec.memoryBytes() > 0) {
      // NOTE: swap is left unlimited, so on a host with swap the container may swap past its
      // limit, while Docker's default caps memory plus swap at twice the limit.
      resources.putObject("memory").put("limit", spec.memoryBytes());
    }
    if (spec.nanoCpus() > 0 || spec.cpuShares() > 0) {
      ObjectNode cpu = resources.putObject("cpu");
      if (spec.cpuShares() > 0) {
        cpu.put("shares", spec.cpuShares());
      }
      if (spec.nanoCpus() > 0) {
        // 1.5 CPUs = 1_500_000_000 nano-CPUs -> a quota of 150_000 µs per 100_000 µs period.
        cpu.put("quota", spec.nanoCpus() * CPU_PERIOD_MICROS / 1_000_000_000L);
        cpu.put("period", CPU_PERIOD_MICROS);
      }
    }
    if (spec.pidsLimit() > 0) {
      resources.putObject("pids").put("limit", spec.pidsLimit());
    }
    return resources;
  }

  private static void device(ArrayNode devices, boolean allow, String type, long major, long minor, String access) {
    ObjectNode rule = devices.addObject();
    rule.put("allow", allow);
    if (type != null) {
      rule.put("type", type);
    }
    if (major >= 0) {
      rule.put("major", major);
    }
    if (minor >= 0) {
      rule.put("minor", minor);
    }
    rule.put("access", access);
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }
}
