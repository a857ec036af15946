package io.nereid.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a runtime needs to create and start one container. The root file system comes either from
 * a directory ({@link #rootfs}) or from an image in the node's image store ({@link #image}), never
 * both. Either way the source stays read-only and the container writes to its own layer.
 *
 * <p>When the spec names an image, empty {@code args}, {@code workingDir} and {@code user} take
 * the image's values, and {@code env} is laid over the image's environment by variable name, as
 * in Docker.
 *
 * @param id the container ID: letters, digits, '_', '.' and '-', at most 128 characters
 * @param rootfs a prepared root file system directory, or null when {@code image} is set
 * @param image an image reference or ID in the node's image store, or null when {@code rootfs} is
 * @param args the process's argv; empty means the image's entrypoint and command
 * @param env {@code NAME=value} entries
 * @param user {@code uid}, {@code uid:gid}, {@code name} or {@code name:group}, looked up in the
 *     container's {@code /etc/passwd} and {@code /etc/group}; empty means root or the image's user
 * @param hostname empty means the first 12 characters of the ID, or the machine's host name on
 *     the host's network, as in Docker
 * @param memoryBytes the memory limit; 0 means none
 * @param nanoCpus CPU quota in billionths of a CPU, at least 0.01 CPU; 0 means none
 * @param cpuShares relative CPU weight (cgroup v1 cpu.shares, default 1024); 0 means the default
 * @param pidsLimit the most processes and threads the container may hold; 0 means no limit
 * @param openStdin true gives the process a pipe as stdin that {@link ContainerRuntime#writeStdin}
 *     writes to, as {@code docker run -i} does; false gives it {@code /dev/null}
 */
public record RuntimeSpec(
    String id,
    Path rootfs,
    String image,
    List<String> args,
    List<String> env,
    String workingDir,
    String user,
    String hostname,
    long memoryBytes,
    long nanoCpus,
    long cpuShares,
    long pidsLimit,
    boolean readOnlyRootfs,
    NetworkMode networkMode,
    boolean openStdin) {

  // The kernel's smallest CFS quota is 1 ms, which is 0.01 CPU of a 100 ms period, as in Docker.
  private static final long MIN_NANO_CPUS = 10_000_000L;
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

  public RuntimeSpec {
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "invalid container ID '" + id + "': use up to 128 letters, digits, '_', '.' and '-'");
    }
    if ((rootfs == null) == (image == null || image.isEmpty())) {
      throw new IllegalArgumentException(
          "container " + id + " needs exactly one root file system source: a rootfs path or an image");
    }
    if (memoryBytes < 0 || nanoCpus < 0 || cpuShares < 0 || pidsLimit < 0) {
      throw new IllegalArgumentException("resource limits of container " + id + " must not be negative");
    }
    if (nanoCpus > 0 && nanoCpus < MIN_NANO_CPUS) {
      throw new IllegalArgumentException(
          "CPU quota of container " + id + " is below the minimum of 0.01 CPU (10000000 nano-CPUs)");
    }
    for (String variable : env) {
      if (variable.indexOf('=') <= 0) {
        throw new IllegalArgumentException(
            "invalid environment entry '" + variable + "' for container " + id + ": expected NAME=value");
      }
    }
    args = List.copyOf(args);
    env = List.copyOf(env);
    workingDir = workingDir == null ? "" : workingDir;
    user = user == null ? "" : user;
    networkMode = networkMode == null ? NetworkMode.NONE : networkMode;
    if (hostname == null || hostname.isEmpty()) {
      hostname = networkMode == NetworkMode.HOST ? machineHostname(id) : id.substring(0, Math.min(12, id.length()));
    }
  }

  /**
   * Returns this machine's host name, as Docker gives it to a container on the host's network.
   * Returns the first 12 characters of the ID if the kernel's name cannot be read.
   */
  private static String machineHostname(String id) {
    try {
      String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
      if (!name.isEmpty()) {
        return name;
      }
    } catch (IOException e) {
      // Not Linux or /proc is not mounted: fall through to Docker's default.
    }
    return id.substring(0, Math.min(12, id.length()));
  }

  /** Starts a spec whose root file system is the directory {@code rootfs}. */
  public static Builder fromRootfs(String id, Path rootfs) {
    return new Builder(id, rootfs, null);
  }

  /** Starts a spec whose root file system is the image {@code image} of the node's image store. */
  public static Builder fromImage(String id, String image) {
    return new Builder(id, null, image);
  }

  /** Assembles a {@link RuntimeSpec}; every setting left alone keeps Docker's default. */
  public static final class Builder {
    private final String id;
    private final Path rootfs;
    private final String image;
    private List<String> args = List.of();
    private List<String> env = List.of();
    private String workingDir = "";
    private String user = "";
    private String hostname = "";
    private long memoryBytes;
    private long nanoCpus;
    private long cpuShares;
    private long pidsLimit;
    private boolean readOnlyRootfs;
    private NetworkMode networkMode = NetworkMode.NONE;
    private boolean openStdin;

    private Builder(String id, Path rootfs, String image) {
      this.id = id;
      this.rootfs = rootfs;
      this.image = image;
    }

    public Builder args(List<String> value) {
      this.args = value;
      return this;
    }

    public Builder args(String... value) {
      return args(List.of(value));
    }

    public Builder env(List<String> value) {
      this.env = value;
      return this;
    }

    public Builder workingDir(String value) {
      this.workingDir = value;
      return this;
    }

    public Builder user(String value) {
      this.user = value;
      return this;
    }

    public Builder hostname(String value) {
      this.hostname = value;
      return this;
    }

    public Builder memoryBytes(long value) {
      this.memoryBytes = value;
      return this;
    }

    public Builder nanoCpus(long value) {
      this.nanoCpus = value;
      return this;
    }

    public Builder cpuShares(long value) {
      this.cpuShares = value;
      return this;
    }

    public Builder pidsLimit(long value) {
      this.pidsLimit = value;
      return this;
    }

    public Builder readOnlyRootfs(boolean value) {
      this.readOnlyRootfs = value;
      return this;
    }

    public Builder networkMode(NetworkMode value) {
      this.networkMode = value;
      return this;
    }

    public Builder openStdin(boolean value) {
      this.openStdin = value;
      return this;
    }

    public RuntimeSpec build() {
      return new RuntimeSpec(
          id, rootfs, image, args, env, workingDir, user, hostname, memoryBytes, nanoCpus,
          cpuShares, pidsLimit, readOnlyRootfs, networkMode, openStdin);
    }
  }
}
