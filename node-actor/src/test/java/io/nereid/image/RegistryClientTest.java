package io.nereid.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryClientTest {

  private static final RegistryCredentials ALICE = new RegistryCredentials("alice", "s3cret");

  @TempDir Path temp;
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();

  @AfterEach
  void stopServers() {
    servers.forEach(server -> server.stop(0));
  }

  @Test
  void failedRequestDescribed() {
    java.net.ConnectException unresolved = new java.net.ConnectException();
    unresolved.initCause(new java.nio.channels.UnresolvedAddressException());
    assertEquals("the registry's host name does not resolve", RegistryClient.describe(unresolved));
    assertEquals("Connection refused", RegistryClient.describe(new java.net.ConnectException("Connection refused")));
    assertEquals("could not connect to the registry", RegistryClient.describe(new java.net.ConnectException()));
  }

  @Test
  void basicAuthAgainstHtpasswdRegistry() throws Exception {
    try (RegistryServer registry = RegistryServer.start(temp.resolve("registry"), ALICE)) {
      TestImage test = TestImage.twoLayers();
      Digest manifestDigest = registry.push("private/app", "1", test);
      RegistryClient client =
          new RegistryClient(RegistryConfig.defaults().withCredentials(registry.host(), ALICE), Clock.systemUTC());
      RegistryClient.Endpoint endpoint = client.endpoints(ImageReference.parse(registry.host() + "/private/app")).get(0);

      RegistryClient.ManifestResponse manifest = client.manifest(endpoint, "private/app", "1");
      byte[] config = client.smallBlob(endpoint, "private/app", test.config.descriptor());

      assertEquals(manifestDigest, manifest.digest());
      assertArrayEquals(test.config.data(), config);
    }
  }

  @Test
  void missingCredentialsNameTheRegistry() throws Exception {
    try (RegistryServer registry = RegistryServer.start(temp.resolve("registry"), ALICE)) {
      registry.push("private/app", "1", TestImage.twoLayers());
      RegistryClient client = new RegistryClient(RegistryConfig.defaults(), Clock.systemUTC());
      RegistryClient.Endpoint endpoint = client.endpoints(ImageReference.parse(registry.host() + "/private/app")).get(0);

      RegistryException error = assertThrows(RegistryException.class, () -> client.manifest(endpoint, "private/app", "1"));

      assertEquals(401, error.statusCode());
      assertTrue(error.getMessage().contains(registry.host() + " requires a login"), error.getMessage());
    }
  }

  @Test
  void wrongPasswordIsRejected() throws Exception {
    try (RegistryServer registry = RegistryServer.start(temp.resolve("registry"), ALICE)) {
      registry.push("private/app", "1", TestImage.twoLayers());
      RegistryConfig config =
          RegistryConfig.defaults().withCredentials(registry.host(), new RegistryCredentials("alice", "wrong"));
      RegistryClient client = new RegistryClient(config, Clock.systemUTC());
      RegistryClient.Endpoint endpoint = client.endpoints(ImageReference.parse(registry.host() + "/private/app")).get(0);

      RegistryException error = assertThrows(RegistryException.class, () -> client.manifest(endpoint, "private/app", "1"));

      assertTrue(error.getMessage().contains("authentication to " + registry.host() + " failed"), error.getMessage());
    }
  }

  /**
   * A registry that wants a bearer token from a separate token service, and keeps its blobs on
   * a second host it redirects to, like Docker Hub and S3.
   */
  @Test
  void bearerTokenFlowAndRedirectWithoutCredentials() throws Exception {
    TestImage test = TestImage.twoLayers();
    TestImage.Blob manifest = test.dockerManifest();
    AtomicInteger tokenRequests = new AtomicInteger();
    Map<String, String> tokenQuery = new ConcurrentHashMap<>();
    List<String> blobHostAuthorization = new CopyOnWriteArrayList<>();

    HttpServer tokenService = server();
    tokenService.createContext("/token", exchange -> {
      tokenRequests.incrementAndGet();
      tokenQuery.put("query", exchange.getRequestURI().getQuery());
      String expected = "Basic " + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
      if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        respond(exchange, 401, "bad login");
        return;
      }
      respond(exchange, 200, "{\"token\":\"t0k3n\",\"expires_in\":300}");
    });

    HttpServer blobHost = server();
    blobHost.createContext("/storage/", exchange -> {
      blobHostAuthorization.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
      respond(exchange, 200, test.config.data());
    });

    HttpServer registry = server();
    String realm = "http://" + address(tokenService) + "/token";
    registry.createContext("/v2/", exchange -> {
      if (!"Bearer t0k3n".equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        exchange.getResponseHeaders().add(
            "WWW-Authenticate",
            "Bearer realm=\"" + realm + "\",service=\"fake.registry\",scope=\"repository:team/app:pull\"");
        respond(exchange, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
        return;
      }
      String path = exchange.getRequestURI().getPath();
      if (path.equals("/v2/team/app/manifests/1")) {
        exchange.getResponseHeaders().add("Content-Type", manifest.mediaType());
        exchange.getResponseHeaders().add("Docker-Content-Digest", manifest.digest().toString());
        respond(exchange, 200, manifest.data());
      } else if (path.equals("/v2/team/app/blobs/" + test.config.digest())) {
        exchange.getResponseHeaders().add("Location", "http://" + address(blobHost) + "/storage/config?signature=abc");
        respond(exchange, 307, "");
      } else {
        respond(exchange, 404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"unknown\"}]}");
      }
    });

    String host = address(registry);
    RegistryConfig config = RegistryConfig.defaults().withCredentials(host, ALICE).withInsecureRegistry(host);
    RegistryClient client = new RegistryClient(config, Clock.systemUTC());
    RegistryClient.Endpoint endpoint = client.endpoints(ImageReference.parse(host + "/team/app")).get(0);

    RegistryClient.ManifestResponse response = client.manifest(endpoint, "team/app", "1");
    byte[] configBlob = client.smallBlob(endpoint, "team/app", test.config.descriptor());

    assertEquals(manifest.digest(), response.digest());
    assertArrayEquals(test.config.data(), configBlob);
    assertEquals(1, tokenRequests.get(), "the token is cached for the second request");
    assertEquals("service=fake.registry&scope=repository:team/app:pull", tokenQuery.get("query"));
    assertEquals(List.of("null"), blobHostAuthorization, "no credentials are sent to the blob host");
  }

  @Test
  void manifestNotMatchingItsDigestHeaderIsRejected() throws Exception {
    TestImage.Blob manifest = TestImage.twoLayers().dockerManifest();
    HttpServer registry = server();
    registry.createContext("/v2/", exchange -> {
      exchange.getResponseHeaders().add("Content-Type", manifest.mediaType());
      exchange.getResponseHeaders().add("Docker-Content-Digest", Digest.sha256("other".getBytes()).toString());
      respond(exchange, 200, manifest.data());
    });
    RegistryClient client = new RegistryClient(RegistryConfig.defaults(), Clock.systemUTC());
    String host = "localhost:" + registry.getAddress().getPort();
    RegistryClient.Endpoint endpoint = client.endpoints(ImageReference.parse(host + "/team/app")).get(0);

    assertThrows(DigestMismatchException.class, () -> client.manifest(endpoint, "team/app", "1"));
  }

  @Test
  void endpointsPutMirrorsBeforeDockerHub() {
    RegistryConfig config =
        RegistryConfig.defaults().withDockerHubMirrors(List.of(java.net.URI.create("https://mirror.example:5000/")));
    RegistryClient client = new RegistryClient(config, Clock.systemUTC());

    List<RegistryClient.Endpoint> hub = client.endpoints(ImageReference.parse("busybox"));
    List<RegistryClient.Endpoint> other = client.endpoints(ImageReference.parse("quay.io/team/app"));
    List<RegistryClient.Endpoint> loopback = client.endpoints(ImageReference.parse("127.0.0.1:5000/app"));

    assertEquals("https://mirror.example:5000", hub.get(0).base().toString());
    assertTrue(hub.get(0).mirror());
    assertEquals(RegistryConfig.DOCKER_HUB_ENDPOINT, hub.get(1).base());
    assertEquals(List.of("https://quay.io"), other.stream().map(e -> e.base().toString()).toList());
    assertEquals("http://127.0.0.1:5000", loopback.get(0).base().toString(), "loopback registries use HTTP");
  }

  @Test
  void parsesChallengeWithQuotedCommas() {
    Map<String, String> parameters =
        RegistryClient.parseChallengeParameters(
            " realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:a/b:pull,push\"");

    assertEquals("https://auth.example/token", parameters.get("realm"));
    assertEquals("registry.example", parameters.get("service"));
    assertEquals("repository:a/b:pull,push", parameters.get("scope"));
    assertNull(parameters.get("error"));
  }

  private HttpServer server() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
    server.start();
    servers.add(server);
    return server;
  }

  private static String address(HttpServer server) {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    respond(exchange, status, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
    try (InputStream request = exchange.getRequestBody()) {
      request.readAllBytes();
    }
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      exchange.getResponseBody().write(body);
    }
    exchange.close();
  }
}
