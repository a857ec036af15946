package io.nereid.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a Docker user string into the numeric IDs the kernel uses, reading the container's own
 * {@code /etc/passwd} and {@code /etc/group} as Docker does: a name must exist there, a number
 * need not, a user's primary group comes from passwd unless the string gives one, and the
 * supplementary groups are those that list the user by name.
 */
final class UserResolver {

  /** Numeric IDs for a container process. */
  record ResolvedUser(long uid, long gid, List<Long> additionalGids) {}

  private record PasswdEntry(String name, long uid, long gid) {}

  private record GroupEntry(String name, long gid, List<String> members) {}

  private UserResolver() {}

  /**
   * Resolves {@code user} ({@code ""}, {@code uid}, {@code uid:gid}, {@code name},
   * {@code name:group}) against the root file system at {@code rootfs}.
   *
   * @throws ContainerException if a name is not found or the string is malformed
   */
  static ResolvedUser resolve(Path rootfs, String user) throws ContainerException, IOException {
    String userPart = user.isEmpty() ? "0" : user;
    String groupPart = null;
    int colon = userPart.indexOf(':');
    if (colon >= 0) {
      groupPart = userPart.substring(colon + 1);
      userPart = userPart.substring(0, colon);
    }
    List<PasswdEntry> passwd = readPasswd(rootfs);
    List<GroupEntry> groups = readGroups(rootfs);

    PasswdEntry entry = findUser(passwd, userPart);
    long uid;
    long gid;
    String name;
    if (entry != null) {
      uid = entry.uid();
      gid = entry.gid();
      name = entry.name();
    } else if (isNumber(userPart)) {
      uid = Long.parseLong(userPart);
      gid = 0; // Docker's default for a UID with no passwd entry
      name = null;
    } else {
      throw new ContainerException(
          "unable to find user " + userPart + ": no matching entries in the container's /etc/passwd");
    }

    if (groupPart != null) {
      gid = resolveGroup(groups, groupPart);
    }
    Set<Long> additional = new LinkedHashSet<>();
    if (name != null) {
      for (GroupEntry group : groups) {
        if (group.members().contains(name) && group.gid() != gid) {
          additional.add(group.gid());
        }
      }
    }
    return new ResolvedUser(uid, gid, List.copyOf(additional));
  }

  private static PasswdEntry findUser(List<PasswdEntry> passwd, String userPart) {
    for (PasswdEntry entry : passwd) {
      if (entry.name().equals(userPart)) {
        return entry;
      }
    }
    if (isNumber(userPart)) {
      long uid = Long.parseLong(userPart);
      for (PasswdEntry entry : passwd) {
        if (entry.uid() == uid) {
          return entry;
        }
      }
    }
    return null;
  }

  private static long resolveGroup(List<GroupEntry> groups, String groupPart) throws ContainerException {
    for (GroupEntry group : groups) {
      if (group.name().equals(groupPart)) {
        return group.gid();
      }
    }
    if (isNumber(groupPart)) {
      return Long.parseLong(groupPart);
    }
    throw new ContainerException(
        "unable to find group " + groupPart + ": no matching entries in the container's /etc/group");
  }

  private static boolean isNumber(String text) {
    return !text.isEmpty() && text.length() <= 10 && text.chars().allMatch(Character::isDigit);
  }

  private static List<PasswdEntry> readPasswd(Path rootfs) throws IOException {
    List<PasswdEntry> entries = new ArrayList<>();
    for (String[] fields : readColonFile(rootfs, "/etc/passwd")) {
      if (fields.length >= 4 && isNumber(fields[2]) && isNumber(fields[3])) {
        entries.add(new PasswdEntry(fields[0], Long.parseLong(fields[2]), Long.parseLong(fields[3])));
      }
    }
    return entries;
  }

  private static List<GroupEntry> readGroups(Path rootfs) throws IOException {
    List<GroupEntry> entries = new ArrayList<>();
    for (String[] fields : readColonFile(rootfs, "/etc/group")) {
      if (fields.length >= 3 && isNumber(fields[2])) {
        List<String> members = fields.length >= 4 && !fields[3].isEmpty() ? List.of(fields[3].split(",")) : List.of();
        entries.add(new GroupEntry(fields[0], Long.parseLong(fields[2]), members));
      }
    }
    return entries;
  }

  /** Reads a colon-separated database; a missing file is an empty one, as in Docker. */
  private static List<String[]> readColonFile(Path rootfs, String containerPath) throws IOException {
    Path file = ScopedPath.resolve(rootfs, containerPath);
    if (!Files.isRegularFile(file)) {
      return List.of();
    }
    List<String[]> rows = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String trimmed = line.trim();
      if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
        rows.add(trimmed.split(":", -1));
      }
    }
    return rows;
  }
}
