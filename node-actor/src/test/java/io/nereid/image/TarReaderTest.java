package io.nereid.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarReaderTest {

  @TempDir Path temp;

  @Test
  void readsUstarMembers() throws IOException {
    byte[] tar =
        new TarBuilder()
            .directory("etc/", 0755)
            .fileOwnedBy("./etc/motd", 04711, 1000, 50, "hello\n")
            .symlink("etc/link", "motd")
            .hardLink("etc/again", "etc/motd")
            .build();

    TarReader reader = new TarReader(new ByteArrayInputStream(tar));
    TarEntry directory = reader.next();
    TarEntry file = reader.next();
    String content = new String(reader.content().readAllBytes(), StandardCharsets.UTF_8);
    TarEntry symlink = reader.next();
    TarEntry hardLink = reader.next();

    assertEquals("etc", directory.name());
    assertEquals(TarEntry.Type.DIRECTORY, directory.type());
    assertEquals("etc/motd", file.name());
    assertEquals(04711, file.mode());
    assertEquals(1000, file.uid());
    assertEquals(50, file.gid());
    assertEquals(6, file.size());
    assertEquals(Instant.ofEpochSecond(1_700_000_000L), file.modified());
    assertEquals("hello\n", content);
    assertEquals(TarEntry.Type.SYMLINK, symlink.type());
    assertEquals("motd", symlink.linkName());
    assertEquals(TarEntry.Type.HARD_LINK, hardLink.type());
    assertEquals("etc/motd", hardLink.linkName());
    assertNull(reader.next());
  }

  @Test
  void skipsUnreadContent() throws IOException {
    byte[] tar = new TarBuilder().file("a", "x".repeat(1000)).file("b", "second").build();

    TarReader reader = new TarReader(new ByteArrayInputStream(tar));
    reader.next();
    TarEntry second = reader.next();

    assertEquals("b", second.name());
    assertEquals("second", new String(reader.content().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void appliesPaxLongNamesAndXattrs() throws IOException {
    String longName = "deep/" + "d".repeat(140) + "/file.txt";
    String longTarget = "../" + "t".repeat(120);
    byte[] tar =
        new TarBuilder()
            .fileWithXattrs(longName, "content", Map.of("user.origin", "test"))
            .symlink("link", longTarget)
            .build();

    TarReader reader = new TarReader(new ByteArrayInputStream(tar));
    TarEntry file = reader.next();
    TarEntry link = reader.next();

    assertEquals(longName, file.name());
    assertEquals("test", new String(file.xattrs().get("user.origin"), StandardCharsets.ISO_8859_1));
    assertEquals(longTarget, link.linkName());
  }

  @Test
  void appliesBuilderGnuLongNames() throws IOException {
    String longName = "g".repeat(150);
    byte[] tar = new TarBuilder().gnuLongNames().file(longName, "x").symlink("l", "t".repeat(130)).build();

    TarReader reader = new TarReader(new ByteArrayInputStream(tar));

    assertEquals(longName, reader.next().name());
    assertEquals("t".repeat(130), reader.next().linkName());
  }

  @Test
  void readsArchivesFromGnuTar() throws Exception {
    Path source = temp.resolve("source");
    Path deep = Files.createDirectories(source.resolve("a".repeat(60)).resolve("b".repeat(60)));
    Files.writeString(deep.resolve("c".repeat(60)), "gnu");
    Files.createSymbolicLink(source.resolve("link"), Path.of("x".repeat(110)));

    for (String format : List.of("gnu", "posix", "ustar")) {
      Path archive = temp.resolve(format + ".tar");
      runTar("tar", "--format=" + format, "-C", source.toString(), "-cf", archive.toString(), ".");
      List<String> names = new ArrayList<>();
      String content = null;
      String linkTarget = null;
      try (var in = Files.newInputStream(archive)) {
        TarReader reader = new TarReader(in);
        TarEntry entry;
        while ((entry = reader.next()) != null) {
          names.add(entry.name());
          if (entry.type() == TarEntry.Type.REGULAR) {
            content = new String(reader.content().readAllBytes(), StandardCharsets.UTF_8);
          }
          if (entry.type() == TarEntry.Type.SYMLINK) {
            linkTarget = entry.linkName();
          }
        }
      } catch (TarFormatException e) {
        if (format.equals("ustar")) {
          continue; // ustar cannot hold a 110-character link target, so tar may refuse or drop it
        }
        throw e;
      }
      String longPath = "a".repeat(60) + "/" + "b".repeat(60) + "/" + "c".repeat(60);
      assertTrue(names.contains(longPath), format + " archive lists " + names);
      assertEquals("gnu", content, format);
      if (!format.equals("ustar")) {
        assertEquals("x".repeat(110), linkTarget, format);
      }
    }
  }

  @Test
  void rejectsCorruptChecksum() {
    byte[] tar = new TarBuilder().file("a", "x").build();
    tar[0] = 'b'; // the name changes but the checksum does not

    TarFormatException error =
        assertThrows(TarFormatException.class, () -> new TarReader(new ByteArrayInputStream(tar)).next());

    assertTrue(error.getMessage().contains("checksum"), error.getMessage());
  }

  @Test
  void rejectsArchiveCutInsideContent() throws IOException {
    byte[] whole = new TarBuilder().file("a", "x".repeat(2000)).build();
    byte[] cut = Arrays.copyOf(whole, 1024);

    TarReader reader = new TarReader(new ByteArrayInputStream(cut));
    reader.next();

    assertThrows(EOFException.class, () -> reader.content().readAllBytes());
  }

  @Test
  void rejectsSparseMembers() {
    byte[] tar = new TarBuilder().file("a", "x").build();
    tar[156] = 'S';
    fixChecksum(tar);

    TarFormatException error =
        assertThrows(TarFormatException.class, () -> new TarReader(new ByteArrayInputStream(tar)).next());

    assertTrue(error.getMessage().contains("unsupported tar member type 'S'"), error.getMessage());
  }

  @Test
  void readsBase256Size() throws IOException {
    byte[] tar = new TarBuilder().file("a", "abc").build();
    Arrays.fill(tar, 124, 136, (byte) 0);
    tar[124] = (byte) 0x80;
    tar[135] = 3;
    fixChecksum(tar);

    TarReader reader = new TarReader(new ByteArrayInputStream(tar));

    assertEquals(3, reader.next().size());
    assertArrayEquals("abc".getBytes(StandardCharsets.US_ASCII), reader.content().readAllBytes());
  }

  private static void fixChecksum(byte[] tar) {
    Arrays.fill(tar, 148, 156, (byte) ' ');
    long sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += tar[i] & 0xff;
    }
    byte[] octal = String.format("%06o\0", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(octal, 0, tar, 148, octal.length);
  }

  private static void runTar(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    if (process.exitValue() != 0 && !command[1].equals("--format=ustar")) {
      throw new AssertionError(String.join(" ", command) + " failed: " + output);
    }
  }
}
