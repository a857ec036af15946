package io.nereid.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/**
 * Loads Nereid's configuration: system properties over the given configuration, over every
 * {@code nereid-overrides.conf} on the classpath, over all {@code reference.conf} files.
 *
 * <p>The overrides files hold Nereid's settings of Pekko and the Cassandra driver. They cannot
 * live in a reference.conf, because where two reference.conf files set one key the classpath
 * order decides, and a launcher's classpath order is not fixed.
 */
public final class NereidConfig {

  public static final String OVERRIDES_RESOURCE = "nereid-overrides.conf";

  private NereidConfig() {}

  /** Returns the resolved configuration with {@code config} on top of Nereid's defaults. */
  public static Config load(Config config) {
    Config overrides = ConfigFactory.parseResources(OVERRIDES_RESOURCE);
    return ConfigFactory.load(config.withFallback(overrides));
  }
}
