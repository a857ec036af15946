package io.nereid.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.List;

/**
 * Reads typed values from one section of the configuration and turns every Typesafe Config
 * failure into an {@link InvalidConfigException} that names the full key.
 */
public final class ConfigReader {

  private final Config config;
  private final String prefix;

  public ConfigReader(Config config, String prefix) {
    this.config = config.getConfig(prefix);
    this.prefix = prefix;
  }

  public ConfigReader section(String name) {
    return new ConfigReader(config, name, prefix + "." + name);
  }

  private ConfigReader(Config parent, String name, String fullPrefix) {
    try {
      this.config = parent.getConfig(name);
    } catch (ConfigException e) {
      throw new InvalidConfigException(fullPrefix, "expected an object");
    }
    this.prefix = fullPrefix;
  }

  public String key(String name) {
    return prefix + "." + name;
  }

  public String string(String name) {
    try {
      return config.getString(name);
    } catch (ConfigException.Missing e) {
      throw new InvalidConfigException(key(name), "missing");
    } catch (ConfigException e) {
      throw new InvalidConfigException(key(name), "expected a string");
    }
  }

  public List<String> strings(String name) {
    try {
      return config.getStringList(name);
    } catch (ConfigException.Missing e) {
      throw new InvalidConfigException(key(name), "missing");
    } catch (ConfigException e) {
      throw new InvalidConfigException(key(name), "expected a list of strings");
    }
  }

  public int intAtLeast(String name, int minimum) {
    int value;
    try {
      value = config.getInt(name);
    } catch (ConfigException.Missing e) {
      throw new InvalidConfigException(key(name), "missing");
    } catch (ConfigException e) {
      throw new InvalidConfigException(key(name), "expected an integer");
    }
    if (value < minimum) {
      throw new InvalidConfigException(key(name), "must be at least " + minimum + ", got " + value);
    }
    return value;
  }

  public int port(String name) {
    int value = intAtLeast(name, 0);
    if (value > 65535) {
      throw new InvalidConfigException(key(name), "must be a TCP port (0-65535), got " + value);
    }
    return value;
  }

  public long bytesAtLeast(String name, long minimum) {
    long value;
    try {
      value = config.getBytes(name);
    } catch (ConfigException.Missing e) {
      throw new InvalidConfigException(key(name), "missing");
    } catch (ConfigException e) {
      throw new InvalidConfigException(
          key(name), "expected a size such as 512m or 4g, got \"" + raw(name) + "\"");
    }
    if (value < minimum) {
      throw new InvalidConfigException(
          key(name), "must be at least " + minimum + " bytes, got " + value);
    }
    return value;
  }

  public double doubleAtLeast(String name, double minimum) {
    double value;
    try {
      value = config.getDouble(name);
    } catch (ConfigException.Missing e) {
      throw new InvalidConfigException(key(name), "missing");
    } catch (ConfigException e) {
      throw new InvalidConfigException(key(name), "expected a number");
    }
    if (!(value >= minimum)) {
      throw new InvalidConfigException(key(name), "must be at least " + minimum + ", got " + value);
    }
    return value;
  }

  public Duration positiveDuration(String name) {
    Duration value;
    try {
      value = config.getDuration(name);
    } catch (ConfigException.Missing e) {
      throw new InvalidConfigException(key(name), "missing");
    } catch (ConfigException e) {
      throw new InvalidConfigException(
          key(name), "expected a duration such as 500ms or 30s, got \"" + raw(name) + "\"");
    }
    if (value.isNegative() || value.isZero()) {
      throw new InvalidConfigException(key(name), "must be positive, got " + value);
    }
    return value;
  }

  public boolean bool(String name) {
    try {
      return config.getBoolean(name);
    } catch (ConfigException.Missing e) {
      throw new InvalidConfigException(key(name), "missing");
    } catch (ConfigException e) {
      throw new InvalidConfigException(key(name), "expected true or false");
    }
  }

  public <E extends Enum<E>> E oneOf(String name, Class<E> type) {
    String value = string(name);
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(value)) {
        return constant;
      }
    }
    List<String> allowed =
        java.util.Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase()).toList();
    throw new InvalidConfigException(
        key(name), "must be one of " + allowed + ", got \"" + value + "\"");
  }

  public Config raw() {
    return config;
  }

  private String raw(String name) {
    return String.valueOf(config.getValue(name).unwrapped());
  }
}
