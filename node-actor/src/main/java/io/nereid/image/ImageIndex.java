package io.nereid.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** A manifest list (Docker) or image index (OCI): one manifest per platform. */
public record ImageIndex(String mediaType, List<Descriptor> manifests) {

  public ImageIndex {
    manifests = List.copyOf(manifests);
  }

  /** Returns true if {@code json}, served as {@code mediaType}, is an index rather than a manifest. */
  public static boolean isIndex(byte[] json, String mediaType) throws ManifestException {
    JsonNode root = ImageManifest.readTree(json);
    return MediaTypes.INDEXES.contains(ImageManifest.effectiveMediaType(root, mediaType));
  }

  public static ImageIndex parse(byte[] json, String mediaType) throws ManifestException {
    JsonNode root = ImageManifest.readTree(json);
    String type = ImageManifest.effectiveMediaType(root, mediaType);
    if (!MediaTypes.INDEXES.contains(type)) {
      throw new ManifestException("expected a manifest list or index but got media type '" + type + "'");
    }
    List<Descriptor> manifests = new ArrayList<>();
    for (JsonNode entry : root.path("manifests")) {
      manifests.add(ImageManifest.descriptor(entry, "manifest"));
    }
    return new ImageIndex(type, manifests);
  }

  /**
   * Returns the manifest for {@code platform}, the first match in index order as Docker picks.
   *
   * @throws ManifestException listing the platforms the index offers when none matches
   */
  public Descriptor select(Platform platform) throws ManifestException {
    List<String> offered = new ArrayList<>();
    for (Descriptor manifest : manifests) {
      if (manifest.platform() != null && platform.accepts(manifest.platform())) {
        return manifest;
      }
      offered.add(manifest.platform() == null ? "unknown" : manifest.platform().toString());
    }
    throw new ManifestException(
        "no manifest for platform " + platform + " in the index; it offers " + offered);
  }
}
