package io.nereid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nereid.image.ImageLoader;
import io.nereid.image.ImageReference;
import io.nereid.image.ImageStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The image busybox:latest, made from Debian's static busybox, for tests that run containers. */
final class BusyboxImage {

  private BusyboxImage() {}

  /** Imports a root filesystem of this machine's /bin/busybox into {@code store}; works in {@code dir}. */
  static void importInto(ImageStore store, Path dir) throws Exception {
    Path rootfs = dir.resolve("busybox-rootfs");
    Files.createDirectories(rootfs.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
    for (String applet : List.of("sh", "echo", "sleep", "cat", "true")) {
      Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet), Path.of("busybox"));
    }
    Path tar = dir.resolve("busybox.tar");
    Process process = new ProcessBuilder("tar", "-C", rootfs.toString(), "-cf", tar.toString(), ".").inheritIO().start();
    assertEquals(0, process.waitFor());
    new ImageLoader(store, Runnable::run, Clock.systemUTC())
        .importRootfs(tar, Optional.of(ImageReference.parse("busybox:latest")))
        .toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
  }
}
