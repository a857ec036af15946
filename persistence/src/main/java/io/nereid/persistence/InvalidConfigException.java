package io.nereid.persistence;

/**
 * A configuration value that Nereid cannot use. The message is one line that names the key and
 * says what is wrong with it, so the launcher can print it as it is and exit.
 */
public final class InvalidConfigException extends RuntimeException {

  public InvalidConfigException(String key, String problem) {
    super("invalid configuration: " + key + ": " + problem);
  }
}
