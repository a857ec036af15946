package io.nereid.image;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An image platform as manifest lists and OCI indexes name it.
 *
 * @param variant the CPU variant such as {@code v8}; empty when the platform gives none
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Platform(
    @JsonProperty("os") String os,
    @JsonProperty("architecture") String architecture,
    @JsonProperty("variant") String variant) {

  /** The platform Nereid's compute nodes run. */
  public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", "");

  public Platform {
    os = os == null ? "" : os;
    architecture = architecture == null ? "" : architecture;
    variant = variant == null ? "" : variant;
  }

  /** Returns true if an image built for {@code candidate} runs here; an empty wanted variant matches any. */
  public boolean accepts(Platform candidate) {
    return os.equals(candidate.os)
        && architecture.equals(candidate.architecture)
        && (variant.isEmpty() || variant.equals(candidate.variant));
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
  }
}
