package io.nereid.image;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * A real Docker registry (Debian's {@code docker-registry}, distribution 2.8) on a free port of
 * 127.0.0.1, with its own config file and storage directory, and optionally htpasswd basic
 * authentication. Tests push to it through the registry HTTP API, as {@code docker push} does.
 */
public final class RegistryServer implements AutoCloseable {

  private static final Path BINARY = Path.of("/usr/bin/docker-registry");

  private final Process process;
  private final Path storage;
  private final String host;
  private final String authorization;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private RegistryServer(Process process, Path storage, String host, String authorization) {
    this.process = process;
    this.storage = storage;
    this.host = host;
    this.authorization = authorization;
  }

  /**
   * Starts a registry in {@code directory}. With {@code login}, it requires that user, stored as
   * a bcrypt hash made by perl's crypt(), which libcrypt implements on Debian.
   */
  public static RegistryServer start(Path directory, RegistryCredentials login) throws Exception {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(
          BINARY + " is missing: install the Debian package docker-registry to run this test");
    }
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = socket.getLocalPort();
    }
    Path storage = Files.createDirectories(directory.resolve("storage"));
    StringBuilder config = new StringBuilder();
    config.append("version: 0.1\n")
        .append("log:\n  level: warn\n  accesslog:\n    disabled: true\n")
        .append("storage:\n  filesystem:\n    rootdirectory: ").append(storage).append('\n')
        .append("http:\n  addr: 127.0.0.1:").append(port).append("\n  secret: nereid-test-secret\n");
    if (login != null) {
      Path htpasswd = directory.resolve("htpasswd");
      Files.writeString(htpasswd, login.username() + ":" + bcrypt(login.password()) + "\n");
      config.append("auth:\n  htpasswd:\n    realm: nereid-test\n    path: ").append(htpasswd).append('\n');
    }
    Path configFile = directory.resolve("config.yml");
    Files.writeString(configFile, config);

    Process process =
        new ProcessBuilder(BINARY.toString(), "serve", configFile.toString())
            .redirectErrorStream(true)
            .redirectOutput(directory.resolve("registry.log").toFile())
            .start();
    String authorization =
        login == null
            ? null
            : "Basic " + Base64.getEncoder().encodeToString(
                (login.username() + ":" + login.password()).getBytes(StandardCharsets.UTF_8));
    RegistryServer server = new RegistryServer(process, storage, "127.0.0.1:" + port, authorization);
    server.awaitReady(directory.resolve("registry.log"));
    return server;
  }

  private static String bcrypt(String password) throws Exception {
    // Cost 4, the lowest bcrypt allows, keeps logins fast. The salt is 22 characters of ./A-Za-z0-9.
    Process perl =
        new ProcessBuilder("perl", "-e", "print crypt($ARGV[0], '$2b$04$' . 'nereidtestsaltnereidte')", password)
            .redirectErrorStream(true)
            .start();
    String hash = new String(perl.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!perl.waitFor(10, TimeUnit.SECONDS) || !hash.startsWith("$2b$04$")) {
      throw new IllegalStateException("perl crypt() did not produce a bcrypt hash: " + hash);
    }
    return hash;
  }

  private void awaitReady(Path log) throws Exception {
    Instant deadline = Instant.now().plusSeconds(20);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("docker-registry exited at start: " + Files.readString(log));
      }
      try {
        HttpResponse<Void> response =
            http.send(HttpRequest.newBuilder(uri().resolve("/v2/")).build(), HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 200 || response.statusCode() == 401) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("docker-registry did not answer within 20 seconds: " + Files.readString(log));
  }

  /** Returns {@code 127.0.0.1:<port>}, the registry part of image references. */
  public String host() {
    return host;
  }

  public URI uri() {
    return URI.create("http://" + host);
  }

  /** Pushes the image's blobs and its schema 2 manifest under {@code repository:tag}. */
  public Digest push(String repository, String tag, TestImage image) throws Exception {
    for (TestImage.Blob layer : image.layers) {
      pushBlob(repository, layer.data());
    }
    pushBlob(repository, image.config.data());
    return pushManifest(repository, tag, image.dockerManifest());
  }

  public void pushBlob(String repository, byte[] data) throws Exception {
    HttpResponse<String> start =
        send(HttpRequest.newBuilder(uri().resolve("/v2/" + repository + "/blobs/uploads/"))
            .POST(HttpRequest.BodyPublishers.noBody()));
    expect(start, 202);
    String location = start.headers().firstValue("Location").orElseThrow();
    URI upload = uri().resolve(location);
    String separator = upload.toString().contains("?") ? "&" : "?";
    HttpResponse<String> finish =
        send(HttpRequest.newBuilder(URI.create(upload + separator + "digest=" + Digest.sha256(data)))
            .header("Content-Type", "application/octet-stream")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(data)));
    expect(finish, 201);
  }

  public Digest pushManifest(String repository, String reference, TestImage.Blob manifest) throws Exception {
    HttpResponse<String> response =
        send(HttpRequest.newBuilder(uri().resolve("/v2/" + repository + "/manifests/" + reference))
            .header("Content-Type", manifest.mediaType())
            .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest.data())));
    expect(response, 201);
    return manifest.digest();
  }

  /** Returns where the registry keeps the bytes of a blob, for tests that tamper with them. */
  public Path blobDataFile(Digest digest) {
    return storage.resolve("docker/registry/v2/blobs/sha256")
        .resolve(digest.hex().substring(0, 2))
        .resolve(digest.hex())
        .resolve("data");
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void expect(HttpResponse<String> response, int status) {
    if (response.statusCode() != status) {
      throw new IllegalStateException(
          response.request().method() + " " + response.request().uri() + " returned " + response.statusCode()
              + " instead of " + status + ": " + response.body());
    }
  }

  /** Stops the registry by its PID: SIGTERM, then SIGKILL if it has not exited in 10 seconds. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
