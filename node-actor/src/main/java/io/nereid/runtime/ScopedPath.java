package io.nereid.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves a path inside a container's root file system the way the container would see it:
 * symbolic links are followed, but an absolute target or a {@code ..} never leaves the root. A
 * container's {@code /etc/passwd -> /etc/shadow} thus reads the container's shadow file, not the
 * host's.
 */
final class ScopedPath {

  private static final int MAX_LINKS = 40; // Linux's MAXSYMLINKS

  private ScopedPath() {}

  /** Returns the host path for {@code containerPath} (absolute inside the container) under {@code root}. */
  static Path resolve(Path root, String containerPath) throws IOException {
    Deque<String> pending = new ArrayDeque<>(split(containerPath));
    List<String> resolved = new ArrayList<>();
    int links = 0;
    while (!pending.isEmpty()) {
      String component = pending.removeFirst();
      if (component.equals("..")) {
        if (!resolved.isEmpty()) {
          resolved.remove(resolved.size() - 1);
        }
        continue;
      }
      resolved.add(component);
      Path current = join(root, resolved);
      if (!Files.isSymbolicLink(current)) {
        continue;
      }
      if (++links > MAX_LINKS) {
        throw new IOException("too many levels of symbolic links resolving " + containerPath);
      }
      String target = Files.readSymbolicLink(current).toString();
      resolved.remove(resolved.size() - 1);
      if (target.startsWith("/")) {
        resolved.clear();
      }
      List<String> targetComponents = split(target);
      for (int i = targetComponents.size() - 1; i >= 0; i--) {
        pending.addFirst(targetComponents.get(i));
      }
    }
    return join(root, resolved);
  }

  /** Returns true if {@code containerPath} exists in the root, as a file or directory. */
  static boolean exists(Path root, String containerPath) throws IOException {
    return Files.exists(resolve(root, containerPath), LinkOption.NOFOLLOW_LINKS);
  }

  private static List<String> split(String path) {
    List<String> components = new ArrayList<>();
    for (String component : path.split("/")) {
      if (!component.isEmpty() && !component.equals(".")) {
        components.add(component);
      }
    }
    return components;
  }

  private static Path join(Path root, List<String> components) {
    Path path = root;
    for (String component : components) {
      path = path.resolve(component);
    }
    return path;
  }
}
