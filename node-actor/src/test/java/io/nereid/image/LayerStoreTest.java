package io.nereid.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerStoreTest {

  @TempDir Path temp;

  private final byte[] tar = new TarBuilder().file("hello", "world").build();
  private final Digest diffId = Digest.sha256(tar);

  @Test
  void putComputesDiffIdOfGzipLayer() throws IOException {
    LayerStore store = LayerStore.open(temp);
    byte[] gzip = TarBuilder.gzip(tar);

    LayerStore.Layer layer;
    try (LayerStore.Pin pin = store.pin(List.of())) {
      Descriptor blob = Descriptor.of(MediaTypes.DOCKER_LAYER_GZIP, Digest.sha256(gzip), gzip.length);
      layer = store.put(new ByteArrayInputStream(gzip), "test layer", blob, diffId, pin);
      store.retain("image-a", List.of(diffId));
    }

    assertEquals(diffId, layer.diffId());
    assertEquals(5, layer.size());
    assertEquals("world", Files.readString(store.directory(diffId).resolve("hello")));
  }

  @Test
  void rejectsBlobWithWrongDigest() throws IOException {
    LayerStore store = LayerStore.open(temp);
    byte[] gzip = TarBuilder.gzip(tar);
    Digest claimed = Digest.sha256("something else".getBytes());

    DigestMismatchException error;
    try (LayerStore.Pin pin = store.pin(List.of())) {
      error = assertThrows(DigestMismatchException.class,
          () -> store.put(new ByteArrayInputStream(gzip), "layer X", Descriptor.of("", claimed, gzip.length), diffId, pin));
    }

    assertTrue(error.getMessage().contains("layer X failed verification: expected " + claimed), error.getMessage());
    assertFalse(store.contains(diffId));
    assertNoLeftovers();
  }

  @Test
  void rejectsLayerWithWrongDiffId() throws IOException {
    LayerStore store = LayerStore.open(temp);
    Digest wrong = Digest.sha256(new TarBuilder().file("other", "x").build());

    try (LayerStore.Pin pin = store.pin(List.of())) {
      assertThrows(DigestMismatchException.class,
          () -> store.put(new ByteArrayInputStream(tar), "layer", null, wrong, pin));
    }

    assertFalse(store.contains(diffId));
    assertFalse(store.contains(wrong));
    assertNoLeftovers();
  }

  @Test
  void layerInUseSurvivesUntilLastOwnerReleases() throws IOException {
    LayerStore store = LayerStore.open(temp);
    putAndRetain(store, "image-a");
    store.retain("container-1", List.of(diffId));

    store.release("image-a");
    assertTrue(store.contains(diffId), "the container still holds the layer");
    assertEquals(1, store.references(diffId));

    store.release("container-1");
    assertFalse(store.contains(diffId));
    assertFalse(Files.exists(store.directory(diffId)));
  }

  @Test
  void ownersSurviveReopen() throws IOException {
    LayerStore first = LayerStore.open(temp);
    putAndRetain(first, "container-1");

    LayerStore reopened = LayerStore.open(temp);

    assertTrue(reopened.contains(diffId), "open prunes only layers nobody holds");
    assertEquals(1, reopened.references(diffId));
    reopened.release("container-1");
    assertFalse(reopened.contains(diffId));
  }

  @Test
  void closingPinDeletesUnownedLayer() throws IOException {
    LayerStore store = LayerStore.open(temp);

    try (LayerStore.Pin pin = store.pin(List.of())) {
      store.put(new ByteArrayInputStream(tar), "layer", null, null, pin);
      assertTrue(store.contains(diffId));
    }

    assertFalse(store.contains(diffId), "a failed pull leaves no orphan layer");
  }

  @Test
  void retainRejectsMissingLayer() throws IOException {
    LayerStore store = LayerStore.open(temp);

    IOException error = assertThrows(IOException.class, () -> store.retain("image-a", List.of(diffId)));

    assertTrue(error.getMessage().contains("not in the store"), error.getMessage());
  }

  @Test
  void rejectsInvalidOwnerName() throws IOException {
    LayerStore store = LayerStore.open(temp);

    assertThrows(IllegalArgumentException.class, () -> store.retain("../evil", List.of()));
  }

  private void putAndRetain(LayerStore store, String owner) throws IOException {
    try (LayerStore.Pin pin = store.pin(List.of())) {
      store.put(new ByteArrayInputStream(tar), "layer", null, diffId, pin);
      store.retain(owner, List.of(diffId));
    }
  }

  private void assertNoLeftovers() throws IOException {
    try (Stream<Path> files = Files.list(temp.resolve("tmp"))) {
      assertEquals(List.of(), files.toList());
    }
    try (Stream<Path> files = Files.list(temp.resolve("sha256"))) {
      assertEquals(List.of(), files.toList());
    }
  }
}
