package io.nereid.image;

import java.util.List;

/**
 * An image in the local store.
 *
 * @param id the digest of the config blob, Docker's image ID
 * @param repoTags references such as {@code docker.io/library/busybox:latest} that point here
 * @param repoDigests {@code repository@manifest-digest} references this image was pulled by
 * @param size bytes of file content over all layers
 */
public record Image(
    Digest id, List<String> repoTags, List<String> repoDigests, ImageConfig config, long size) {

  public Image {
    repoTags = List.copyOf(repoTags);
    repoDigests = List.copyOf(repoDigests);
  }

  /** Returns the uncompressed layer digests, lowest layer first. */
  public List<Digest> layers() {
    return config.diffIds();
  }
}
