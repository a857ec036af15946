package io.nereid.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The served endpoints, through plain HTTP and through the real docker CLI. */
class DockerRoutesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ActorTestKit testKit;
  private static ServerBinding binding;
  private static int port;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void bind() throws Exception {
    testKit = ActorTestKit.create("DockerRoutesTest");
    binding =
        Http.get(testKit.system())
            .newServerAt("127.0.0.1", 0)
            .bind(new DockerRoutes("0.1.0-test").routes())
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    port = binding.localAddress().getPort();
  }

  @AfterAll
  static void unbind() {
    binding.unbind();
    testKit.shutdownTestKit();
  }

  private HttpResponse<String> send(String method, String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private record Cli(int code, String out, String err) {}

  private static Cli docker(String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("docker"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("DOCKER_HOST", "tcp://127.0.0.1:" + port);
    builder.environment().remove("DOCKER_CONTEXT");
    builder.environment().put("DOCKER_CONFIG", System.getProperty("java.io.tmpdir") + "/nereid-docker-config");
    Process process = builder.start();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "docker " + String.join(" ", args) + " timed out");
    return new Cli(
        process.exitValue(),
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void pingAdvertisesApiVersion() throws Exception {
    HttpResponse<String> get = send("GET", "/_ping");
    HttpResponse<String> head = send("HEAD", "/v1.24/_ping");

    assertEquals(200, get.statusCode());
    assertEquals("OK", get.body());
    assertEquals("1.41", get.headers().firstValue("Api-Version").orElse(""));
    assertEquals(200, head.statusCode());
    assertEquals("1.41", head.headers().firstValue("Api-Version").orElse(""));
  }

  @Test
  void versionNamesNereid() throws Exception {
    HttpResponse<String> response = send("GET", "/v1.24/version");

    JsonNode body = JSON.readTree(response.body());
    assertEquals(200, response.statusCode());
    assertEquals("0.1.0-test", body.get("Version").asText());
    assertEquals("1.41", body.get("ApiVersion").asText());
    assertEquals("linux", body.get("Os").asText());
  }

  @Test
  void tooNewVersionRejected() throws Exception {
    HttpResponse<String> response = send("GET", "/v1.99/version");

    assertEquals(400, response.statusCode());
    assertEquals(
        "client version 1.99 is too new. Maximum supported API version is 1.41",
        JSON.readTree(response.body()).get("message").asText());
  }

  @Test
  void tooOldVersionRejected() throws Exception {
    HttpResponse<String> response = send("GET", "/v1.12/containers/json");

    assertEquals(400, response.statusCode());
    assertTrue(
        JSON.readTree(response.body()).get("message").asText().startsWith("client version 1.12 is too old."));
  }

  @Test
  void unservedEndpointAnswers501() throws Exception {
    HttpResponse<String> response = send("POST", "/v1.24/containers/create");

    assertEquals(501, response.statusCode());
    assertEquals(
        "POST /v1.24/containers/create is not implemented by Nereid yet",
        JSON.readTree(response.body()).get("message").asText());
  }

  @Test
  void dockerCliReadsServerVersion() throws Exception {
    Cli cli = docker("version", "--format", "{{.Server.Version}} {{.Server.APIVersion}}");

    assertEquals(0, cli.code(), cli.err());
    assertEquals("0.1.0-test 1.41", cli.out().strip());
  }

  @Test
  void dockerCliReportsUnservedCommand() throws Exception {
    Cli cli = docker("ps");

    assertEquals(1, cli.code());
    assertTrue(
        cli.err().contains("GET /v1.41/containers/json is not implemented by Nereid yet"), cli.err());
  }
}
