package io.nereid.docker;

import io.nereid.image.Image;
import io.nereid.image.ImageConfig;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The JSON documents of image list and inspect, in the Docker Engine API's field names. */
final class ImageViews {

  private ImageViews() {}

  /** The filters of {@code GET /images/json} that Nereid applies. */
  static final Set<String> LIST_FILTERS = Set.of("reference", "dangling", "label");

  /**
   * Returns true when the image passes every filter: {@code reference} as a glob that one of its
   * names matches (see {@link #matchesReference}), {@code dangling} for an image without tags,
   * and {@code label} as {@code key} or {@code key=value}.
   */
  static boolean selected(Image image, DockerFilters filters) {
    List<String> tags = familiar(image.repoTags());
    Set<String> dangling = filters.get("dangling");
    if (!dangling.isEmpty() && dangling.contains("true") != tags.isEmpty()) {
      return false;
    }
    if (!filters.matchLabels("label", image.config().labels())) {
      return false;
    }
    Set<String> references = filters.get("reference");
    if (references.isEmpty()) {
      return true;
    }
    return !matching(tags, references).isEmpty() || !matching(image.repoDigests(), references).isEmpty();
  }

  /**
   * Returns the list entry of an image. With a {@code reference} filter, it shows only the names
   * that match it, as Docker does, so that {@code docker images app:v1} lists one row.
   */
  static Map<String, Object> listEntry(Image image, DockerFilters filters) {
    Set<String> references = filters.get("reference");
    List<String> tags = familiar(image.repoTags());
    List<String> digests = image.repoDigests();
    if (!references.isEmpty()) {
      tags = matching(tags, references);
      digests = matching(digests, references);
    }
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("Id", image.id().toString());
    view.put("ParentId", "");
    view.put("RepoTags", tags);
    view.put("RepoDigests", digests);
    view.put("Created", created(image).getEpochSecond());
    view.put("Size", image.size());
    view.put("SharedSize", -1);
    view.put("Labels", image.config().labels());
    view.put("Containers", -1);
    return view;
  }

  private static List<String> matching(List<String> names, Set<String> patterns) {
    return names.stream().filter(name -> patterns.stream().anyMatch(pattern -> matchesReference(pattern, name))).toList();
  }

  /**
   * Returns true when a {@code reference} filter pattern, a glob, matches the familiar form of
   * {@code name} or its repository alone, as Docker's reference matching does.
   */
  private static boolean matchesReference(String pattern, String name) {
    String familiar = ImageUploads.familiar(name);
    String repository = familiar;
    int at = repository.indexOf('@');
    if (at >= 0) {
      repository = repository.substring(0, at);
    }
    int colon = repository.lastIndexOf(':');
    if (colon > repository.lastIndexOf('/')) {
      repository = repository.substring(0, colon);
    }
    PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
    return matcher.matches(Path.of(familiar)) || matcher.matches(Path.of(repository));
  }

  static Map<String, Object> inspect(Image image) {
    ImageConfig config = image.config();
    Map<String, Object> containerConfig = new LinkedHashMap<>();
    containerConfig.put("Env", config.env());
    containerConfig.put("Cmd", config.cmd());
    containerConfig.put("Entrypoint", config.entrypoint().isEmpty() ? null : config.entrypoint());
    containerConfig.put("WorkingDir", config.workingDir());
    containerConfig.put("User", config.user());
    containerConfig.put("Labels", config.labels());
    containerConfig.put("StopSignal", config.stopSignal());

    Map<String, Object> view = new LinkedHashMap<>();
    view.put("Id", image.id().toString());
    view.put("RepoTags", familiar(image.repoTags()));
    view.put("RepoDigests", image.repoDigests());
    if (image.config().created() != null) {
      // Docker leaves the field out for an image whose config gives no creation time.
      view.put("Created", image.config().created().toString());
    }
    view.put("Size", image.size());
    view.put("Os", config.platform() == null ? "linux" : config.platform().os());
    view.put("Architecture", config.platform() == null ? "amd64" : config.platform().architecture());
    view.put("Config", containerConfig);
    view.put(
        "RootFS",
        Map.of("Type", "layers", "Layers", config.diffIds().stream().map(Object::toString).toList()));
    return view;
  }

  private static List<String> familiar(List<String> tags) {
    return tags.stream().map(ImageUploads::familiar).toList();
  }

  /** Returns the creation time, or the Unix epoch, which Docker lists as 0, when the config gives none. */
  private static Instant created(Image image) {
    return image.config().created() == null ? Instant.EPOCH : image.config().created();
  }
}
