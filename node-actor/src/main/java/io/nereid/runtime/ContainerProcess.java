package io.nereid.runtime;

import io.nereid.image.ImageConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Works out a container's process from its spec and, when it comes from an image, the image's
 * config, as Docker does, and writes the files bind-mounted into its {@code /etc}.
 */
final class ContainerProcess {

  /** Docker's PATH for a container whose image sets none. */
  static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private ContainerProcess() {}

  /**
   * Returns the process settings, creating the working directory in {@code rootfs} if it is
   * missing, as Docker does.
   *
   * @param image the image's config, or null for a container made from a directory
   */
  static OciConfig.Process settle(RuntimeSpec spec, ImageConfig image, Path rootfs)
      throws ContainerException, IOException {
    List<String> args = spec.args();
    if (args.isEmpty() && image != null) {
      args = new ArrayList<>(image.entrypoint());
      args.addAll(image.cmd());
    }
    if (args.isEmpty()) {
      throw new ContainerException("container " + spec.id() + " has no command: the spec and the image give none");
    }

    String cwd = spec.workingDir();
    if (cwd.isEmpty() && image != null) {
      cwd = image.workingDir();
    }
    if (cwd.isEmpty()) {
      cwd = "/";
    }
    if (!cwd.startsWith("/")) {
      throw new ContainerException(
          "the working directory '" + cwd + "' of container " + spec.id() + " is invalid: it must be an absolute path");
    }
    Files.createDirectories(ScopedPath.resolve(rootfs, cwd));

    String user = spec.user();
    if (user.isEmpty() && image != null) {
      user = image.user();
    }
    UserResolver.ResolvedUser resolved = UserResolver.resolve(rootfs, user);
    return new OciConfig.Process(args, environment(spec, image), cwd, resolved);
  }

  /** Lays the spec's variables over the image's by name, then adds PATH and HOSTNAME if missing. */
  static List<String> environment(RuntimeSpec spec, ImageConfig image) {
    Map<String, String> variables = new LinkedHashMap<>();
    List<String> layers = new ArrayList<>(image == null ? List.of() : image.env());
    layers.addAll(spec.env());
    for (String entry : layers) {
      int equals = entry.indexOf('=');
      String name = equals < 0 ? entry : entry.substring(0, equals);
      variables.put(name, entry);
    }
    variables.putIfAbsent("PATH", DEFAULT_PATH);
    variables.putIfAbsent("HOSTNAME", "HOSTNAME=" + spec.hostname());
    return List.copyOf(variables.values());
  }

  /**
   * Writes {@code hostname}, {@code hosts} and {@code resolv.conf} into {@code etc}. With the host
   * network the host's {@code /etc/hosts} is copied. Otherwise it lists only the loopback names.
   */
  static void writeEtcFiles(RuntimeSpec spec, Path etc) throws IOException {
    Files.createDirectories(etc);
    Files.writeString(etc.resolve("hostname"), spec.hostname() + "\n", StandardCharsets.UTF_8);

    Path hostHosts = Path.of("/etc/hosts");
    String hosts =
        spec.networkMode() == NetworkMode.HOST && Files.isReadable(hostHosts)
            ? Files.readString(hostHosts, StandardCharsets.UTF_8)
            : "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
    Files.writeString(etc.resolve("hosts"), hosts, StandardCharsets.UTF_8);

    // Without a network namespace of its own the container has no way out, but tools still read
    // the file, so it gets the host's, as Docker gives it for --network none too.
    Path hostResolv = Path.of("/etc/resolv.conf");
    String resolv = Files.isReadable(hostResolv) ? Files.readString(hostResolv, StandardCharsets.UTF_8) : "";
    Files.writeString(etc.resolve("resolv.conf"), resolv, StandardCharsets.UTF_8);
  }
}
