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
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerUnpackerTest {

  @TempDir Path temp;
  private Path target;
  private Path outside;

  @BeforeEach
  void createOutsideDirectory() throws IOException {
    target = temp.resolve("layer");
    outside = Files.createDirectories(temp.resolve("outside"));
    Files.writeString(outside.resolve("victim"), "original");
  }

  @Test
  void unpacksFilesLinksAndMetadata() throws IOException {
    byte[] tar =
        new TarBuilder()
            .directory("bin", 0755)
            .file("bin/tool", 04755, "#!/bin/sh\n".getBytes())
            .fileOwnedBy("home/app/notes", 0600, 1000, 1000, "mine")
            .symlink("bin/alias", "tool")
            .symlink("etc/absolute", "/bin/tool")
            .hardLink("bin/tool2", "bin/tool")
            .fileWithXattrs("tagged", "x", Map.of("user.origin", "test", "security.capability", "ignored"))
            .build();

    LayerUnpacker.Result result = LayerUnpacker.unpack(new ByteArrayInputStream(tar), target);

    assertEquals(04755, mode(target.resolve("bin/tool")));
    assertEquals(1000, Files.getAttribute(target.resolve("home/app/notes"), "unix:uid"));
    assertEquals(0755, mode(target.resolve("home/app")), "a missing parent is created with mode 0755");
    assertEquals(Path.of("tool"), Files.readSymbolicLink(target.resolve("bin/alias")));
    assertEquals(Path.of("/bin/tool"), Files.readSymbolicLink(target.resolve("etc/absolute")));
    assertEquals(2, Files.getAttribute(target.resolve("bin/tool"), "unix:nlink"));
    assertEquals(1_700_000_000_000L, Files.getLastModifiedTime(target.resolve("bin")).toMillis());
    assertTrue(Files.getFileAttributeView(target.resolve("tagged"), java.nio.file.attribute.UserDefinedFileAttributeView.class)
        .list().contains("origin"));
    assertEquals(7, result.entries());
    assertEquals(10 + 4 + 1, result.contentBytes());
  }

  @Test
  void convertsWhiteoutsToOverlayForm() throws IOException {
    byte[] tar =
        new TarBuilder()
            .directory("etc", 0755)
            .file("etc/.wh.removed", "")
            .directory("cache", 0755)
            .file("cache/.wh..wh..opq", "")
            .file("cache/fresh", "new")
            .file(".wh..wh.plnk", "")
            .build();

    LayerUnpacker.unpack(new ByteArrayInputStream(tar), target);

    assertTrue(OverlayWhiteouts.isWhiteout(target.resolve("etc/removed")));
    assertFalse(Files.exists(target.resolve("etc/.wh.removed"), LinkOption.NOFOLLOW_LINKS));
    assertTrue(OverlayWhiteouts.isOpaque(target.resolve("cache")));
    assertFalse(OverlayWhiteouts.isOpaque(target.resolve("etc")));
    assertFalse(Files.exists(target.resolve(".wh..wh.plnk"), LinkOption.NOFOLLOW_LINKS));
    assertEquals("new", Files.readString(target.resolve("cache/fresh")));
  }

  @Test
  void laterMemberReplacesEarlier() throws IOException {
    byte[] tar =
        new TarBuilder()
            .directory("thing", 0755)
            .file("thing/inside", "x")
            .file("thing", "now a file")
            .file("link", "file first")
            .symlink("link", "thing")
            .build();

    LayerUnpacker.unpack(new ByteArrayInputStream(tar), target);

    assertEquals("now a file", Files.readString(target.resolve("thing")));
    assertTrue(Files.isSymbolicLink(target.resolve("link")));
  }

  /** Hostile layers, each rejected by name with nothing left behind inside or outside. */
  @Test
  void rejectsParentDirectoryName() {
    assertRejected(new TarBuilder().file("../outside/victim", "pwned").build(), "../outside/victim", "'..'");
  }

  @Test
  void rejectsNestedParentDirectoryName() {
    assertRejected(
        new TarBuilder().file("ok", "fine").file("a/../../outside/victim", "pwned").build(),
        "a/../../outside/victim", "'..'");
  }

  @Test
  void rejectsAbsoluteName() {
    String name = outside.resolve("victim").toString();
    assertRejected(new TarBuilder().file(name, "pwned").build(), name, "absolute path");
  }

  @Test
  void rejectsWriteThroughAbsoluteSymlink() {
    byte[] tar =
        new TarBuilder().symlink("escape", outside.toString()).file("escape/victim", "pwned").build();
    assertRejected(tar, "escape/victim", "is a symbolic link");
  }

  @Test
  void rejectsWriteThroughRelativeSymlink() {
    byte[] tar =
        new TarBuilder().directory("a", 0755).symlink("a/up", "..").file("a/up/x", "y").build();
    assertRejected(tar, "a/up/x", "is a symbolic link");
  }

  @Test
  void rejectsRelativeSymlinkThatEscapes() {
    byte[] tar = new TarBuilder().symlink("a/b/escape", "../../../outside").build();
    assertRejected(tar, "a/b/escape", "escapes the layer root");
  }

  @Test
  void rejectsHardLinkOutOfLayer() {
    assertRejected(new TarBuilder().hardLink("stolen", "../outside/victim").build(), "stolen", "outside the layer");
  }

  @Test
  void rejectsHardLinkToAbsolutePath() {
    String target = outside.resolve("victim").toString();
    assertRejected(new TarBuilder().hardLink("stolen", target).build(), "stolen", "outside the layer");
  }

  @Test
  void rejectsHardLinkThroughSymlink() {
    byte[] tar =
        new TarBuilder().symlink("dir", outside.toString()).hardLink("stolen", "dir/victim").build();
    assertRejected(tar, "stolen", "is a symbolic link");
  }

  @Test
  void rejectsDeviceNode() {
    assertRejected(new TarBuilder().charDevice("dev/sda", 8, 0).build(), "dev/sda", "device nodes");
  }

  @Test
  void rejectsFifo() {
    assertRejected(new TarBuilder().fifo("pipe").build(), "pipe", "FIFOs");
  }

  private void assertRejected(byte[] tar, String entryName, String reason) {
    UnsafeEntryException error =
        assertThrows(UnsafeEntryException.class, () -> LayerUnpacker.unpack(new ByteArrayInputStream(tar), target));

    assertEquals(entryName, error.entryName());
    assertTrue(error.getMessage().contains(entryName), error.getMessage());
    assertTrue(error.getMessage().contains(reason), error.getMessage());
    assertFalse(Files.exists(target, LinkOption.NOFOLLOW_LINKS), "the partial layer was deleted");
    try (Stream<Path> files = Files.list(outside)) {
      assertEquals(List.of(outside.resolve("victim")), files.toList(), "nothing was written outside");
      assertEquals("original", Files.readString(outside.resolve("victim")));
      assertEquals(1, Files.getAttribute(outside.resolve("victim"), "unix:nlink"));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static int mode(Path path) throws IOException {
    return (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
  }
}
