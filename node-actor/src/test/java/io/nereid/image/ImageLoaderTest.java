package io.nereid.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageLoaderTest {

  private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-01-02T03:04:05Z"), ZoneOffset.UTC);

  @TempDir Path temp;
  private ExecutorService executor;
  private ImageStore store;
  private ImageLoader loader;

  @BeforeEach
  void openStore() throws IOException {
    executor = Executors.newFixedThreadPool(2);
    store = ImageStore.open(temp.resolve("store"));
    loader = new ImageLoader(store, executor, CLOCK);
  }

  @AfterEach
  void stopExecutor() {
    executor.shutdownNow();
  }

  @Test
  void loadsDockerArchive() throws IOException {
    TestImage test = TestImage.twoLayers();
    Path archive = temp.resolve("saved.tar");
    Files.write(archive, test.dockerArchive(List.of("busybox:latest", "registry.local:5000/tools/box:1"), true));

    List<ImageLoader.LoadedImage> loaded = loader.load(archive).toCompletableFuture().join();

    assertEquals(1, loaded.size());
    Image image = loaded.get(0).image();
    assertEquals(test.id(), image.id());
    assertEquals(List.of("docker.io/library/busybox:latest", "registry.local:5000/tools/box:1"), image.repoTags());
    Path top = store.layers().directory(test.diffIds().get(1));
    assertTrue(OverlayWhiteouts.isWhiteout(top.resolve("etc/drop")));
    assertEquals("kept\n", Files.readString(store.layers().directory(test.diffIds().get(0)).resolve("etc/keep")));
    assertScratchEmpty();
  }

  @Test
  void loadsGzipDockerArchive() throws IOException {
    TestImage test = TestImage.twoLayers();

    List<ImageLoader.LoadedImage> loaded = loader.load(new ByteArrayInputStream(TarBuilder.gzip(test.dockerArchive(List.of("app:1"), false))), "app.tar.gz");

    assertEquals(test.id(), loaded.get(0).image().id());
  }

  @Test
  void loadReportsArchiveTagsAndReplacedImage() throws IOException {
    TestImage first = TestImage.twoLayers();
    TestImage second = TestImage.of(List.of(new TarBuilder().file("other", "other\n").build()), List.of(), List.of("sh"));
    loader.load(new ByteArrayInputStream(first.dockerArchive(List.of("app:1", "app:2"), false)), "first.tar");

    List<ImageLoader.LoadedImage> loaded =
        loader.load(new ByteArrayInputStream(second.dockerArchive(List.of("app:1"), false)), "second.tar");
    List<ImageLoader.LoadedImage> again =
        loader.load(new ByteArrayInputStream(first.dockerArchive(List.of(), false)), "untagged.tar");

    ImageLoader.LoadedTag tag = loaded.get(0).tags().get(0);
    assertEquals("docker.io/library/app:1", tag.reference().toString());
    assertEquals(java.util.Optional.of(first.id()), tag.previousImage());
    assertEquals(1, loaded.get(0).tags().size());
    assertEquals(List.of(), again.get(0).tags(), "an archive without tags sets none");
    assertEquals(List.of("docker.io/library/app:2"), again.get(0).image().repoTags());
  }

  @Test
  void loadsOciLayout() throws IOException {
    TestImage test = TestImage.twoLayers();

    List<ImageLoader.LoadedImage> loaded = loader.load(new ByteArrayInputStream(test.ociLayout("docker.io/library/app:2")), "oci.tar");

    assertEquals(List.of("docker.io/library/app:2"), loaded.get(0).image().repoTags());
    assertEquals(test.id(), loaded.get(0).image().id());
    assertTrue(store.layers().contains(test.diffIds().get(1)));
  }

  @Test
  void rejectsArchiveWithWrongLayer() throws IOException {
    TestImage test = TestImage.twoLayers();
    TestImage other = TestImage.of(List.of(new TarBuilder().file("x", "y").build(), test.layerTars.get(1)), List.of(), List.of());
    byte[] archive = TestImage.dockerArchive(test.layerTars, other.config, List.of("bad:1"), false);

    DigestMismatchException error =
        assertThrows(DigestMismatchException.class, () -> loader.load(new ByteArrayInputStream(archive), "bad.tar"));

    assertTrue(error.getMessage().contains("layer layer0/layer.tar of bad.tar"), error.getMessage());
    assertTrue(store.list().isEmpty());
    assertFalse(store.layers().contains(test.diffIds().get(0)), "no layer of a failed load stays");
    assertScratchEmpty();
  }

  @Test
  void rejectsArchiveWithHostileLayer() throws IOException {
    byte[] hostile = new TarBuilder().symlink("etc", "/etc").file("etc/cron.d/evil", "pwned").build();
    TestImage test = TestImage.of(List.of(hostile), List.of(), List.of());

    UnsafeEntryException error =
        assertThrows(UnsafeEntryException.class,
            () -> loader.load(new ByteArrayInputStream(test.dockerArchive(List.of("evil:1"), false)), "evil.tar"));

    assertEquals("etc/cron.d/evil", error.entryName());
    assertFalse(Files.exists(Path.of("/etc/cron.d/evil"), LinkOption.NOFOLLOW_LINKS));
    assertTrue(store.list().isEmpty());
    assertScratchEmpty();
  }

  @Test
  void rejectsArchiveOfUnknownFormat() {
    byte[] archive = new TarBuilder().file("readme", "not an image").build();

    ManifestException error =
        assertThrows(ManifestException.class, () -> loader.load(new ByteArrayInputStream(archive), "readme.tar"));

    assertTrue(error.getMessage().contains("neither a Docker image archive"), error.getMessage());
  }

  @Test
  void importsRootfsAsOneLayerImage() throws IOException {
    byte[] rootfs = new TarBuilder().directory("bin", 0755).file("bin/hello", 0755, "#!/bin/sh\necho hi\n".getBytes()).buildGzip();
    Path tarball = temp.resolve("rootfs.tar.gz");
    Files.write(tarball, rootfs);

    Image image = loader.importRootfs(tarball, Optional.of(ImageReference.parse("imported:1"))).toCompletableFuture().join();

    assertEquals(List.of("docker.io/library/imported:1"), image.repoTags());
    assertEquals(1, image.layers().size());
    assertEquals(Instant.parse("2025-01-02T03:04:05Z"), image.config().created());
    assertTrue(Files.isExecutable(store.layerDirectories(image).get(0).resolve("bin/hello")));
  }

  @Test
  void asyncLoadFailsWithUnderlyingException() throws IOException {
    Path archive = temp.resolve("missing.tar");

    CompletionException error =
        assertThrows(CompletionException.class, () -> loader.load(archive).toCompletableFuture().join());

    assertTrue(error.getCause() instanceof java.nio.file.NoSuchFileException, error.getCause().toString());
  }

  private void assertScratchEmpty() throws IOException {
    try (Stream<Path> files = Files.list(temp.resolve("store/tmp"))) {
      assertEquals(List.of(), files.toList());
    }
  }
}
