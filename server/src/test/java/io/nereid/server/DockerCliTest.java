package io.nereid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.nereid.container.Container;
import io.nereid.container.ContainerStatus;
import io.nereid.node.ComputeNode;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real docker CLI against a running member: create, list, inspect and remove. */
class DockerCliTest {

  @TempDir static Path dir;

  private static MemberRuntime runtime;
  private static int dockerPort;
  private static Path dockerSocket;

  private static ComputeAgents agents;

  @BeforeAll
  static void start() throws Exception {
    dockerSocket = dir.resolve("docker.sock");
    runtime =
        TestMember.start(
            "cli", dir, ConfigFactory.parseMap(Map.of("nereid.docker.socket", dockerSocket.toString())));
    dockerPort = runtime.member().dockerPort();
    for (int i = 1; i <= 2; i++) {
      TestMember.register(runtime, "cli-n" + i, new Resources(2000, 2L << 30, 10L << 30));
    }
    agents =
        ComputeAgents.start(
            runtime.member(),
            List.of("cli-n1", "cli-n2"),
            dir,
            TestMember.TIMEOUT);
    TestMember.importBusybox(runtime, dir);
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
    assertEquals(
        "Error response from daemon: cannot remove container \"/sleeper\": container is running: stop the"
            + " container before removing or force remove",
        busy.err().strip());

    Cli stopped = docker("stop", "-t", "1", "sleeper");
    assertEquals(0, stopped.code(), stopped.err());
    assertEquals("exited", awaitStatus("sleeper", "exited"));
    assertEquals("137", docker("container", "inspect", "-f", "{{.State.ExitCode}}", "sleeper").out());

    assertEquals(0, docker("rm", "runner", "sleeper").code());
    assertEquals("", docker("ps", "-a", "--format", "{{.Names}}").out());
  }

  @Test
  void foregroundRunPrintsOutputAndExitCode() throws Exception {
    String since = epochSeconds();
    Cli ran =
        docker("run", "--name", "fg", "--label", "app=fg", "busybox", "sh", "-c", "echo out; sleep 0.2; echo err >&2; exit 3");

    assertEquals(3, ran.code(), ran.err());
    assertEquals("out", ran.out());
    assertEquals("err", ran.err());
    assertEquals("exited", docker("container", "inspect", "-f", "{{.State.Status}}", "fg").out());
    // Docker lists an argument that contains a space in single quotes.
    assertEquals(
        "\"sh -c 'echo out; sleep 0.2; echo err >&2; exit 3'\"",
        docker("ps", "-a", "--no-trunc", "--filter", "name=^fg$", "--format", "{{.Command}}").out());
    // The CLI attaches before it starts the container, and Docker reports the attach as an event.
    Thread.sleep(200);
    Cli events = docker("events", "--since", since, "--until", epochSeconds(), "--filter", "container=fg",
        "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.image}} {{.Actor.Attributes.app}}");
    assertEquals(0, events.code(), events.err());
    assertEquals(
        List.of("container create fg busybox fg", "container attach fg busybox fg", "container start fg busybox fg",
            "container die fg busybox fg"),
        events.out().lines().toList());
    assertEquals(0, docker("rm", "fg").code());
  }

  @Test
  void runRmRemovesContainerAndKeepsExitCode() throws Exception {
    Cli ran = docker("run", "--rm", "--name", "gone", "busybox", "sh", "-c", "echo bye; exit 4");

    assertEquals(4, ran.code(), ran.err());
    assertEquals("bye", ran.out());
    assertTrue(docker("ps", "-a", "--format", "{{.Names}}").out().lines().noneMatch("gone"::equals));
    Cli missing = docker("container", "inspect", "gone");
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("No such container: gone"), missing.err());

    // Docker returns 127 for a command that is not found, and --rm removes the container anyway.
    Cli broken = docker("run", "--rm", "--name", "broken", "busybox", "no-such-command");
    assertEquals(127, broken.code(), broken.err());
    assertTrue(broken.err().contains("executable file not found"), broken.err());
    assertEquals(1, occurrences(broken.err(), "executable file not found"), "runc's error is not output: " + broken.err());
    assertEquals(1, docker("container", "inspect", "broken").code(), "the container was removed");

    assertEquals(0, docker("create", "--name", "broken", "busybox", "no-such-command").code());
    Cli attached = docker("start", "-a", "broken");
    assertEquals(1, attached.code(), attached.err());
    assertEquals(1, occurrences(attached.err(), "executable file not found"), attached.err());
    assertEquals("", docker("logs", "broken").err(), "the failed start left no log");
    assertEquals(0, docker("rm", "broken").code());
  }

  @Test
  void runInteractiveReadsStdinUntilItCloses() throws Exception {
    Cli ran = dockerWithInput("first line\nsecond line\n", "run", "-i", "--rm", "busybox", "sh", "-c", "cat; echo done");

    assertEquals(0, ran.code(), ran.err());
    assertEquals("first line\nsecond line\ndone", ran.out());
  }

  @Test
  void interactiveStreamsOverUnixSocket() throws Exception {
    String host = "unix://" + dockerSocket;
    Cli ran = dockerAt(host, "hi\nthere\n", "run", "-i", "--rm", "busybox", "sh", "-c", "cat; sleep 0.5; echo done; exit 7");
    assertEquals(7, ran.code(), ran.err());
    assertEquals("hi\nthere\ndone", ran.out());

    assertEquals(0, dockerAt(host, null, "run", "-d", "--name", "sockex", "busybox", "sleep", "300").code());
    assertEquals("running", awaitStatus("sockex", "running"));
    Cli exec = dockerAt(host, "piped\n", "exec", "-i", "sockex", "sh", "-c", "cat; sleep 0.5; echo after; exit 3");
    assertEquals(3, exec.code(), exec.err());
    assertEquals("piped\nafter", exec.out());
    assertEquals(0, docker("rm", "-f", "sockex").code());
  }

  @Test
  void attachFollowsRunningContainer() throws Exception {
    assertEquals(
        0, docker("run", "-d", "--name", "att", "busybox", "sh", "-c", "sleep 2; echo late; exit 5").code());
    assertEquals("running", awaitStatus("att", "running"));

    String since = epochSeconds();
    Cli attached = docker("attach", "att");

    assertEquals(5, attached.code(), attached.err());
    assertEquals("late", attached.out());
    Thread.sleep(200);
    Cli events = docker("events", "--since", since, "--until", epochSeconds(), "--filter", "container=att",
        "--filter", "event=attach", "--format", "{{.Action}} {{.Actor.Attributes.name}}");
    assertEquals(List.of("attach att"), events.out().lines().toList(), events.err());
    assertEquals(0, docker("rm", "att").code());
  }

  @Test
  void execRunsInRunningContainer() throws Exception {
    assertEquals(0, docker("run", "-d", "--name", "ex", "busybox", "sleep", "300").code());
    assertEquals("running", awaitStatus("ex", "running"));

    Cli streams = docker("exec", "ex", "sh", "-c", "echo in; sleep 0.2; echo err >&2; exit 6");
    assertEquals(6, streams.code(), streams.err());
    assertEquals("in", streams.out());
    assertEquals("err", streams.err());

    Cli settings = docker("exec", "-e", "GREETING=hi", "-w", "/bin", "ex", "sh", "-c", "echo $GREETING; pwd");
    assertEquals(0, settings.code(), settings.err());
    assertEquals("hi\n/bin", settings.out());

    Cli interactive = dockerWithInput("piped\n", "exec", "-i", "ex", "cat");
    assertEquals(0, interactive.code(), interactive.err());
    assertEquals("piped", interactive.out());

    Cli detached = docker("exec", "-d", "ex", "sh", "-c", "echo flag > /flag");
    assertEquals(0, detached.code(), detached.err());
    assertEquals("", detached.out());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Cli flag = docker("exec", "ex", "cat", "/flag");
    while (flag.code() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(200);
      flag = docker("exec", "ex", "cat", "/flag");
    }
    assertEquals("flag", flag.out(), flag.err());

    // Docker writes a failed start to stdout and exits as its daemon maps the runtime's error.
    Cli notFound = docker("exec", "ex", "no-such-command");
    assertEquals(127, notFound.code(), notFound.out() + notFound.err());
    assertEquals(
        "OCI runtime exec failed: exec failed: unable to start container process: exec: \"no-such-command\":"
            + " executable file not found in $PATH: unknown",
        notFound.out());
    assertEquals("", notFound.err());
    Cli notExecutable = docker("exec", "ex", "/flag");
    assertEquals(126, notExecutable.code(), notExecutable.out() + notExecutable.err());
    assertTrue(notExecutable.out().endsWith(": permission denied: unknown"), notExecutable.out());
    Cli noDirectory = docker("exec", "-w", "/nosuch", "ex", "true");
    assertEquals(127, noDirectory.code(), noDirectory.out() + noDirectory.err());
    Cli noUser = docker("exec", "-u", "nosuchuser", "ex", "true");
    assertEquals(126, noUser.code(), noUser.out() + noUser.err());
    assertTrue(noUser.out().contains("nosuchuser"), noUser.out());

    Cli tty = docker("exec", "-t", "ex", "true");
    assertEquals(1, tty.code());
    assertTrue(tty.err().contains("Nereid does not support a TTY for exec"), tty.err());

    assertExecApi();

    assertEquals(0, docker("stop", "-t", "1", "ex").code());
    Cli stopped = docker("exec", "ex", "true");
    assertEquals(1, stopped.code());
    assertTrue(stopped.err().contains("is not running"), stopped.err());
    assertEquals(0, docker("rm", "ex").code());
  }

  /** Checks the exec endpoints over plain HTTP, against the running container "ex". */
  private static void assertExecApi() throws Exception {
    HttpResponse<String> created = post("/v1.41/containers/ex/exec", "{\"Cmd\": [\"sh\", \"-c\", \"exit 4\"]}");
    assertEquals(201, created.statusCode(), created.body());
    String execId = created.body().replaceAll(".*\"Id\":\"([0-9a-f]{64})\".*", "$1");
    HttpResponse<String> before = get("/v1.41/exec/" + execId + "/json");
    assertEquals(200, before.statusCode(), before.body());
    assertTrue(before.body().contains("\"Running\":false,\"ExitCode\":null"), before.body());
    assertEquals(200, post("/v1.41/exec/" + execId + "/resize?h=24&w=80", "").statusCode());

    assertEquals(200, post("/v1.41/exec/" + execId + "/start", "{\"Detach\": true}").statusCode());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String after = get("/v1.41/exec/" + execId + "/json").body();
    while (!after.contains("\"ExitCode\":4") && System.nanoTime() < deadline) {
      Thread.sleep(100);
      after = get("/v1.41/exec/" + execId + "/json").body();
    }
    assertTrue(after.contains("\"Running\":false,\"ExitCode\":4"), after);
    assertEquals(409, post("/v1.41/exec/" + execId + "/start", "{\"Detach\": true}").statusCode());

    HttpResponse<String> missing = post("/v1.41/containers/ex/exec", "{\"Cmd\": [\"no-such-command\"]}");
    String missingId = missing.body().replaceAll(".*\"Id\":\"([0-9a-f]{64})\".*", "$1");
    HttpResponse<String> detachedFailure = post("/v1.41/exec/" + missingId + "/start", "{\"Detach\": true}");
    assertEquals(400, detachedFailure.statusCode(), detachedFailure.body());
    assertEquals(
        "{\"message\":\"OCI runtime exec failed: exec failed: unable to start container process: exec:"
            + " \\\"no-such-command\\\": executable file not found in $PATH: unknown\"}",
        detachedFailure.body());
    assertTrue(get("/v1.41/exec/" + missingId + "/json").body().contains("\"ExitCode\":127"));

    HttpResponse<String> unknown = get("/v1.41/exec/nosuch/json");
    assertEquals(404, unknown.statusCode());
    assertEquals("{\"message\":\"No such exec instance: nosuch\"}", unknown.body());
    HttpResponse<String> noCommand = post("/v1.41/containers/ex/exec", "{\"Cmd\": []}");
    assertEquals(400, noCommand.statusCode());
    assertEquals("{\"message\":\"No exec command specified\"}", noCommand.body());
  }

  @Test
  void logsFollowTailAndTimeBounds() throws Exception {
    assertEquals(
        0,
        docker("run", "-d", "--name", "talker", "busybox", "sh", "-c", "echo one; sleep 0.3; echo two >&2; sleep 2; echo three")
            .code());

    Cli followed = docker("logs", "-f", "talker");
    assertEquals(0, followed.code(), followed.err());
    assertEquals("one\nthree", followed.out());
    assertEquals("two", followed.err());
    assertEquals("exited", awaitStatus("talker", "exited"));

    assertEquals("three", docker("logs", "--tail", "1", "talker").out());
    Cli lastTwo = docker("logs", "--tail", "2", "talker");
    assertEquals("three", lastTwo.out());
    assertEquals("two", lastTwo.err());

    Cli stamped = docker("logs", "-t", "--tail", "1", "talker");
    assertTrue(stamped.out().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d*[1-9])?Z three"), stamped.out());
    String threeAt = stamped.out().substring(0, stamped.out().indexOf(' '));
    Cli beforeThree = docker("logs", "--until", threeAt, "talker");
    assertEquals("one", beforeThree.out());
    Cli fromThree = docker("logs", "--since", threeAt, "talker");
    assertEquals("three", fromThree.out());
    assertEquals("", fromThree.err());
    assertEquals("", docker("logs", "--since", "2099-01-01T00:00:00Z", "talker").out());

    assertEquals(0, docker("rm", "talker").code());
  }

  @Test
  void waitConditionsRegisteredAtRequestTime() throws Exception {
    assertEquals(0, docker("create", "--name", "waited", "busybox", "sh", "-c", "exit 2").code());

    // The headers arrive once the wait is registered; the body once the condition is met.
    HttpResponse<java.io.InputStream> nextExit = postStreaming("/v1.41/containers/waited/wait?condition=next-exit");
    assertEquals(200, nextExit.statusCode());
    assertEquals(0, docker("start", "waited").code());
    assertEquals("{\"StatusCode\":2}", new String(nextExit.body().readAllBytes(), StandardCharsets.UTF_8).strip());

    HttpResponse<java.io.InputStream> removed = postStreaming("/v1.41/containers/waited/wait?condition=removed");
    assertEquals(200, removed.statusCode());
    assertEquals(0, docker("rm", "waited").code());
    assertEquals("{\"StatusCode\":2}", new String(removed.body().readAllBytes(), StandardCharsets.UTF_8).strip());

    // A forced removal of a running container ends every wait with the exit code of a SIGKILL.
    assertEquals(0, docker("run", "-d", "--name", "waited-rm", "busybox", "sleep", "300").code());
    HttpResponse<java.io.InputStream> exitOfRemoved =
        postStreaming("/v1.41/containers/waited-rm/wait?condition=next-exit");
    HttpResponse<java.io.InputStream> stopOfRemoved =
        postStreaming("/v1.41/containers/waited-rm/wait?condition=not-running");
    assertEquals(0, docker("rm", "-f", "waited-rm").code());
    assertEquals("{\"StatusCode\":137}", new String(exitOfRemoved.body().readAllBytes(), StandardCharsets.UTF_8).strip());
    assertEquals("{\"StatusCode\":137}", new String(stopOfRemoved.body().readAllBytes(), StandardCharsets.UTF_8).strip());

    HttpResponse<String> invalid = post("/v1.41/containers/nosuch/wait?condition=later", "");
    assertEquals(400, invalid.statusCode());
    assertTrue(invalid.body().contains("invalid condition"), invalid.body());
  }

  /** Posts with no body and returns as soon as the response headers arrived. */
  private static HttpResponse<java.io.InputStream> postStreaming(String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dockerPort + path))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
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
    // As with Docker, the response to a SIGKILL comes once the process is gone.
    assertEquals("exited 137", docker("container", "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "killme").out());
    Cli again = docker("kill", "killme");
    assertEquals(1, again.code());
    assertTrue(again.err().contains("is not running"), again.err());

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
    assertEquals("busybox:latest", docker("images", "busybox", "--format", "{{.Repository}}:{{.Tag}}").out());
    assertEquals("busybox:latest", docker("images", "--filter", "reference=busy*:latest", "--format", "{{.Repository}}:{{.Tag}}").out());
    assertEquals("", docker("images", "nosuch", "--format", "{{.Repository}}").out());
    assertEquals(0, docker("tag", "busybox", "busybox:other").code());
    assertEquals(
        "busybox:other",
        docker("images", "busybox:other", "--format", "{{.Repository}}:{{.Tag}}").out(),
        "only the tag that matches is listed, as with Docker");
    assertEquals(0, docker("rmi", "busybox:other").code());
    Cli unknownFilter = docker("images", "--filter", "bogus=1");
    assertEquals(1, unknownFilter.code());
    assertTrue(unknownFilter.err().contains("invalid filter 'bogus'"), unknownFilter.err());

    Cli inspected = docker("image", "inspect", "-f", "{{.Os}} {{len .RootFS.Layers}}", "busybox");
    assertEquals(0, inspected.code(), inspected.err());
    assertEquals("linux 1", inspected.out());

    Cli missing = docker("image", "inspect", "nosuch");
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("No such image: nosuch"), missing.err());
  }

  @Test
  void loadedImageRuns() throws Exception {
    Path archive = dockerArchive("tagged", "hello:latest", "hello:v2");

    Cli loaded = docker("load", "-i", archive.toString());
    assertEquals(0, loaded.code(), loaded.err());
    assertEquals(List.of("Loaded image: hello:latest", "Loaded image: hello:v2"), loaded.out().lines().toList());
    String id = docker("image", "inspect", "-f", "{{.Id}}", "hello:v2").out();
    // The archive's config gives no creation time: Docker leaves Created out of inspect and lists 0.
    assertEquals("", docker("image", "inspect", "-f", "{{.Created}}", "hello:v2").out());
    String since = docker("images", "--format", "{{.CreatedSince}}", "hello").out();
    assertTrue(since.lines().allMatch(line -> line.matches("\\d+ years ago")), since);

    // Docker prints the archive's tags, not the tags the image has in the store.
    assertEquals(0, docker("tag", "hello:latest", "hello:v3").code());
    Cli untagged = docker("load", "-i", dockerArchive("untagged").toString());
    assertEquals(0, untagged.code(), untagged.err());
    assertEquals("Loaded image ID: " + id, untagged.out());
    assertEquals(0, docker("tag", "busybox", "hello:old").code());
    String busyboxId = docker("image", "inspect", "-f", "{{.Id}}", "busybox").out();
    Cli retagged = docker("load", "-i", dockerArchive("retagged", "hello:old").toString());
    assertEquals(0, retagged.code(), retagged.err());
    assertEquals(
        List.of(
            "The image hello:old already exists, renaming the old one with ID " + busyboxId + " to empty string",
            "Loaded image: hello:old"),
        retagged.out().lines().toList());
    assertEquals(id, docker("image", "inspect", "-f", "{{.Id}}", "hello:old").out());
    assertEquals(0, docker("rmi", "hello:v2", "hello:v3", "hello:old").code());

    Cli ran = docker("run", "-d", "--name", "hello", "hello:latest", "echo", "loaded");
    assertEquals(0, ran.code(), ran.err());
    assertEquals("exited", awaitStatus("hello", "exited"));
    assertEquals("loaded", docker("logs", "hello").out());
    assertEquals(0, docker("rm", "hello").code());
  }

  /** Writes a docker save archive of the busybox root filesystem with {@code tags}, named {@code name}. */
  private static Path dockerArchive(String name, String... tags) throws Exception {
    Path work = Files.createDirectories(dir.resolve("archive-" + name));
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
        "[{\"Config\":\"" + configName + "\",\"RepoTags\":[" + String.join(",", List.of(tags).stream().map(tag -> "\"" + tag + "\"").toList())
            + "],\"Layers\":[\"layer.tar\"]}]");
    Path archive = dir.resolve("archive-" + name + ".tar");
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
    // The CLI pulls a missing image; a registry on a closed loopback port keeps that pull local.
    String image = "127.0.0.1:1/no-such-image";
    Cli created = docker("create", "--name", "ghost", image);
    Cli ran = docker("run", "-d", "--name", "ghost", image);

    assertEquals(1, created.code(), created.out());
    assertTrue(created.err().contains("Unable to find image '" + image + ":latest' locally"), created.err());
    assertTrue(created.err().contains("pull of " + image + ":latest failed"), created.err());
    assertEquals(125, ran.code(), ran.out());
    assertTrue(ran.err().contains("pull of " + image + ":latest failed"), ran.err());
    assertEquals(1, docker("rm", "ghost").code(), "no container was left behind");
  }

  private record Cli(int code, String out, String err) {}

  private static Process dockerProcess(String... args) throws IOException {
    return dockerProcessAt("tcp://127.0.0.1:" + dockerPort, args);
  }

  private static Process dockerProcessAt(String host, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("docker"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("DOCKER_HOST", host);
    builder.environment().remove("DOCKER_CONTEXT");
    builder.environment().put("DOCKER_CONFIG", dir.resolve("docker-config").toString());
    return builder.start();
  }

  private static Cli docker(String... args) throws IOException, InterruptedException {
    return dockerWithInput(null, args);
  }

  /** Runs the docker CLI with {@code input} as its stdin, or with an empty stdin when it is null. */
  private static Cli dockerWithInput(String input, String... args) throws IOException, InterruptedException {
    return dockerAt("tcp://127.0.0.1:" + dockerPort, input, args);
  }

  /** Runs the docker CLI against {@code host} ({@code tcp://} or {@code unix://}) with {@code input} as its stdin. */
  private static Cli dockerAt(String host, String input, String... args) throws IOException, InterruptedException {
    Process process = dockerProcessAt(host, args);
    try (var stdin = process.getOutputStream()) {
      if (input != null) {
        stdin.write(input.getBytes(StandardCharsets.UTF_8));
      }
    }
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

    Cli noLogs = docker("logs", "web");
    assertEquals(0, noLogs.code(), noLogs.err());
    assertEquals("", noLogs.out() + noLogs.err(), "a container never started has an empty log");

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
    Cli anyKind = docker("inspect", "web");
    assertEquals(1, anyKind.code());
    assertTrue(anyKind.err().contains("No such object: web"), anyKind.err());
    assertTrue(docker("create", "--name", "web", "busybox").code() == 0, "the name is free again");
    assertEquals(0, docker("rm", "web").code());
  }

  @Test
  void cutOffRemovalFinishedByNextLookup() throws Exception {
    Cli created = docker("run", "-d", "--name", "cutoff", "-m", "64m", "busybox", "sleep", "300");
    assertEquals(0, created.code(), created.err());
    String id = created.out();
    var sharding = runtime.member().sharding();
    // The entity records the removal, as when the member serving `docker rm` died right after.
    Container.State removed =
        sharding
            .entityRefFor(Container.TYPE_KEY, id)
            .<StatusReply<Container.State>>ask(replyTo -> new Container.Remove(true, replyTo), TestMember.TIMEOUT)
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS)
            .getValue();
    assertEquals(ContainerStatus.REMOVED, removed.status());
    assertEquals("cutoff", docker("ps", "-a", "--format", "{{.Names}}").out(), "still listed");

    // An inspect finds the removed entity and finishes the removal in the background.
    docker("container", "inspect", "cutoff");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!docker("ps", "-a", "--format", "{{.Names}}").out().isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "the removal was never completed");
      Thread.sleep(200);
    }
    ComputeNode.State node =
        sharding
            .entityRefFor(ComputeNode.TYPE_KEY, removed.nodeId())
            .ask(ComputeNode.Get::new, TestMember.TIMEOUT)
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    assertFalse(node.reservations().containsKey(id), "the node released the reservation");
    assertEquals(1, docker("container", "inspect", "cutoff").code());
    assertEquals(0, docker("create", "--name", "cutoff", "busybox").code(), "the name is free again");
    assertEquals(0, docker("rm", "cutoff").code());
  }

  @Test
  void psShowsCommandStatusAndFilters() throws Exception {
    assertEquals(0, docker("run", "-d", "--name", "psa", "--label", "tier=web", "busybox", "sleep", "300").code());
    assertEquals(0, docker("run", "-d", "--name", "psb", "--label", "tier=db", "busybox", "sh", "-c", "exit 3").code());
    assertEquals(0, docker("create", "--name", "psc", "busybox", "true").code());
    assertEquals("running", awaitStatus("psa", "running"));
    assertEquals("exited", awaitStatus("psb", "exited"));

    String running = docker("ps", "--format", "{{.Names}}|{{.Command}}|{{.Status}}").out();
    assertTrue(running.matches("psa\\|\"sleep 300\"\\|Up (Less than a second|\\d+ seconds?)"), running);
    String exited = docker("ps", "-a", "--filter", "status=exited", "--format", "{{.Names}} {{.Status}}").out();
    assertTrue(exited.matches("psb Exited \\(3\\) (Less than a second|\\d+ seconds?) ago"), exited);

    assertEquals("psb", names("-a", "--filter", "exited=3"));
    assertEquals("", names("-a", "--filter", "exited=0"));
    assertEquals("psa", names("--filter", "label=tier=web"));
    assertEquals("psb psa", names("-a", "--filter", "label=tier"));
    assertEquals("psc psb psa", names("-a", "--filter", "name=ps"), "newest first, names match as patterns");
    assertEquals("psc psb", names("-a", "--filter", "since=psa"));
    assertEquals("psb psa", names("-a", "--filter", "before=psc"));
    assertEquals("psc", names("-n", "1"));
    assertEquals("psc", names("-l"));
    assertEquals("psc psb psa", names("-a", "--filter", "ancestor=busybox"));
    assertEquals("psc", names("-a", "--filter", "status=created"));
    String psaId = docker("container", "inspect", "-f", "{{.Id}}", "psa").out();
    assertEquals("psa", names("-a", "--filter", "id=" + psaId.substring(0, 10)));

    Cli badStatus = docker("ps", "--filter", "status=sleepy");
    assertEquals(1, badStatus.code());
    assertTrue(badStatus.err().contains("invalid filter 'status=sleepy'"), badStatus.err());
    Cli badKey = docker("ps", "--filter", "colour=red");
    assertEquals(1, badKey.code());
    assertTrue(badKey.err().contains("invalid filter 'colour'"), badKey.err());

    String pid = docker("container", "inspect", "-f", "{{.State.Pid}}", "psa").out();
    assertTrue(Long.parseLong(pid) > 0, pid);
    assertEquals("0", docker("container", "inspect", "-f", "{{.State.Pid}}", "psb").out());
    String imageId = docker("image", "inspect", "-f", "{{.Id}}", "busybox").out();
    assertEquals(imageId, docker("container", "inspect", "-f", "{{.Image}}", "psa").out());
    HttpResponse<String> listed = get("/v1.24/containers/json?filters=%7B%22name%22%3A%5B%22psa%22%5D%7D");
    assertTrue(listed.body().contains("\"ImageID\":\"" + imageId + "\""), listed.body());

    assertEquals(0, docker("rm", "-f", "psa", "psb", "psc").code());
  }

  @Test
  void eventsReplayAndStream() throws Exception {
    String since = epochSeconds();
    Cli ran = docker("run", "-d", "--name", "evone", "--label", "app=demo", "busybox", "sh", "-c", "exit 4");
    assertEquals(0, ran.code(), ran.err());
    assertEquals("", ran.err(), "run -d prints no error");
    assertEquals("exited", awaitStatus("evone", "exited"));
    assertEquals(0, docker("run", "-d", "--name", "evtwo", "busybox", "sleep", "300").code());
    assertEquals("running", awaitStatus("evtwo", "running"));
    // sleep runs as PID 1, which ignores SIGTERM, so both stops end in SIGKILL.
    assertEquals(0, docker("restart", "-t", "1", "evtwo").code());
    assertEquals(0, docker("stop", "-t", "1", "evtwo").code());
    assertEquals(
        0,
        docker("run", "-d", "--name", "evthree", "busybox", "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done")
            .code());
    assertEquals("running", awaitStatus("evthree", "running"));
    assertEquals(0, docker("stop", "-t", "10", "evthree").code());
    assertEquals(0, docker("rm", "evone", "evtwo", "evthree").code());
    Thread.sleep(200);
    String until = epochSeconds();

    Cli life = docker("events", "--since", since, "--until", until, "--filter", "container=evone",
        "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}");
    assertEquals(0, life.code(), life.err());
    assertEquals(
        List.of("container create evone", "container start evone", "container die evone", "container destroy evone"),
        life.out().lines().toList());

    Cli killed = docker("events", "--since", since, "--until", until, "--filter", "container=evtwo",
        "--filter", "event=kill", "--filter", "event=die", "--filter", "event=stop", "--filter", "event=start",
        "--filter", "event=restart",
        "--format", "{{.Action}} {{.Actor.Attributes.signal}} {{.Actor.Attributes.name}}");
    assertEquals(
        List.of("start <no value> evtwo",
            "kill 15 evtwo", "kill 9 evtwo", "die <no value> evtwo", "stop <no value> evtwo", "start <no value> evtwo",
            "restart <no value> evtwo",
            "kill 15 evtwo", "kill 9 evtwo", "die <no value> evtwo", "stop <no value> evtwo"),
        killed.out().lines().toList(),
        killed.err());
    Cli stopped = docker("events", "--since", since, "--until", until, "--filter", "container=evthree",
        "--filter", "event=kill", "--filter", "event=die", "--filter", "event=stop",
        "--format", "{{.Action}} {{.Actor.Attributes.signal}}");
    assertEquals(List.of("kill 15", "die <no value>", "stop <no value>"), stopped.out().lines().toList(), stopped.err());

    Cli died = docker("events", "--since", since, "--until", until, "--filter", "event=die", "--filter", "label=app=demo");
    assertEquals(0, died.code(), died.err());
    assertTrue(
        died.out().matches("\\S+ container die [0-9a-f]{64} \\(app=demo, exitCode=4, image=busybox, name=evone\\)"),
        died.out());

    Cli inverted = docker("events", "--since", until, "--until", since);
    assertEquals(1, inverted.code());
    Cli badFilter = docker("events", "--until", until, "--filter", "colour=red");
    assertEquals(1, badFilter.code());
    assertTrue(badFilter.err().contains("invalid filter 'colour'"), badFilter.err());
  }

  @Test
  void eventsStreamLive() throws Exception {
    Process stream = dockerProcess("events", "--filter", "container=evlive", "--format", "{{.Action}}");
    try {
      java.io.BufferedReader lines =
          new java.io.BufferedReader(new java.io.InputStreamReader(stream.getInputStream(), StandardCharsets.UTF_8));
      Thread.sleep(1000);
      assertEquals(0, docker("run", "-d", "--name", "evlive", "busybox", "true").code());
      assertEquals("exited", awaitStatus("evlive", "exited"));
      assertEquals(0, docker("rm", "evlive").code());

      List<String> seen = new ArrayList<>();
      var reader = java.util.concurrent.Executors.newSingleThreadExecutor();
      try {
        while (!seen.contains("destroy")) {
          seen.add(reader.submit(lines::readLine).get(20, TimeUnit.SECONDS));
        }
      } finally {
        reader.shutdownNow();
      }
      assertEquals(List.of("create", "start", "die", "destroy"), seen);
    } finally {
      stream.destroy();
      stream.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void forceRemoveEmitsKillAndDie() throws Exception {
    String since = epochSeconds();
    assertEquals(0, docker("run", "-d", "--name", "evrm", "busybox", "sleep", "300").code());
    assertEquals("running", awaitStatus("evrm", "running"));
    assertEquals(0, docker("rm", "-f", "evrm").code());
    Thread.sleep(200);

    Cli events =
        docker(
            "events", "--since", since, "--until", epochSeconds(), "--filter", "container=evrm",
            "--format", "{{.Action}} {{.Actor.Attributes.signal}} {{.Actor.Attributes.exitCode}}");

    assertEquals(0, events.code(), events.err());
    assertEquals(
        List.of(
            "create <no value> <no value>",
            "start <no value> <no value>",
            "kill 9 <no value>",
            "die <no value> 137",
            "destroy <no value> <no value>"),
        events.out().lines().toList());
  }

  @Test
  void pauseUnpauseRename() throws Exception {
    String since = epochSeconds();
    assertEquals(0, docker("run", "-d", "--name", "pz", "busybox", "sleep", "300").code());
    assertEquals("running", awaitStatus("pz", "running"));

    Cli paused = docker("pause", "pz");
    assertEquals(0, paused.code(), paused.err());
    assertEquals("pz", paused.out());
    assertEquals("paused true true", docker("container", "inspect", "-f", "{{.State.Status}} {{.State.Paused}} {{.State.Running}}", "pz").out());
    assertTrue(docker("ps", "--format", "{{.Status}}").out().endsWith("(Paused)"));
    assertEquals("pz", names("--filter", "status=paused"));
    Cli again = docker("pause", "pz");
    assertEquals(1, again.code());
    assertTrue(again.err().contains("is already paused"), again.err());

    assertEquals(0, docker("unpause", "pz").code());
    assertEquals("running false", docker("container", "inspect", "-f", "{{.State.Status}} {{.State.Paused}}", "pz").out());
    Cli notPaused = docker("unpause", "pz");
    assertEquals(1, notPaused.code());
    assertTrue(notPaused.err().contains("is not paused"), notPaused.err());

    Cli renamed = docker("rename", "pz", "pz2");
    assertEquals(0, renamed.code(), renamed.err());
    assertEquals("/pz2", docker("container", "inspect", "-f", "{{.Name}}", "pz2").out());
    assertEquals(1, docker("container", "inspect", "pz").code(), "the old name is gone");
    assertEquals(0, docker("create", "--name", "other", "busybox").code());
    Cli conflict = docker("rename", "pz2", "other");
    assertEquals(1, conflict.code());
    assertTrue(conflict.err().contains("Conflict. The container name \"/other\" is already in use"), conflict.err());
    Cli invalid = docker("rename", "pz2", "bad name");
    assertEquals(1, invalid.code());
    assertTrue(invalid.err().contains("Invalid container name (bad name)"), invalid.err());
    assertEquals(0, docker("create", "--name", "pz", "busybox").code(), "the old name is free again");

    String id = docker("container", "inspect", "-f", "{{.Id}}", "pz2").out();
    assertEquals(0, docker("rm", "-f", "pz", "pz2", "other").code());
    Cli events = docker("events", "--since", since, "--until", epochSeconds(), "--filter", "container=" + id,
        "--filter", "event=pause", "--filter", "event=unpause", "--filter", "event=rename",
        "--format", "{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.oldName}}");
    assertEquals(List.of("pause pz <no value>", "unpause pz <no value>", "rename pz2 /pz"), events.out().lines().toList());
  }

  @Test
  void topAndStats() throws Exception {
    assertEquals(0, docker("run", "-d", "--name", "topper", "-m", "64m", "busybox", "sleep", "300").code());
    assertEquals("running", awaitStatus("topper", "running"));

    Cli top = docker("top", "topper");
    assertEquals(0, top.code(), top.err());
    List<String> rows = top.out().lines().toList();
    assertTrue(rows.get(0).matches("UID\\s+PID\\s+PPID\\s+C\\s+STIME\\s+TTY\\s+TIME\\s+CMD"), rows.get(0));
    assertEquals(2, rows.size(), top.out());
    assertTrue(rows.get(1).endsWith("sleep 300"), rows.get(1));
    String pid = docker("container", "inspect", "-f", "{{.State.Pid}}", "topper").out();
    Cli custom = docker("top", "topper", "-o", "pid,comm");
    assertEquals(0, custom.code(), custom.err());
    assertEquals(2, custom.out().lines().count(), custom.out());
    assertTrue(custom.out().lines().toList().get(1).matches(pid + "\\s+sleep"), custom.out());

    Cli stats = docker("stats", "--no-stream", "--format", "{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.PIDs}}", "topper");
    assertEquals(0, stats.code(), stats.err());
    assertTrue(stats.out().matches("topper\\|\\d+\\.\\d+%\\|[0-9.]+[KMG]?i?B / 64MiB\\|1"), stats.out());

    HttpRequest streamRequest =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dockerPort + "/v1.24/containers/topper/stats")).build();
    HttpResponse<java.util.stream.Stream<String>> streamed =
        HttpClient.newHttpClient().send(streamRequest, HttpResponse.BodyHandlers.ofLines());
    List<String> samples = streamed.body().limit(2).toList();
    assertEquals(2, samples.size());
    assertTrue(samples.get(1).contains("\"precpu_stats\":{\"cpu_usage\":{\"total_usage\":"), samples.get(1));
    assertTrue(!samples.get(1).contains("\"preread\":\"0001-01-01T00:00:00Z\""), samples.get(1));

    assertEquals(0, docker("stop", "-t", "1", "topper").code());
    Cli stopped = docker("top", "topper");
    assertEquals(1, stopped.code());
    assertTrue(stopped.err().contains("is not running"), stopped.err());

    // Docker sends an empty sample for a container that does not run, which the CLI shows as zeros.
    Cli zeros =
        docker("stats", "--no-stream", "--format",
            "{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.MemPerc}}|{{.NetIO}}|{{.BlockIO}}|{{.PIDs}}", "topper");
    assertEquals(0, zeros.code(), zeros.err());
    assertEquals("topper|0.00%|0B / 0B|0.00%|0B / 0B|0B / 0B|0", zeros.out());
    HttpResponse<String> both = get("/v1.41/containers/topper/stats?stream=true&one-shot=true");
    assertEquals(400, both.statusCode());
    assertEquals(0, docker("rm", "topper").code());
  }

  @Test
  void statsStreamOutlivesStop() throws Exception {
    String zeroRead = "\"read\":\"0001-01-01T00:00:00Z\"";
    assertEquals(0, docker("run", "-d", "--name", "statser", "busybox", "sleep", "300").code());
    assertEquals("running", awaitStatus("statser", "running"));
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dockerPort + "/v1.41/containers/statser/stats")).build();
    HttpResponse<java.util.stream.Stream<String>> response =
        HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofLines());
    java.util.Iterator<String> samples = response.body().iterator();
    var reader = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      String running = reader.submit(samples::next).get(20, TimeUnit.SECONDS);
      assertFalse(running.contains(zeroRead), running);

      assertEquals(0, docker("stop", "-t", "0", "statser").code());
      // A sample read before the exit was recorded can still show the running container.
      String sample = running;
      for (int i = 0; i < 5 && !sample.contains(zeroRead); i++) {
        sample = reader.submit(samples::next).get(20, TimeUnit.SECONDS);
      }
      assertTrue(sample.contains(zeroRead), sample);
      for (int i = 0; i < 2; i++) {
        String next = reader.submit(samples::next).get(20, TimeUnit.SECONDS);
        assertTrue(next.contains(zeroRead), "a stopped container's stream goes on with zeros: " + next);
        assertTrue(next.contains("\"name\":\"/statser\""), next);
      }

      assertEquals(0, docker("rm", "statser").code());
      // hasNext returns false once the body ends; at most one sample was on its way.
      int afterRemoval = reader.submit(() -> {
        int count = 0;
        while (samples.hasNext()) {
          samples.next();
          count++;
        }
        return count;
      }).get(20, TimeUnit.SECONDS);
      assertTrue(afterRemoval <= 1, "samples after the removal: " + afterRemoval);
    } finally {
      reader.shutdownNow();
      response.body().close();
    }
  }

  @Test
  void statsStreamStopsWhenClientLeaves() throws Exception {
    ch.qos.logback.classic.Logger streamLog =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.nereid.docker.StatsStream");
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
        new ch.qos.logback.core.read.ListAppender<>();
    logged.start();
    streamLog.addAppender(logged);
    assertEquals(0, docker("run", "-d", "--name", "statsleft", "busybox", "sleep", "300").code());
    assertEquals("running", awaitStatus("statsleft", "running"));
    String id = docker("container", "inspect", "-f", "{{.Id}}", "statsleft").out();
    Process stats = dockerProcess("stats", "--format", "{{.Name}} {{.PIDs}}", "statsleft");
    var reader = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      java.io.BufferedReader lines =
          new java.io.BufferedReader(new java.io.InputStreamReader(stats.getInputStream(), StandardCharsets.UTF_8));
      String first = "";
      while (!first.contains("statsleft 1")) {
        first = reader.submit(lines::readLine).get(20, TimeUnit.SECONDS);
        assertTrue(first != null, "docker stats ended before it printed a sample");
      }

      stats.destroy();
      assertTrue(stats.waitFor(10, TimeUnit.SECONDS));
      String ended = "stats stream ended container_id=" + id + " reason=client left";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!messages(logged).contains(ended) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertTrue(messages(logged).contains(ended), "logged: " + messages(logged));
    } finally {
      reader.shutdownNow();
      stats.destroy();
      streamLog.detachAppender(logged);
    }
    assertEquals(0, docker("rm", "-f", "statsleft").code());
  }

  private static List<String> messages(
      ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender) {
    // The appender adds events while it holds its own lock.
    synchronized (appender) {
      return appender.list.stream().map(event -> event.getFormattedMessage()).toList();
    }
  }

  @Test
  void infoShowsClusterTotals() throws Exception {
    assertEquals(0, docker("run", "-d", "--name", "infoer", "-m", "128m", "busybox", "sleep", "300").code());
    assertEquals("running", awaitStatus("infoer", "running"));

    Cli totals = docker("info", "--format", "{{.NCPU}} {{.MemTotal}} {{.ContainersRunning}} {{.ContainersStopped}}");
    assertEquals(0, totals.code(), totals.err());
    assertEquals("4 4294967296 1 0", totals.out());
    Cli full = docker("info");
    assertEquals(0, full.code(), full.err());
    assertTrue(full.out().contains(" CPUs: 4"), full.out());
    assertTrue(full.out().contains("Total Memory: 4GiB"), full.out());
    assertTrue(full.out().contains("Nodes: 2"), full.out());
    assertTrue(full.out().contains("Live Restore Enabled: true"), full.out());
    assertTrue(full.out().contains("└ Reserved Memory: 128 MiB / 2048 MiB"), full.out());

    assertEquals(0, docker("rm", "-f", "infoer").code());
  }

  @Test
  void tagImportHistoryRemove() throws Exception {
    String since = epochSeconds();
    String busyboxId = docker("image", "inspect", "-f", "{{.Id}}", "busybox").out();

    Cli tagged = docker("tag", "busybox", "mybox:v1");
    assertEquals(0, tagged.code(), tagged.err());
    assertEquals(busyboxId, docker("image", "inspect", "-f", "{{.Id}}", "mybox:v1").out());
    Cli history = docker("history", "--format", "{{.ID}}|{{.Comment}}", "mybox:v1");
    assertEquals(0, history.code(), history.err());
    assertEquals(busyboxId.substring(7, 19) + "|imported from a root file system tarball", history.out());
    Cli untagged = docker("rmi", "mybox:v1");
    assertEquals(0, untagged.code(), untagged.err());
    assertEquals("Untagged: mybox:v1", untagged.out());

    Cli changed = docker("import", "-c", "CMD [\"sh\"]", dir.resolve("busybox.tar").toString(), "changed:v1");
    assertEquals(1, changed.code());
    assertTrue(changed.err().contains("does not apply --change"), changed.err());
    Cli imported = docker("import", dir.resolve("busybox.tar").toString(), "imported:v1");
    assertEquals(0, imported.code(), imported.err());
    assertTrue(imported.out().matches("sha256:[0-9a-f]{64}"), imported.out());
    assertEquals(0, docker("run", "-d", "--name", "imguser", "imported:v1", "sleep", "300").code());
    Cli inUse = docker("rmi", "imported:v1");
    assertEquals(1, inUse.code());
    assertTrue(inUse.err().contains("conflict: unable to remove repository reference \"imported:v1\" (must force)"), inUse.err());
    Cli running = docker("rmi", "-f", imported.out());
    assertEquals(1, running.code());
    assertTrue(running.err().contains("(cannot be forced) - image is being used by running container"), running.err());
    assertEquals(0, docker("rm", "-f", "imguser").code());
    Cli deleted = docker("rmi", "imported:v1");
    assertEquals(0, deleted.code(), deleted.err());
    assertEquals(List.of("Untagged: imported:v1", "Deleted: " + imported.out()), deleted.out().lines().toList());

    Cli missing = docker("rmi", "nosuch");
    assertEquals(1, missing.code());
    assertEquals("Error response from daemon: No such image: nosuch:latest", missing.err());
    Cli forced = docker("rmi", "-f", "nosuch");
    assertEquals(0, forced.code(), "the CLI prints the error but ignores a missing image with -f");
    assertEquals("", forced.out());
    assertEquals("Error response from daemon: No such image: nosuch:latest", forced.err());
    Cli events = docker("events", "--since", since, "--until", epochSeconds(), "--filter", "type=image",
        "--format", "{{.Action}} {{.Actor.Attributes.name}}");
    assertEquals(
        List.of("tag mybox:v1", "untag mybox:v1", "import " + imported.out(), "untag imported:v1", "delete " + imported.out()),
        events.out().lines().toList());
  }

  @Test
  void rmiFollowsDockerRules() throws Exception {
    // A layer of its own, so that deleting the image deletes it too.
    Path layerTar = busyboxTarWith("rmi", "removed with its image\n");
    Cli imported = docker("import", layerTar.toString(), "layered:v1");
    assertEquals(0, imported.code(), imported.err());
    String id = imported.out();
    String shortId = id.substring(7, 19);
    assertEquals(0, docker("tag", "layered:v1", "layered:v2").code());

    Cli twoTags = docker("rmi", shortId);
    assertEquals(1, twoTags.code());
    assertEquals(
        "Error response from daemon: conflict: unable to delete " + shortId
            + " (must be forced) - image is referenced in multiple repositories",
        twoTags.err());

    Cli ran = docker("run", "-d", "--name", "layeruser", "layered:v1", "sleep", "300");
    assertEquals(0, ran.code(), ran.err());
    String container = ran.out().substring(0, 12);
    Cli oneOfTwo = docker("rmi", "layered:v1");
    assertEquals(0, oneOfTwo.code(), oneOfTwo.err());
    assertEquals("Untagged: layered:v1", oneOfTwo.out());
    Cli inUse = docker("rmi", "layered:v2");
    assertEquals(1, inUse.code());
    assertEquals(
        "Error response from daemon: conflict: unable to remove repository reference \"layered:v2\" (must force) -"
            + " container " + container + " is using its referenced image " + shortId,
        inUse.err());
    // Forced, the name goes, and the running container keeps the image without names.
    Cli forced = docker("rmi", "-f", "layered:v2");
    assertEquals(0, forced.code(), forced.err());
    assertEquals("Untagged: layered:v2", forced.out());
    assertEquals("[]", docker("image", "inspect", "-f", "{{.RepoTags}}", id).out());

    assertEquals(0, docker("rm", "-f", "layeruser").code());
    Cli deleted = docker("rmi", id);
    assertEquals(0, deleted.code(), deleted.err());
    assertEquals(List.of("Deleted: " + id, "Deleted: sha256:" + sha256(Files.readAllBytes(layerTar))), deleted.out().lines().toList());
    assertEquals(1, docker("image", "inspect", id).code());
  }

  /** Writes a tarball of the busybox root file system with the file {@code file} added. */
  private static Path busyboxTarWith(String file, String content) throws Exception {
    Path extra = Files.createDirectories(dir.resolve(file + "-extra"));
    Files.writeString(extra.resolve(file), content);
    Path tarball = dir.resolve(file + "-layer.tar");
    Process tar =
        new ProcessBuilder("tar", "-cf", tarball.toString(), "-C", dir.resolve("busybox-rootfs").toString(), ".",
                "-C", extra.toString(), file)
            .inheritIO()
            .start();
    assertEquals(0, tar.waitFor());
    return tarball;
  }

  @Test
  void pullFromRegistryWithProgress() throws Exception {
    try (io.nereid.image.RegistryServer registry =
        io.nereid.image.RegistryServer.start(Files.createDirectories(dir.resolve("registry")), null)) {
      // A layer of its own, so that the pull downloads it rather than finding it stored.
      Path layerTar = busyboxTarWith("pulled", "from the registry\n");
      io.nereid.image.TestImage image =
          io.nereid.image.TestImage.of(List.of(Files.readAllBytes(layerTar)), List.of(), List.of("sh"));
      io.nereid.image.Digest digest = registry.push("app", "v1", image);
      String name = registry.host() + "/app";

      Cli pulled = docker("pull", name + ":v1");
      assertEquals(0, pulled.code(), pulled.err());
      String layer = image.layers.get(0).digest().hex().substring(0, 12);
      assertEquals(
          List.of(
              "v1: Pulling from app",
              layer + ": Pulling fs layer",
              layer + ": Download complete",
              layer + ": Pull complete",
              "Digest: " + digest,
              "Status: Downloaded newer image for " + name + ":v1",
              name + ":v1"),
          pulled.out().lines().toList());
      assertEquals(image.id().toString(), docker("image", "inspect", "-f", "{{.Id}}", name + ":v1").out());

      Cli again = docker("pull", name + "@" + digest);
      assertEquals(0, again.code(), again.err());
      assertTrue(again.out().contains(layer + ": Already exists"), again.out());
      assertTrue(again.out().contains("Status: Image is up to date for " + name + "@" + digest), again.out());

      Cli ran = docker("run", "-d", "--name", "pulled", name + ":v1", "cat", "/pulled");
      assertEquals(0, ran.code(), ran.err());
      assertEquals("exited", awaitStatus("pulled", "exited"));
      assertEquals("from the registry", docker("logs", "pulled").out());
      assertEquals(0, docker("rm", "pulled").code());

      Cli missing = docker("pull", registry.host() + "/nosuch:v1");
      assertEquals(1, missing.code());
      assertTrue(missing.err().contains("pull of " + registry.host() + "/nosuch:v1 failed"), missing.err());
      Cli invalid = docker("pull", "UPPER/case");
      assertEquals(1, invalid.code());
    }
  }

  @Test
  void updateChangesReservationAndCgroup() throws Exception {
    assertEquals(0, docker("run", "-d", "--name", "upd", "-m", "128m", "busybox", "sleep", "300").code());
    assertEquals("running", awaitStatus("upd", "running"));

    Cli updated = docker("update", "-m", "256m", "--cpus", "0.5", "--cpu-shares", "512", "upd");
    assertEquals(0, updated.code(), updated.err());
    assertEquals("upd", updated.out());
    assertEquals(
        "268435456 512 500000000",
        docker("container", "inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.CpuShares}} {{.HostConfig.NanoCpus}}", "upd").out());
    String limit = docker("stats", "--no-stream", "--format", "{{.MemUsage}}", "upd").out();
    assertTrue(limit.endsWith("/ 256MiB"), limit);
    assertTrue(docker("info").out().contains("└ Reserved Memory: 256 MiB / 2048 MiB"), "the node reserves the new limit");

    Cli tooBig = docker("update", "-m", "8g", "upd");
    assertEquals(1, tooBig.code());
    assertTrue(tooBig.err().contains("Cannot update container"), tooBig.err());
    assertTrue(tooBig.err().contains("memory"), tooBig.err());
    assertEquals("268435456", docker("container", "inspect", "-f", "{{.HostConfig.Memory}}", "upd").out(), "a rejected update changes nothing");

    assertEquals(0, docker("update", "--restart", "on-failure:3", "upd").code());
    assertEquals("on-failure 3", docker("container", "inspect", "-f", "{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}", "upd").out());
    Cli unsupported = docker("update", "--cpuset-cpus", "0", "upd");
    assertEquals(1, unsupported.code());
    assertTrue(unsupported.err().contains("Nereid cannot update CpusetCpus"), unsupported.err());

    assertEquals(0, docker("rm", "-f", "upd").code());
  }

  @Test
  void dockerJavaCoreFlow() throws Exception {
    var config =
        com.github.dockerjava.core.DefaultDockerClientConfig.createDefaultConfigBuilder()
            .withDockerHost("tcp://127.0.0.1:" + dockerPort)
            .withDockerTlsVerify(false)
            .withApiVersion(com.github.dockerjava.core.RemoteApiVersion.VERSION_1_24)
            .build();
    var http =
        new com.github.dockerjava.zerodep.ZerodepDockerHttpClient.Builder()
            .dockerHost(config.getDockerHost())
            .build();
    try (com.github.dockerjava.api.DockerClient client =
        com.github.dockerjava.core.DockerClientImpl.getInstance(config, http)) {
      String id =
          client.createContainerCmd("busybox")
              .withName("dj")
              .withCmd("sh", "-c", "echo from docker-java; sleep 300")
              .exec()
              .getId();
      client.startContainerCmd(id).exec();
      assertEquals("running", awaitStatus("dj", "running"));
      var inspected = client.inspectContainerCmd("dj").exec();
      assertEquals(id, inspected.getId());
      assertEquals("/dj", inspected.getName());
      assertEquals(Boolean.TRUE, inspected.getState().getRunning());

      StringBuilder logs = new StringBuilder();
      client.logContainerCmd(id)
          .withStdOut(true)
          .withStdErr(true)
          .exec(
              new com.github.dockerjava.api.async.ResultCallback.Adapter<com.github.dockerjava.api.model.Frame>() {
                @Override
                public void onNext(com.github.dockerjava.api.model.Frame frame) {
                  logs.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                }
              })
          .awaitCompletion(30, TimeUnit.SECONDS);
      assertEquals("from docker-java\n", logs.toString());

      client.stopContainerCmd(id).withTimeout(1).exec();
      assertEquals(137L, client.inspectContainerCmd(id).exec().getState().getExitCodeLong());
      client.removeContainerCmd(id).exec();
      assertTrue(
          client.listContainersCmd().withShowAll(true).exec().stream().noneMatch(c -> c.getId().equals(id)),
          "the removed container is not listed");
      org.junit.jupiter.api.Assertions.assertThrows(
          com.github.dockerjava.api.exception.NotFoundException.class,
          () -> client.inspectContainerCmd(id).exec());
    }
  }

  private static int occurrences(String text, String part) {
    int count = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
      count++;
    }
    return count;
  }

  private static String epochSeconds() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() + "." + String.format("%09d", now.getNano());
  }

  private static String names(String... psArgs) throws Exception {
    List<String> args = new ArrayList<>(List.of("ps", "--format", "{{.Names}}"));
    args.addAll(List.of(psArgs));
    Cli cli = docker(args.toArray(String[]::new));
    assertEquals(0, cli.code(), cli.err());
    return String.join(" ", cli.out().lines().toList());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dockerPort + path)).build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void tooLargeContainerRejected() throws Exception {
    Cli cli = docker("create", "--name", "huge", "-m", "64g", "busybox");

    assertEquals(1, cli.code());
    assertTrue(cli.err().contains("no node has room for the container: memory exhausted on 2 nodes"), cli.err());
    assertFalse(cli.err().contains("no node fits container"), cli.err());
    assertEquals("", docker("ps", "-a", "--filter", "name=huge", "--format", "{{.Names}}").out());
    assertEquals(0, docker("create", "--name", "huge", "busybox").code(), "the failed create freed its name");
    HttpResponse<String> response =
        post("/v1.41/containers/create", "{\"Image\": \"busybox\", \"HostConfig\": {\"Memory\": 68719476736}}");
    assertEquals(500, response.statusCode(), response.body());
    assertEquals(
        "{\"message\":\"no node has room for the container: memory exhausted on 2 nodes\"}", response.body());
    assertEquals(0, docker("rm", "huge").code());
  }

  @Test
  void unnamedCreateGetsGeneratedName() throws Exception {
    Cli created = docker("create", "busybox");
    assertEquals(0, created.code(), created.err());
    String id = created.out();

    String name = docker("container", "inspect", "-f", "{{.Name}}", id).out();
    assertTrue(name.matches("/[a-z]+_[a-z]+"), name);
    assertEquals(id, docker("container", "inspect", "-f", "{{.Id}}", name.substring(1)).out());
    assertEquals(0, docker("rm", id).code());
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

  @Test
  void unsupportedOptionsAreRejectedNotIgnored() throws Exception {
    List<List<String>> cases =
        List.of(
            List.of("-v", "/tmp:/host"),
            List.of("-p", "18089:80"),
            List.of("--cap-add", "NET_ADMIN"),
            List.of("--privileged"),
            List.of("--network", "bridge"),
            List.of("--dns", "127.0.0.53"),
            List.of("--pids-limit", "20"),
            List.of("--log-driver", "syslog"),
            List.of("-t"));
    for (List<String> option : cases) {
      List<String> args = new ArrayList<>(List.of("create"));
      args.addAll(option);
      args.addAll(List.of("busybox", "true"));
      Cli created = docker(args.toArray(String[]::new));
      assertEquals(1, created.code(), option + ": " + created.out() + created.err());
      assertTrue(
          created.err().contains("Nereid does not support") || created.err().contains("not found"),
          option + ": " + created.err());
    }
    Cli tty = docker("run", "-t", "--name", "tty", "busybox", "true");
    assertEquals(125, tty.code(), tty.out());
    assertTrue(tty.err().contains("Nereid does not support a TTY for containers: run without -t"), tty.err());
    Cli plain = docker("create", "--name", "plain", "--network", "none", "--pids-limit", "-1", "busybox", "true");
    assertEquals(0, plain.code(), plain.err());
    assertEquals(0, docker("rm", "plain").code());
    assertEquals("", docker("ps", "-a", "--format", "{{.Names}}").out(), "nothing else was created");
  }
}
