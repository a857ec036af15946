package io.nereid.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UserResolverTest {

  @TempDir Path rootfs;

  @BeforeEach
  void writeDatabases() throws IOException {
    Path etc = Files.createDirectories(rootfs.resolve("etc"));
    Files.writeString(etc.resolve("passwd"),
        "root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1000:1000::/home/app:/bin/sh\nweb:x:33:33::/:/bin/false\n");
    Files.writeString(etc.resolve("group"), "root:x:0:\napp:x:1000:\nstaff:x:50:app,web\nwww:x:33:\n");
  }

  @ParameterizedTest(name = "''{0}''")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          ''          | 0    | 0    | ''
          root        | 0    | 0    | ''
          app         | 1000 | 1000 | 50
          1000        | 1000 | 1000 | 50
          app:www     | 1000 | 33   | 50
          app:0       | 1000 | 0    | 50
          web:staff   | 33   | 50   | ''
          4242        | 4242 | 0    | ''
          4242:4343   | 4242 | 4343 | ''
          """)
  void resolvesUserString(String user, long uid, long gid, String additional) throws Exception {
    UserResolver.ResolvedUser resolved = UserResolver.resolve(rootfs, user);

    assertEquals(uid, resolved.uid());
    assertEquals(gid, resolved.gid());
    assertEquals(additional.isEmpty() ? List.of() : List.of(Long.parseLong(additional)), resolved.additionalGids());
  }

  @ParameterizedTest(name = "''{0}''")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          ghost      | unable to find user ghost: no matching entries in the container's /etc/passwd
          app:ghosts | unable to find group ghosts: no matching entries in the container's /etc/group
          """)
  void rejectsUnknownName(String user, String message) {
    ContainerException error = assertThrows(ContainerException.class, () -> UserResolver.resolve(rootfs, user));

    assertEquals(message, error.getMessage());
  }

  @org.junit.jupiter.api.Test
  void readsPasswdThroughSymlinkInsideRoot() throws Exception {
    Path etc = rootfs.resolve("etc");
    Files.move(etc.resolve("passwd"), rootfs.resolve("real-passwd"));
    // An absolute link resolves against the container's root, not the host's /etc/passwd.
    Files.createSymbolicLink(etc.resolve("passwd"), Path.of("/real-passwd"));

    assertEquals(1000, UserResolver.resolve(rootfs, "app").uid());
  }
}
