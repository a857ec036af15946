package io.nereid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nereid.node.Resources;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real docker CLI against a running member: create, list, inspect and remove. */
class DockerCliTest {

  @TempDir static Path dir;

  private static MemberRuntime runtime;
  private static int dockerPort;

  private static ComputeAgents agents;

  @BeforeAll
  static void start() throws Exception {
    runtime = TestMember.start("cli", dir);
    dockerPort = runtime.member().dockerPort();
    for (int i = 1; i <= 2; i++) {
      TestMember.register(runtime, "cli-n" + i, new Resources(2000, 2L << 30, 10L << 30));
    }
    agents =
        ComputeAgents.start(
            runtime.member().system(),
            runtime.member().sharding(),
            runtime.member().images(),
            List.of("cli-n1", "cli-n2"),
            dir,
            TestMember.TIMEOUT);
    importBusybox();
  }

  /** Imports a root filesystem of Debian's static busybox as the image busybox:latest. */
  private static void importBusybox() throws Exception {
    BusyboxImage.importInto(runtime.member().images(), dir);
  }

  @AfterAll
  static void stop() throws Exception {
    // Containers a failed test left behind would outlive the test run.
    for (String id : docker("ps", "-aq").out().lines().toList()) {
      docker("rm", "-f", id);
    }
    agents.close();
    runtime.close();
  }

  private static String awaitStatus(String name, String expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String status = "";
    while (System.nanoTime() < deadline) {
      status = docker("container", "inspect", "-f", "{{.State.Status}}", name).out();
      if (status.equals(expected)) {
        return status;
      }
      Thread.sleep(200);
    }
    return status;
  }

  @Test
  void runLogsStopRemove() throws Exception {
    Cli ran = docker("run", "-d", "--name", "runner", "busybox", "sh", "-c", "echo hello; echo oops >&2");
    assertEquals(0, ran.code(), ran.err());
    assertEquals("exited", awaitStatus("runner", "exited"));
    assertEquals("0", docker("container", "inspect", "-f", "{{.State.ExitCode}}", "runner").out());

    Cli logs = docker("logs", "runner");
    assertEquals(0, logs.code(), logs.err());
    assertEquals("hello", logs.out());
    assertEquals("oops", logs.err());

    Cli sleeper = docker("run", "-d", "--name", "sleeper", "busybox", "sleep", "300");
    assertEquals(0, sleeper.code(), sleeper.err());
    assertEquals("running", awaitStatus("sleeper", "running"));
    assertEquals("sleeper", docker("ps", "--format", "{{.Names}}").out());
    Cli busy = docker("rm", "sleeper");
    assertEquals(1, busy.code());
    assertTrue(busy.err().contains("stop it first or use force"), busy.err());

    Cli stopped = docker("stop", "-t", "1", "sleeper");
    assertEquals(0, stopped.code(), stopped.err());
    assertEquals("exited", awaitStatus("sleeper", "exited"));
    assertEquals("137", docker("container", "inspect", "-f", "{{.State.ExitCode}}", "sleeper").out());

    assertEquals(0, docker("rm", "runner", "sleeper").code());
    assertEquals("", docker("ps", "-a", "--format", "{{.Names}}").out());
  }

  @Test
  void restartPolicyRunsAgain() throws Exception {
    Cli ran =
        docker("run", "-d", "--name", "flaky", "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 3");
    assertEquals(0, ran.code(), ran.err());

    // RestartCount reaches 2 as soon as the second restart is asked for, while the container
    // still shows exited; the final state is the one that stays put for a while.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String restarts = "";
    int stableFor = 0;
    while (System.nanoTime() < deadline && stableFor < 3) {
      restarts = docker("container", "inspect", "-f", "{{.RestartCount}} {{.State.Status}}", "flaky").out();
      stableFor = restarts.equals("2 exited") ? stableFor + 1 : 0;
      Thread.sleep(500);
    }

    assertEquals("2 exited", restarts);
    assertEquals("3", docker("container", "inspect", "-f", "{{.State.ExitCode}}", "flaky").out());
    assertEquals(0, docker("rm", "flaky").code());
  }

  @Test
  void waitKillRestart() throws Exception {
    assertEquals(0, docker("run", "-d", "--name", "waiter", "busybox", "sh", "-c", "sleep 1; exit 7").code());
    Cli waited = docker("wait", "waiter");
    assertEquals(0, waited.code(), waited.err());
    assertEquals("7", waited.out());

    assertEquals(0, docker("run", "-d", "--name", "killme", "busybox", "sleep", "300").code());
    assertEquals("running", awaitStatus("killme", "running"));
    Cli killed = docker("kill", "killme");
    assertEquals(0, killed.code(), killed.err());
    assertEquals("killme", killed.out());
    assertEquals("exited", awaitStatus("killme", "exited"));
    assertEquals("137", docker("container", "inspect", "-f", "{{.State.ExitCode}}", "killme").out());

    Cli restarted = docker("restart", "killme");
    assertEquals(0, restarted.code(), restarted.err());
    assertEquals("running", awaitStatus("killme", "running"));

    assertEquals(0, docker("rm", "-f", "waiter", "killme").code());
  }

  @Test
  void imagesListedAndInspected() throws Exception {
    Cli listed = docker("images", "--format", "{{.Repository}}:{{.Tag}}");
    assertEquals(0, listed.code(), listed.err());
    assertTrue(listed.out().lines().toList().contains("busybox:latest"), listed.out());

    Cli inspected = docker("image", "inspect", "-f", "{{.Os}} {{len .RootFS.Layers}}", "busybox");
    assertEquals(0, inspected.code(), inspected.err());
    assertEquals("linux 1", inspected.out());

    Cli missing = docker("image", "inspect", "nosuch");
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("No such image: nosuch"), missing.err());
  }

  @Test
  void loadedImageRuns() throws Exception {
    Path archive = dockerArchive("hello:latest");

    Cli loaded = docker("load", "-i", archive.toString());
    assertEquals(0, loaded.code(), loaded.err());
    assertEquals("Loaded image: hello:latest", loaded.out());

    Cli ran = docker("run", "-d", "--name", "hello", "hello:latest", "echo", "loaded");
    assertEquals(0, ran.code(), ran.err());
    assertEquals("exited", awaitStatus("hello", "exited"));
    assertEquals("loaded", docker("logs", "hello").out());
    assertEquals(0, docker("rm", "hello").code());
  }

  /** Writes a docker save archive of the busybox root filesystem, tagged {@code tag}. */
  private static Path dockerArchive(String tag) throws Exception {
    Path work = Files.createDirectories(dir.resolve("archive-" + tag.replace(':', '-')));
    Path layer = work.resolve("layer.tar");
    Files.copy(dir.resolve("busybox.tar"), layer);
    String diffId = "sha256:" + sha256(Files.readAllBytes(layer));
    String config =
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\"]},"
            + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}";
    String configName = sha256(config.getBytes(StandardCharsets.UTF_8)) + ".json";
    Files.writeString(work.resolve(configName), config);
    Files.writeString(
        work.resolve("manifest.json"),
        "[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"" + tag + "\"],\"Layers\":[\"layer.tar\"]}]");
    Path archive = dir.resolve("archive-" + tag.replace(':', '-') + ".tar");
    Process process =
        new ProcessBuilder("tar", "-C", work.toString(), "-cf", archive.toString(), "manifest.json", configName, "layer.tar")
            .inheritIO()
            .start();
    assertEquals(0, process.waitFor());
    return archive;
  }

  private static String sha256(byte[] bytes) throws Exception {
    return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Test
  void missingImageFailsCreate() throws Exception {
    Cli created = docker("create", "--name", "ghost", "no-such-image");
    Cli ran = docker("run", "-d", "--name", "ghost", "no-such-image");

    assertEquals(1, created.code(), created.out());
    assertTrue(created.err().contains("Unable to find image 'no-such-image:latest' locally"), created.err());
    assertEquals(125, ran.code(), ran.out());
    assertTrue(ran.err().contains("images/create is not implemented by Nereid yet"), ran.err());
    assertEquals(1, docker("rm", "ghost").code(), "no container was left behind");
  }

  private record Cli(int code, String out, String err) {}

  private static Cli docker(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("docker"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("DOCKER_HOST", "tcp://127.0.0.1:" + dockerPort);
    builder.environment().remove("DOCKER_CONTEXT");
    builder.environment().put("DOCKER_CONFIG", dir.resolve("docker-config").toString());
    Process process = builder.start();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "docker " + String.join(" ", args) + " timed out");
    return new Cli(
        process.exitValue(),
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip(),
        new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip());
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dockerPort + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void createInspectListRemove() throws Exception {
    Cli created = docker("create", "--name", "web", "-m", "256m", "busybox", "httpd", "-f");
    assertEquals(0, created.code(), created.err());
    assertTrue(created.out().matches("[0-9a-f]{64}"), created.out());

    Cli inspected =
        docker("container", "inspect", "-f", "{{.Name}} {{.HostConfig.Memory}} {{.Config.Image}} {{.State.Status}}", "web");
    assertEquals(0, inspected.code(), inspected.err());
    assertEquals("/web 268435456 busybox created", inspected.out());

    Cli byPrefix = docker("container", "inspect", "-f", "{{.Id}}", created.out().substring(0, 12));
    assertEquals(created.out(), byPrefix.out());

    Cli listed = docker("ps", "-a", "--format", "{{.Names}} {{.Image}} {{.Status}}");
    assertEquals(0, listed.code(), listed.err());
    assertEquals("web busybox Created", listed.out());
    assertEquals("", docker("ps", "--format", "{{.Names}}").out(), "ps without -a lists running only");

    Cli conflict = docker("create", "--name", "web", "busybox");
    assertEquals(1, conflict.code());
    assertTrue(conflict.err().contains("Conflict. The container name \"/web\" is already in use"), conflict.err());

    Cli removed = docker("rm", "web");
    assertEquals(0, removed.code(), removed.err());
    assertEquals("web", removed.out());
    assertEquals("", docker("ps", "-a", "--format", "{{.Names}}").out());

    Cli missing = docker("container", "inspect", "web");
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("No such container: web"), missing.err());
    assertTrue(docker("create", "--name", "web", "busybox").code() == 0, "the name is free again");
    assertEquals(0, docker("rm", "web").code());
  }

  @Test
  void tooLargeContainerRejected() throws Exception {
    Cli cli = docker("create", "--name", "huge", "-m", "64g", "busybox");

    assertEquals(1, cli.code());
    assertTrue(cli.err().contains("no node fits container"), cli.err());
    assertTrue(cli.err().contains("memory exhausted on 2 nodes"), cli.err());
    assertEquals("", docker("ps", "-a", "--filter", "name=huge", "--format", "{{.Names}}").out());
    assertEquals(0, docker("create", "--name", "huge", "busybox").code(), "the failed create freed its name");
    assertEquals(0, docker("rm", "huge").code());
  }

  @Test
  void badRequestsGetDockerErrors() throws Exception {
    HttpResponse<String> malformed = post("/v1.24/containers/create", "{\"Image\": ");
    assertEquals(400, malformed.statusCode());
    assertTrue(malformed.body().startsWith("{\"message\":\"invalid JSON"), malformed.body());

    HttpResponse<String> wrongType =
        post("/v1.24/containers/create", "{\"Image\": \"busybox\", \"HostConfig\": {\"Memory\": \"lots\"}}");
    assertEquals(400, wrongType.statusCode());
    assertEquals("{\"message\":\"invalid JSON: Memory must be an integer\"}", wrongType.body());

    HttpResponse<String> negative =
        post("/v1.24/containers/create", "{\"Image\": \"busybox\", \"HostConfig\": {\"Memory\": -5}}");
    assertEquals(400, negative.statusCode());

    HttpResponse<String> badName = post("/v1.24/containers/create?name=bad%20name", "{\"Image\": \"busybox\"}");
    assertEquals(400, badName.statusCode());
    assertTrue(badName.body().contains("Invalid container name (bad name)"), badName.body());

    HttpResponse<String> noImage = post("/v1.24/containers/create", "{}");
    assertEquals(400, noImage.statusCode());

    assertEquals("", docker("ps", "-a", "--format", "{{.Names}}").out(), "nothing was created");
  }
}
