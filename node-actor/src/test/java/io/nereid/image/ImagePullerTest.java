package io.nereid.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from a real docker-registry on 127.0.0.1, started once for the class. */
class ImagePullerTest {

  @TempDir static Path registryDirectory;
  private static RegistryServer registry;

  @TempDir Path temp;
  private ExecutorService executor;
  private ImageStore store;

  @BeforeAll
  static void startRegistry() throws Exception {
    registry = RegistryServer.start(registryDirectory, null);
  }

  @AfterAll
  static void stopRegistry() throws InterruptedException {
    if (registry != null) {
      registry.close();
    }
  }

  @BeforeEach
  void openStore() throws IOException {
    executor = Executors.newFixedThreadPool(4);
    store = ImageStore.open(temp.resolve("store"));
  }

  @AfterEach
  void stopExecutor() {
    executor.shutdownNow();
  }

  @Test
  void pullsImageByTag() throws Exception {
    TestImage test = TestImage.twoLayers();
    Digest manifest = registry.push("team/app", "1", test);
    ImageReference reference = ImageReference.parse(registry.host() + "/team/app:1");

    Image image = pull(RegistryConfig.defaults(), reference);

    assertEquals(test.id(), image.id());
    assertEquals(List.of(registry.host() + "/team/app:1"), image.repoTags());
    assertEquals(List.of(registry.host() + "/team/app@" + manifest), image.repoDigests());
    Path top = store.layers().directory(test.diffIds().get(1));
    assertEquals("added\n", Files.readString(top.resolve("etc/added")));
    assertTrue(OverlayWhiteouts.isWhiteout(top.resolve("etc/drop")));
    assertEquals(List.of("GREETING=hello"), image.config().env());
  }

  @Test
  void pullsImageByDigest() throws Exception {
    TestImage test = TestImage.of(List.of(new TarBuilder().file("by-digest", "yes").build()), List.of(), List.of("sh"));
    Digest manifest = registry.push("team/pinned", "moving", test);

    Image image = pull(RegistryConfig.defaults(), ImageReference.parse(registry.host() + "/team/pinned@" + manifest));

    assertEquals(test.id(), image.id());
    assertEquals(List.of(), image.repoTags());
    assertEquals(List.of(registry.host() + "/team/pinned@" + manifest), image.repoDigests());
    assertEquals(image, store.find(registry.host() + "/team/pinned@" + manifest).orElseThrow());
  }

  @Test
  void choosesLinuxAmd64FromIndex() throws Exception {
    TestImage arm = TestImage.forPlatform(List.of(new TarBuilder().file("arch", "arm64").build()), new Platform("linux", "arm64", "v8"));
    TestImage amd = TestImage.forPlatform(List.of(new TarBuilder().file("arch", "amd64").build()), Platform.LINUX_AMD64);
    for (TestImage variant : List.of(arm, amd)) {
      registry.push("team/multi", "variant-" + variant.id().hex().substring(0, 8), variant);
    }
    TestImage.Blob list =
        TestImage.manifestList(
            List.of(arm.dockerManifest(), amd.dockerManifest()),
            List.of(new Platform("linux", "arm64", "v8"), Platform.LINUX_AMD64));
    registry.pushManifest("team/multi", "latest", list);

    Image image = pull(RegistryConfig.defaults(), ImageReference.parse(registry.host() + "/team/multi"));

    assertEquals(amd.id(), image.id());
    assertEquals("amd64", Files.readString(store.layerDirectories(image).get(0).resolve("arch")));
    assertEquals(
        List.of(registry.host() + "/team/multi@" + amd.dockerManifest().digest()), image.repoDigests(),
        "the repo digest is that of the platform manifest, not of the list");
  }

  @Test
  void rejectsTamperedBlob() throws Exception {
    TestImage test = TestImage.of(List.of(new TarBuilder().file("payload", "genuine").build()), List.of(), List.of("sh"));
    registry.push("team/tampered", "1", test);
    // A valid gzip layer with other content, so only the digest check can catch it.
    byte[] forged = TarBuilder.gzip(new TarBuilder().file("payload", "forged!").build());
    Files.write(registry.blobDataFile(test.layers.get(0).digest()), forged);

    CompletionException error =
        assertThrows(CompletionException.class,
            () -> pull(RegistryConfig.defaults(), ImageReference.parse(registry.host() + "/team/tampered:1")));

    DigestMismatchException mismatch = assertInstanceOf(DigestMismatchException.class, error.getCause());
    assertEquals(test.layers.get(0).digest(), mismatch.expected());
    assertTrue(mismatch.getMessage().contains("expected " + test.layers.get(0).digest()), mismatch.getMessage());
    assertTrue(store.list().isEmpty());
    assertFalse(store.layers().contains(test.diffIds().get(0)));
    try (var leftovers = Files.list(temp.resolve("store/layers/tmp"))) {
      assertEquals(List.of(), leftovers.toList());
    }
  }

  @Test
  void usesMirrorForDockerHubName() throws Exception {
    TestImage test = TestImage.of(List.of(new TarBuilder().file("from", "mirror").build()), List.of(), List.of("sh"));
    registry.push("library/mirrored", "latest", test);
    URI unreachable = URI.create("http://127.0.0.1:" + closedPort());
    RegistryConfig config = RegistryConfig.defaults().withDockerHubMirrors(List.of(unreachable, registry.uri()));

    Image image = pull(config, ImageReference.parse("mirrored"));

    assertEquals(test.id(), image.id());
    assertEquals(List.of("docker.io/library/mirrored:latest"), image.repoTags());
  }

  @Test
  void missingTagFailsWithNotFound() {
    CompletionException error =
        assertThrows(CompletionException.class,
            () -> pull(RegistryConfig.defaults(), ImageReference.parse(registry.host() + "/team/absent:1")));

    ImageNotFoundException notFound = assertInstanceOf(ImageNotFoundException.class, error.getCause());
    assertTrue(notFound.getMessage().contains("/v2/team/absent/manifests/1 not found"), notFound.getMessage());
  }

  @Test
  void secondPullReusesStoredLayers() throws Exception {
    TestImage test = TestImage.of(List.of(new TarBuilder().file("reuse", "once").build()), List.of(), List.of("sh"));
    registry.push("team/reuse", "1", test);
    pull(RegistryConfig.defaults(), ImageReference.parse(registry.host() + "/team/reuse:1"));
    // Break the registry's copy: a second pull must not download the layers again.
    for (TestImage.Blob layer : test.layers) {
      Files.write(registry.blobDataFile(layer.digest()), new byte[] {1, 2, 3});
    }

    Image again = pull(RegistryConfig.defaults(), ImageReference.parse(registry.host() + "/team/reuse:1"));

    assertEquals(test.id(), again.id());
  }

  @Test
  void truncatedBlobIsReportedAsDigestMismatch() throws Exception {
    TestImage test = TestImage.of(List.of(new TarBuilder().file("payload", "whole").build()), List.of(), List.of("sh"));
    registry.push("team/truncated", "1", test);
    Files.write(registry.blobDataFile(test.layers.get(0).digest()), new byte[] {1, 2, 3});

    CompletionException error =
        assertThrows(CompletionException.class,
            () -> pull(RegistryConfig.defaults(), ImageReference.parse(registry.host() + "/team/truncated:1")));

    DigestMismatchException mismatch = assertInstanceOf(DigestMismatchException.class, error.getCause());
    assertEquals(1, mismatch.getSuppressed().length, "the tar error is kept as suppressed");
    assertTrue(store.list().isEmpty());
  }

  private Image pull(RegistryConfig config, ImageReference reference) {
    ImagePuller puller = new ImagePuller(store, new RegistryClient(config, Clock.systemUTC()), executor);
    return puller.pull(reference).toCompletableFuture().join();
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }
}
