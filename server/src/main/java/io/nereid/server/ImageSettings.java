package io.nereid.server;

import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.nereid.image.Platform;
import io.nereid.image.RegistryConfig;
import io.nereid.image.RegistryCredentials;
import io.nereid.persistence.ConfigReader;
import io.nereid.persistence.InvalidConfigException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The registry access settings of this member, read and validated from {@code nereid.images}. */
final class ImageSettings {

  /** A registry host with an optional port, as image references name it. */
  private static final String REGISTRY_PATTERN = "[A-Za-z0-9.-]+(:[0-9]{1,5})?|\\[[0-9A-Fa-f:]+\\](:[0-9]{1,5})?";

  private ImageSettings() {}

  static RegistryConfig fromConfig(com.typesafe.config.Config config) {
    ConfigReader images = new ConfigReader(config, "nereid.images");
    List<URI> mirrors = new ArrayList<>();
    for (String mirror : images.strings("mirrors")) {
      mirrors.add(mirrorUri(images, mirror));
    }
    HashSet<String> insecure = new HashSet<>();
    for (String registry : images.strings("insecure-registries")) {
      insecure.add(registryName(images, "insecure-registries", registry));
    }
    return new RegistryConfig(
        credentials(images),
        mirrors,
        insecure,
        Platform.LINUX_AMD64,
        images.positiveDuration("request-timeout"));
  }

  private static URI mirrorUri(ConfigReader images, String text) {
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new InvalidConfigException(images.key("mirrors"), "invalid URL \"" + text + "\": " + e.getReason());
    }
    boolean web = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
    boolean bare = uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null;
    if (!web || uri.getHost() == null || !bare) {
      throw new InvalidConfigException(
          images.key("mirrors"),
          "expected an http or https URL of a registry without credentials, such as https://mirror.example:5000, got \""
              + text
              + "\"");
    }
    return uri;
  }

  private static String registryName(ConfigReader images, String key, String text) {
    if (!text.matches(REGISTRY_PATTERN)) {
      throw new InvalidConfigException(
          images.key(key), "expected a registry host with an optional port, such as registry.example:5000, got \"" + text + "\"");
    }
    return text;
  }

  /**
   * Reads {@code registries { "host:port" { username = ..., password = ... } }}. The password
   * never appears in an error message.
   */
  private static Map<String, RegistryCredentials> credentials(ConfigReader images) {
    ConfigReader registries = images.section("registries");
    Map<String, RegistryCredentials> credentials = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> entry : registries.raw().root().entrySet()) {
      String registry = registryName(images, "registries", entry.getKey());
      String key = images.key("registries") + ".\"" + registry + "\"";
      if (entry.getValue().valueType() != ConfigValueType.OBJECT) {
        throw new InvalidConfigException(key, "expected an object with username and password");
      }
      Map<String, Object> login = ((com.typesafe.config.ConfigObject) entry.getValue()).unwrapped();
      for (String field : login.keySet()) {
        if (!field.equals("username") && !field.equals("password")) {
          throw new InvalidConfigException(key + "." + field, "unknown key; use username and password");
        }
      }
      Object username = login.get("username");
      Object password = login.get("password");
      if (!(username instanceof String user) || user.isEmpty()) {
        throw new InvalidConfigException(key + ".username", "missing or empty");
      }
      if (!(password instanceof String secret)) {
        throw new InvalidConfigException(key + ".password", "missing, or not a string");
      }
      credentials.put(registry, new RegistryCredentials(user, secret));
    }
    return credentials;
  }
}
