package io.nereid.image;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A normalized image reference, parsed the way the Docker CLI and daemon read one: {@code busybox}
 * means {@code docker.io/library/busybox:latest}, {@code user/app} means
 * {@code docker.io/user/app:latest}, and {@code host:5000/app:v1} names a repository on another
 * registry. A reference that gives a digest keeps its tag if it has one, but pulls by the digest.
 *
 * @param domain the registry host, with a port if one was given; {@code docker.io} for Docker Hub
 * @param path the repository path inside the registry, such as {@code library/busybox}
 * @param tag the tag, or null when the reference names only a digest
 * @param digest the manifest digest, or null when the reference names only a tag
 */
public record ImageReference(String domain, String path, String tag, Digest digest) {

  public static final String DOCKER_HUB = "docker.io";

  private static final int MAX_NAME_LENGTH = 255;
  // Grammar of github.com/distribution/reference: lowercase alphanumeric components separated by
  // one period, one or two underscores, or any number of dashes.
  private static final Pattern PATH_COMPONENT =
      Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern DOMAIN =
      Pattern.compile(
          "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
              + "(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
              + "|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");

  public ImageReference {
    if (tag == null && digest == null) {
      throw new IllegalArgumentException("an image reference needs a tag or a digest");
    }
  }

  /**
   * Parses and normalizes {@code text}. The first path component is a registry domain only when
   * it contains a period or a colon, or is {@code localhost}, as in Docker.
   *
   * @throws IllegalArgumentException naming the invalid part
   */
  public static ImageReference parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("invalid image reference: it is empty");
    }
    String remainder = text;
    Digest digest = null;
    int at = remainder.indexOf('@');
    if (at >= 0) {
      digest = parseDigest(text, remainder.substring(at + 1));
      remainder = remainder.substring(0, at);
    }

    String tag = null;
    int lastColon = remainder.lastIndexOf(':');
    if (lastColon > remainder.lastIndexOf('/')) {
      tag = remainder.substring(lastColon + 1);
      remainder = remainder.substring(0, lastColon);
      if (!TAG.matcher(tag).matches()) {
        throw new IllegalArgumentException(
            "invalid image reference '" + text + "': tag '" + tag + "' must match "
                + "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
      }
    }
    if (remainder.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          "invalid image reference '" + text + "': the name is longer than 255 characters");
    }

    String domain = DOCKER_HUB;
    String path = remainder;
    int slash = remainder.indexOf('/');
    if (slash > 0 && isDomain(remainder.substring(0, slash))) {
      domain = remainder.substring(0, slash);
      path = remainder.substring(slash + 1);
      if (!DOMAIN.matcher(domain).matches()) {
        throw new IllegalArgumentException(
            "invalid image reference '" + text + "': '" + domain + "' is not a valid registry host");
      }
    }
    if (domain.equals("index.docker.io")) {
      domain = DOCKER_HUB;
    }
    if (domain.equals(DOCKER_HUB) && path.indexOf('/') < 0) {
      path = "library/" + path;
    }
    validatePath(text, path);

    if (tag == null && digest == null) {
      tag = "latest";
    }
    return new ImageReference(domain, path, tag, digest);
  }

  private static boolean isDomain(String firstComponent) {
    return firstComponent.contains(".")
        || firstComponent.contains(":")
        || firstComponent.equals("localhost")
        || !firstComponent.equals(firstComponent.toLowerCase());
  }

  private static Digest parseDigest(String text, String digestText) {
    try {
      return Digest.parse(digestText);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "invalid image reference '" + text + "': " + e.getMessage(), e);
    }
  }

  private static void validatePath(String text, String path) {
    if (path.isEmpty()) {
      throw new IllegalArgumentException(
          "invalid image reference '" + text + "': the repository name is empty");
    }
    for (String component : path.split("/", -1)) {
      if (!PATH_COMPONENT.matcher(component).matches()) {
        String reason =
            component.equals(component.toLowerCase())
                ? "path component '" + component + "' must be lowercase letters and digits, "
                    + "separated by '.', '_', '__' or dashes"
                : "repository name must be lowercase";
        throw new IllegalArgumentException("invalid image reference '" + text + "': " + reason);
      }
    }
  }

  /** Returns {@code domain/path}, the repository without tag or digest. */
  public String repository() {
    return domain + "/" + path;
  }

  public Optional<String> tagOptional() {
    return Optional.ofNullable(tag);
  }

  public Optional<Digest> digestOptional() {
    return Optional.ofNullable(digest);
  }

  /** Returns the manifest reference to request from the registry: the digest if given, else the tag. */
  public String manifestReference() {
    return digest != null ? digest.toString() : tag;
  }

  /** Returns this repository with {@code newDigest} and no tag, as Docker records repo digests. */
  public ImageReference withDigestOnly(Digest newDigest) {
    return new ImageReference(domain, path, null, newDigest);
  }

  /** Returns this repository with {@code newTag} and no digest. */
  public ImageReference withTagOnly(String newTag) {
    return new ImageReference(domain, path, newTag, null);
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder(repository());
    if (tag != null) {
      text.append(':').append(tag);
    }
    if (digest != null) {
      text.append('@').append(digest);
    }
    return text.toString();
  }
}
