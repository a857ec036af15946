package io.nereid.docker;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Docker Engine API versions that Nereid accepts in a {@code /v1.NN/} path prefix.
 *
 * <p>{@link #ADVERTISED} is 1.41 because the docker CLI needs at least 1.30 to wait for a
 * foreground {@code docker run} with {@code POST /containers/{id}/wait} (older versions make it
 * follow {@code /events}) and to leave {@code --rm} to the server (AutoRemove), and 1.35 for
 * {@code docker logs --until}. From 1.42 on, the CLI reads the attach stream's media type.
 */
public final class ApiVersion {

  public static final int MINIMUM_MINOR = 24;
  public static final int ADVERTISED_MINOR = 41;
  public static final String MINIMUM = "1." + MINIMUM_MINOR;
  public static final String ADVERTISED = "1." + ADVERTISED_MINOR;

  private static final Pattern PREFIX = Pattern.compile("v(\\d+)\\.(\\d+)");

  /** A first path segment that names a version, well-formed or not, such as v1.43 or v1.x. */
  public static final Pattern SEGMENT = Pattern.compile("v\\d[^/]*");

  private ApiVersion() {}

  /**
   * Checks a path segment such as {@code v1.43}; returns an error message when the version is
   * outside the served range, or empty when it is served.
   */
  public static Optional<String> check(String segment) {
    Matcher matcher = PREFIX.matcher(segment);
    if (!matcher.matches()) {
      return Optional.of("invalid API version \"" + segment.substring(1) + "\"");
    }
    int major = Integer.parseInt(matcher.group(1));
    int minor = Integer.parseInt(matcher.group(2));
    String requested = major + "." + minor;
    if (major < 1 || (major == 1 && minor < MINIMUM_MINOR)) {
      return Optional.of(
          "client version "
              + requested
              + " is too old. Minimum supported API version is "
              + MINIMUM
              + ", please upgrade your client to a newer version");
    }
    if (major > 1 || minor > ADVERTISED_MINOR) {
      return Optional.of(
          "client version " + requested + " is too new. Maximum supported API version is " + ADVERTISED);
    }
    return Optional.empty();
  }

}
