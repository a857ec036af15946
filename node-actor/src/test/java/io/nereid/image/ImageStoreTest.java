package io.nereid.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {

  @TempDir Path temp;

  @Test
  void findsImageByTagDigestAndId() throws IOException {
    ImageStore store = ImageStore.open(temp);
    TestImage test = TestImage.twoLayers();
    Digest manifestDigest = test.dockerManifest().digest();

    Image image = add(store, test, "busybox", ImageReference.parse("busybox").withDigestOnly(manifestDigest));

    assertEquals(test.id(), image.id());
    assertEquals(List.of("docker.io/library/busybox:latest"), image.repoTags());
    assertEquals(Optional.of(image), store.find("busybox"));
    assertEquals(Optional.of(image), store.find("docker.io/library/busybox:latest"));
    assertEquals(Optional.of(image), store.find("busybox@" + manifestDigest));
    assertEquals(Optional.of(image), store.find(test.id().toString()));
    assertEquals(Optional.of(image), store.find(test.id().hex().substring(0, 12)));
    assertEquals(Optional.empty(), store.find("busybox:other"));
    assertEquals(test.diffIds(), image.layers());
    assertEquals(List.of("GREETING=hello"), image.config().env());
  }

  @Test
  void nameWinsOverIdPrefix() throws IOException {
    ImageStore store = ImageStore.open(temp);
    TestImage first = TestImage.twoLayers();
    TestImage second = TestImage.of(List.of(new TarBuilder().file("other", "x").build()), List.of(), List.of("sh"));
    add(store, first, "app", null);
    String prefix = first.id().hex().substring(0, 6);
    add(store, second, prefix, null);

    assertEquals(second.id(), store.find(prefix).orElseThrow().id());
    assertEquals(first.id(), store.find("sha256:" + prefix).orElseThrow().id());
    assertEquals(first.id(), store.find(first.id().hex().substring(0, 12)).orElseThrow().id());
  }

  @Test
  void tagMovesBetweenImages() throws IOException {
    ImageStore store = ImageStore.open(temp);
    TestImage first = TestImage.twoLayers();
    TestImage second = TestImage.of(List.of(new TarBuilder().file("v2", "x").build()), List.of(), List.of("sh"));
    add(store, first, "app:v1", null);

    add(store, second, "app:v1", null);

    assertEquals(second.id(), store.find("app:v1").orElseThrow().id());
    assertEquals(List.of(), store.find(first.id().toString()).orElseThrow().repoTags());
  }

  @Test
  void removingLastTagDeletesImageAndLayers() throws IOException {
    ImageStore store = ImageStore.open(temp);
    TestImage test = TestImage.twoLayers();
    add(store, test, "app:v1", null);
    store.tag("app:v1", ImageReference.parse("app:v2"));

    ImageStore.Removal first = store.remove("app:v1");
    assertEquals(List.of("docker.io/library/app:v1"), first.untagged());
    assertEquals(Optional.empty(), first.deleted());
    assertTrue(store.layers().contains(test.diffIds().get(0)));

    ImageStore.Removal second = store.remove("app:v2");
    assertEquals(Optional.of(test.id()), second.deleted());
    assertFalse(store.layers().contains(test.diffIds().get(0)));
    assertFalse(store.layers().contains(test.diffIds().get(1)));
  }

  @Test
  void untagDropsDigestsKeepsImage() throws IOException {
    ImageStore store = ImageStore.open(temp);
    TestImage test = TestImage.twoLayers();
    ImageReference digest = ImageReference.parse("app").withDigestOnly(Digest.sha256(new byte[] {1}));
    add(store, test, "app:v1", digest);
    store.tag("app:v1", ImageReference.parse("other:v1"));

    ImageStore.Removal removal = store.untag("app:v1");

    assertEquals(List.of("docker.io/library/app:v1", digest.toString()), removal.untagged());
    assertEquals(Optional.empty(), removal.deleted());
    Image kept = store.find(test.id().toString()).orElseThrow();
    assertEquals(List.of("docker.io/library/other:v1"), kept.repoTags());
    assertEquals(List.of(), kept.repoDigests());
    store.untag("other:v1");
    assertTrue(store.find(test.id().toString()).isPresent(), "untag never deletes the image");
  }

  @Test
  void deleteListsDeletedLayerChainIds() throws IOException {
    ImageStore store = ImageStore.open(temp);
    TestImage test = TestImage.twoLayers();
    add(store, test, "app:v1", null);
    Digest lower = test.diffIds().get(0);
    Digest upper = test.diffIds().get(1);

    ImageStore.Removal removal = store.delete(test.id());

    assertEquals(List.of("docker.io/library/app:v1"), removal.untagged());
    assertEquals(Optional.of(test.id()), removal.deleted());
    Digest upperChainId = Digest.sha256((lower + " " + upper).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertEquals(List.of(upperChainId, lower), removal.deletedLayers());
  }

  @Test
  void layerUsedByContainerOutlivesImage() throws IOException {
    ImageStore store = ImageStore.open(temp);
    TestImage test = TestImage.twoLayers();
    Image image = add(store, test, "app", null);
    store.layers().retain("container-1", image.layers());

    store.remove(test.id().toString());

    assertTrue(store.find("app").isEmpty());
    assertTrue(store.layers().contains(test.diffIds().get(1)));
    store.layers().release("container-1");
    assertFalse(store.layers().contains(test.diffIds().get(1)));
  }

  /** Adds {@code test} as app:latest and records a container created from it. */
  private static void addUsedByContainer(ImageStore store, TestImage test, String containerId) throws IOException {
    store.use(containerId, add(store, test, "app", null));
  }

  @Test
  void imageUsedByContainerNotDeleted() throws IOException {
    ImageStore store = ImageStore.open(temp);
    TestImage test = TestImage.twoLayers();
    addUsedByContainer(store, test, "c1");

    ImageInUseException error = assertThrows(ImageInUseException.class, () -> store.remove("app"));

    assertEquals(
        "conflict: unable to delete app (must be forced) - image "
            + test.id().hex().substring(0, 12)
            + " is being used by container c1",
        error.getMessage());
    assertEquals(java.util.Set.of("c1"), error.containers());
    assertTrue(store.find("app").isPresent());
  }

  @Test
  void usersSurviveReopenUntilReleased() throws IOException {
    TestImage test = TestImage.twoLayers();
    Image image = add(ImageStore.open(temp), test, "app", null);
    ImageStore first = ImageStore.open(temp);
    first.use("c1", image);

    ImageStore reopened = ImageStore.open(temp);
    assertEquals(java.util.Set.of("c1"), reopened.containersUsing(test.id()));
    assertThrows(ImageInUseException.class, () -> reopened.remove(test.id().toString()));
    reopened.release("c1");

    assertEquals(java.util.Set.of(), reopened.containersUsing(test.id()));
    reopened.remove(test.id().toString());
    assertFalse(reopened.layers().contains(test.diffIds().get(0)));
  }

  @Test
  void forcedRemovalKeepsLayersOfContainer() throws IOException {
    ImageStore store = ImageStore.open(temp);
    TestImage test = TestImage.twoLayers();
    addUsedByContainer(store, test, "c1");

    store.remove("app", true);

    assertTrue(store.find(test.id().toString()).isEmpty());
    assertTrue(store.layers().contains(test.diffIds().get(0)));
    assertTrue(store.layers().contains(test.diffIds().get(1)));
    store.release("c1");
    assertFalse(store.layers().contains(test.diffIds().get(0)));
  }

  @Test
  void untagOfUsedImageAllowedWhileNamed() throws IOException {
    ImageStore store = ImageStore.open(temp);
    TestImage test = TestImage.twoLayers();
    Image image = add(store, test, "app:v1", null);
    store.tag(test.id().toString(), ImageReference.parse("app:v2"));
    store.use("c1", image);

    ImageStore.Removal removal = store.remove("app:v1");

    assertEquals(List.of("docker.io/library/app:v1"), removal.untagged());
    assertTrue(store.find("app:v2").isPresent());
  }

  @Test
  void imagesSurviveReopen() throws IOException {
    ImageStore first = ImageStore.open(temp);
    TestImage test = TestImage.twoLayers();
    Image added = add(first, test, "app", null);

    ImageStore reopened = ImageStore.open(temp);

    assertEquals(Optional.of(added), reopened.find("app"));
    assertEquals(added.size(), reopened.find("app").orElseThrow().size());
  }

  @Test
  void removeOfUnknownImageFails() throws IOException {
    ImageStore store = ImageStore.open(temp);

    ImageNotFoundException error = assertThrows(ImageNotFoundException.class, () -> store.remove("nothing"));

    assertEquals("no such image: nothing", error.getMessage());
  }

  static Image add(ImageStore store, TestImage test, String tag, ImageReference repoDigest) throws IOException {
    try (LayerStore.Pin pin = store.layers().pin(test.diffIds())) {
      for (byte[] layer : test.layerTars) {
        store.layers().put(new ByteArrayInputStream(layer), "layer", null, null, pin);
      }
      return store.add(
          test.config.data(), List.of(ImageReference.parse(tag)), repoDigest == null ? List.of() : List.of(repoDigest));
    }
  }
}
