package io.nereid.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.nereid.persistence.InvalidConfigException;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Rejects keys under {@code nereid} that no module defines, so a misspelt setting fails at start
 * instead of being ignored.
 */
final class UnknownKeys {

  /** Maps whose keys the operator chooses, so any key below them is allowed. */
  private static final List<String> OPEN_MAPS = List.of("nereid.compute.labels.", "nereid.images.registries.");

  private UnknownKeys() {}

  static void check(Config userConfig) {
    if (!userConfig.hasPath("nereid")) {
      return;
    }
    Config known = ConfigFactory.defaultReference();
    TreeSet<String> paths = new TreeSet<>();
    for (Map.Entry<String, ?> entry : userConfig.getConfig("nereid").entrySet()) {
      paths.add("nereid." + entry.getKey());
    }
    for (String path : paths) {
      boolean open = OPEN_MAPS.stream().anyMatch(path::startsWith);
      if (!open && !known.hasPathOrNull(path)) {
        throw new InvalidConfigException(path, "unknown key; check its spelling");
      }
    }
  }
}
