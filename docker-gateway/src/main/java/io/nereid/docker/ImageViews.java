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
   * Returns true when the image passes every filter: {@code reference} as a glob over the familiar
   * name, matched against the repository alone when the pattern has no tag, {@code dangling} for
   * an image without tags, and {@code label} as {@code key} or {@code key=value}.
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
    for (String pattern : references) {
      boolean withTag = pattern.lastIndexOf(':') > pattern.lastIndexOf('/');
      PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
      for (String tag : tags) {
        int colon = tag.lastIndexOf(':');
        String repository = colon > tag.lastIndexOf('/') ? tag.substring(0, colon) : tag;
        if (matcher.matches(Path.of(withTag ? tag : repository))) {
          return true;
        }
      }
    }
    return false;
  }

  static Map<String, Object> listEntry(Image image) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("Id", image.id().toString());
    view.put("ParentId", "");
    view.put("RepoTags", familiar(image.repoTags()));
    view.put("RepoDigests", image.repoDigests());
    view.put("Created", created(image).getEpochSecond());
    view.put("Size", image.size());
    view.put("SharedSize", -1);
    view.put("Labels", image.config().labels());
    view.put("Containers", -1);
    return view;
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
