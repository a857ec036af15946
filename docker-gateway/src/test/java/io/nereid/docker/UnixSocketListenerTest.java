package io.nereid.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Docker API on a unix socket, through the real docker CLI. */
class UnixSocketListenerTest {

  @TempDir static Path dir;

  private static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("UnixSocketListenerTest");
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private record Cli(int code, String out, String err) {}

  private static Cli docker(Path socket, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("docker", "-H", "unix://" + socket));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("DOCKER_HOST");
    builder.environment().remove("DOCKER_CONTEXT");
    builder.environment().put("DOCKER_CONFIG", dir.resolve("docker-config").toString());
    Process process = builder.start();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "docker timed out");
    return new Cli(
        process.exitValue(),
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip(),
        new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip());
  }

  @Test
  void cliTalksOverSocket() throws Exception {
    Path socket = dir.resolve("docker.sock");
    try (UnixSocketListener listener =
        UnixSocketListener.bind(testKit.system(), socket, new DockerRoutes("0.1.0-socket").routes())) {
      Cli version = docker(socket, "version", "--format", "{{.Server.Version}} {{.Server.APIVersion}}");
      Cli again = docker(socket, "version", "--format", "{{.Server.Version}}");
      Cli missing = docker(socket, "network", "ls");

      assertEquals(0, version.code(), version.err());
      assertEquals("0.1.0-socket " + ApiVersion.ADVERTISED, version.out());
      assertEquals("0.1.0-socket", again.out(), "a second connection is served too");
      assertEquals(1, missing.code());
      assertTrue(missing.err().contains("is not implemented by Nereid yet"), missing.err());
      assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    }
    assertFalse(Files.exists(socket), "closing deletes the socket file");
  }

  @Test
  void staleSocketReplacedButFileKept() throws Exception {
    Path socket = dir.resolve("stale.sock");
    UnixSocketListener.bind(testKit.system(), socket, new DockerRoutes("0.1.0-socket").routes()).close();
    try (var stale = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      stale.bind(java.net.UnixDomainSocketAddress.of(socket));
    }
    try (UnixSocketListener listener =
        UnixSocketListener.bind(testKit.system(), socket, new DockerRoutes("0.1.0-socket").routes())) {
      assertEquals("0.1.0-socket", docker(socket, "version", "--format", "{{.Server.Version}}").out());
    }

    Path file = Files.writeString(dir.resolve("not-a-socket"), "data");
    IOException error =
        assertThrows(
            IOException.class,
            () -> UnixSocketListener.bind(testKit.system(), file, new DockerRoutes("0.1.0-socket").routes()));
    assertTrue(error.getMessage().contains("exists and is not a socket"), error.getMessage());
    assertEquals("data", Files.readString(file));
  }
}
