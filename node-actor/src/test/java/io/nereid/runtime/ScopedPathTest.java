package io.nereid.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScopedPathTest {

  @TempDir Path root;

  @Test
  void absoluteLinkStaysInsideRoot() throws IOException {
    Files.createDirectories(root.resolve("etc"));
    Files.createSymbolicLink(root.resolve("etc/escape"), Path.of("/etc/shadow"));

    assertEquals(root.resolve("etc/shadow"), ScopedPath.resolve(root, "/etc/escape"));
  }

  @Test
  void parentDirectoryStopsAtRoot() throws IOException {
    Files.createDirectories(root.resolve("a"));
    Files.createSymbolicLink(root.resolve("a/up"), Path.of("../../../../tmp"));

    assertEquals(root.resolve("tmp/x"), ScopedPath.resolve(root, "/a/up/x"));
    assertEquals(root.resolve("b"), ScopedPath.resolve(root, "/../../b"));
  }

  @Test
  void relativeLinkChainsResolve() throws IOException {
    Files.createDirectories(root.resolve("usr/lib"));
    Files.createSymbolicLink(root.resolve("lib"), Path.of("usr/lib"));
    Files.createSymbolicLink(root.resolve("usr/lib/current"), Path.of("./"));

    assertEquals(root.resolve("usr/lib/file"), ScopedPath.resolve(root, "/lib/current/file"));
  }

  @Test
  void linkLoopFails() throws IOException {
    Files.createSymbolicLink(root.resolve("loop"), Path.of("/loop"));

    IOException error = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> ScopedPath.resolve(root, "/loop/x"));

    assertEquals("too many levels of symbolic links resolving /loop/x", error.getMessage());
  }
}
