package io.nereid.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A single-platform image manifest, Docker v2 schema 2 or OCI: the config blob and the layers,
 * lowest first.
 */
public record ImageManifest(String mediaType, Descriptor config, List<Descriptor> layers) {

  public ImageManifest {
    layers = List.copyOf(layers);
  }

  /**
   * Parses a manifest. {@code mediaType} is the type the server declared, or empty to use the
   * {@code mediaType} field of the document.
   *
   * @throws ManifestException if the document is not a schema 2 or OCI manifest
   */
  public static ImageManifest parse(byte[] json, String mediaType) throws ManifestException {
    JsonNode root = readTree(json);
    String type = effectiveMediaType(root, mediaType);
    if (!MediaTypes.MANIFESTS.contains(type)) {
      throw new ManifestException("expected an image manifest but got media type '" + type + "'");
    }
    if (root.path("schemaVersion").asInt() != 2) {
      throw new ManifestException(
          "unsupported manifest schema version " + root.path("schemaVersion").asText()
              + ": only schema 2 and OCI manifests are supported");
    }
    Descriptor config = descriptor(root.path("config"), "config");
    List<Descriptor> layers = new ArrayList<>();
    for (JsonNode layer : root.path("layers")) {
      layers.add(descriptor(layer, "layer"));
    }
    return new ImageManifest(type, config, layers);
  }

  /** Returns the media type of a manifest or index document, preferring the declared one. */
  static String effectiveMediaType(JsonNode root, String declared) throws ManifestException {
    String type = declared == null ? "" : declared.split(";")[0].trim();
    if (type.isEmpty() || type.equals("application/json") || type.equals("text/plain")) {
      type = root.path("mediaType").asText("");
    }
    if (type.isEmpty()) {
      // Early OCI versions made mediaType optional, so the shape tells an index from a manifest.
      type = root.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
    }
    if (type.equals(MediaTypes.DOCKER_SCHEMA1_MANIFEST)
        || type.equals(MediaTypes.DOCKER_SCHEMA1_SIGNED_MANIFEST)
        || root.path("schemaVersion").asInt() == 1) {
      throw new ManifestException(
          "Docker schema 1 manifests are not supported: push the image again with a current "
              + "Docker or tool to get a schema 2 or OCI manifest");
    }
    return type;
  }

  static JsonNode readTree(byte[] json) throws ManifestException {
    try {
      JsonNode root = ImageJson.MAPPER.readTree(json);
      if (root == null || !root.isObject()) {
        throw new ManifestException("invalid manifest: not a JSON object");
      }
      return root;
    } catch (IOException e) {
      throw new ManifestException("invalid manifest JSON: " + e.getMessage(), e);
    }
  }

  static Descriptor descriptor(JsonNode node, String role) throws ManifestException {
    try {
      return ImageJson.MAPPER.treeToValue(node, Descriptor.class);
    } catch (IOException | IllegalArgumentException e) {
      throw new ManifestException("invalid " + role + " descriptor: " + e.getMessage(), e);
    }
  }
}
