package io.nereid.image;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** File tree helpers that never follow symbolic links. */
public final class FileTrees {

  private FileTrees() {}

  /**
   * Deletes {@code path} and everything under it. A symbolic link is deleted itself, never its
   * target, so a hostile tree cannot make this delete files elsewhere. Missing paths are ignored.
   */
  public static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        path,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null && !(e instanceof NoSuchFileException)) {
              throw e;
            }
            try {
              Files.deleteIfExists(dir);
            } catch (DirectoryNotEmptyException notEmpty) {
              throw new IOException(
                  "failed to delete " + dir + ": it is not empty, perhaps a mount point is inside",
                  notEmpty);
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
