package io.nereid.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an image's config blob that running a container needs: the process defaults and
 * the uncompressed layer digests ({@code rootfs.diff_ids}), lowest layer first.
 *
 * @param created when the image was built; null if the config does not say or the value is not a
 *     valid time
 */
public record ImageConfig(
    Platform platform,
    List<String> env,
    List<String> entrypoint,
    List<String> cmd,
    String workingDir,
    String user,
    String stopSignal,
    Map<String, String> labels,
    List<Digest> diffIds,
    Instant created) {

  public ImageConfig {
    env = List.copyOf(env);
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    labels = Map.copyOf(labels);
    diffIds = List.copyOf(diffIds);
  }

  /** Parses a Docker or OCI image config blob. */
  public static ImageConfig parse(byte[] json) throws ManifestException {
    JsonNode root = ImageManifest.readTree(json);
    JsonNode config = root.path("config");
    JsonNode rootfs = root.path("rootfs");
    if (!rootfs.path("type").asText().equals("layers")) {
      throw new ManifestException(
          "invalid image config: rootfs.type is '" + rootfs.path("type").asText() + "', expected 'layers'");
    }
    List<Digest> diffIds = new ArrayList<>();
    for (JsonNode diffId : rootfs.path("diff_ids")) {
      try {
        diffIds.add(Digest.parse(diffId.asText()));
      } catch (IllegalArgumentException e) {
        throw new ManifestException("invalid image config: " + e.getMessage(), e);
      }
    }
    Map<String, String> labels = new LinkedHashMap<>();
    config.path("Labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    return new ImageConfig(
        new Platform(root.path("os").asText(), root.path("architecture").asText(), root.path("variant").asText()),
        strings(config.path("Env")),
        strings(config.path("Entrypoint")),
        strings(config.path("Cmd")),
        config.path("WorkingDir").asText(""),
        config.path("User").asText(""),
        config.path("StopSignal").asText(""),
        labels,
        diffIds,
        parseCreated(root.path("created").asText("")));
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    for (JsonNode value : array) {
      values.add(value.asText());
    }
    return values;
  }

  private static Instant parseCreated(String text) {
    try {
      return text.isEmpty() ? null : Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null; // the field is informational; a bad value must not block a pull
    }
  }
}
