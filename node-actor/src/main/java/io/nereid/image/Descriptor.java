package io.nereid.image;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * A reference to content by digest, as manifests and indexes hold them.
 *
 * @param size the content's length in bytes, checked along with the digest
 * @param platform set only on the entries of an index
 * @param urls where a foreign layer lives outside the registry; Nereid does not fetch those
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Descriptor(
    String mediaType,
    Digest digest,
    long size,
    Platform platform,
    List<String> urls,
    Map<String, String> annotations) {

  public Descriptor {
    if (digest == null) {
      throw new IllegalArgumentException("a descriptor needs a digest");
    }
    if (size < 0) {
      throw new IllegalArgumentException("descriptor " + digest + " has a negative size " + size);
    }
    mediaType = mediaType == null ? "" : mediaType;
    urls = urls == null ? List.of() : List.copyOf(urls);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  public static Descriptor of(String mediaType, Digest digest, long size) {
    return new Descriptor(mediaType, digest, size, null, List.of(), Map.of());
  }
}
