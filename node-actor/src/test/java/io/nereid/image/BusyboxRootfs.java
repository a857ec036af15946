package io.nereid.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds a small root file system tarball from Debian's statically linked busybox
 * ({@code busybox-static}): {@code /bin/busybox}, a symbolic link per applet, and an
 * {@code /etc/passwd} and {@code /etc/group} with root, {@code app} (1000) and {@code nobody}.
 */
public final class BusyboxRootfs {

  private static final Path BUSYBOX = Path.of("/bin/busybox");

  private BusyboxRootfs() {}

  /** Returns the tarball; fails with the package to install if busybox is missing. */
  public static byte[] tar() throws IOException {
    if (!Files.isExecutable(BUSYBOX)) {
      throw new IllegalStateException(
          "/bin/busybox is missing: install the Debian package busybox-static to run this test");
    }
    TarBuilder tar = new TarBuilder();
    for (String directory : List.of("bin", "dev", "etc", "proc", "sys", "home", "home/app", "var", "root")) {
      tar.directory(directory, directory.equals("root") ? 0700 : 0755);
    }
    tar.directory("tmp", 01777);
    tar.file("bin/busybox", 0755, Files.readAllBytes(BUSYBOX));
    for (String applet : applets()) {
      if (!applet.equals("busybox")) {
        tar.symlink("bin/" + applet, "busybox");
      }
    }
    tar.file(
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\n"
            + "app:x:1000:1000:app:/home/app:/bin/sh\n"
            + "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
    tar.file("etc/group", "root:x:0:\napp:x:1000:\nstaff:x:50:app\nnogroup:x:65534:\n");
    return tar.build();
  }

  /** Unpacks the tarball into {@code target}, which must not exist, as an image layer would be. */
  public static Path unpack(Path target) throws IOException {
    LayerUnpacker.unpack(new java.io.ByteArrayInputStream(tar()), target);
    return target;
  }

  private static List<String> applets() throws IOException {
    Process list = new ProcessBuilder(BUSYBOX.toString(), "--list").redirectErrorStream(true).start();
    String output = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      list.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted listing busybox applets", e);
    }
    List<String> applets = new ArrayList<>();
    for (String line : output.split("\n")) {
      String applet = line.trim();
      if (!applet.isEmpty() && !applet.contains("/")) {
        applets.add(applet);
      }
    }
    return applets;
  }
}
