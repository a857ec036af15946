package io.nereid.image;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a node reaches registries.
 *
 * @param credentials by registry host as it appears in references ({@code docker.io},
 *     {@code registry.example.com:5000}); a mirror's credentials are keyed by its host and port
 * @param dockerHubMirrors registry base URIs tried in order for {@code docker.io} images before
 *     Docker Hub itself, like the Docker daemon's {@code registry-mirrors}
 * @param insecureRegistries hosts reached over plain HTTP; {@code localhost}, 127.0.0.0/8 and
 *     {@code ::1} always are, as in Docker
 * @param platform the platform chosen from manifest lists
 * @param requestTimeout the longest wait for a response's headers
 */
public record RegistryConfig(
    Map<String, RegistryCredentials> credentials,
    List<URI> dockerHubMirrors,
    Set<String> insecureRegistries,
    Platform platform,
    Duration requestTimeout) {

  /** Docker Hub's registry API endpoint; references name it {@code docker.io}. */
  public static final URI DOCKER_HUB_ENDPOINT = URI.create("https://registry-1.docker.io");

  public RegistryConfig {
    credentials = Map.copyOf(credentials);
    dockerHubMirrors = List.copyOf(dockerHubMirrors);
    insecureRegistries = Set.copyOf(insecureRegistries);
  }

  /** Anonymous access, no mirrors, linux/amd64, a 30 second timeout. */
  public static RegistryConfig defaults() {
    return new RegistryConfig(Map.of(), List.of(), Set.of(), Platform.LINUX_AMD64, Duration.ofSeconds(30));
  }

  public RegistryConfig withCredentials(String registry, RegistryCredentials login) {
    Map<String, RegistryCredentials> updated = new HashMap<>(credentials);
    updated.put(registry, login);
    return new RegistryConfig(updated, dockerHubMirrors, insecureRegistries, platform, requestTimeout);
  }

  public RegistryConfig withDockerHubMirrors(List<URI> mirrors) {
    return new RegistryConfig(credentials, mirrors, insecureRegistries, platform, requestTimeout);
  }

  public RegistryConfig withInsecureRegistry(String host) {
    Set<String> updated = new HashSet<>(insecureRegistries);
    updated.add(host);
    return new RegistryConfig(credentials, dockerHubMirrors, updated, platform, requestTimeout);
  }

  /** Returns true if {@code registry}, a host with an optional port, is reached over HTTP. */
  public boolean isInsecure(String registry) {
    if (insecureRegistries.contains(registry)) {
      return true;
    }
    String host = hostOf(registry);
    return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || insecureRegistries.contains(host);
  }

  private static String hostOf(String registry) {
    if (registry.startsWith("[")) {
      return registry.substring(0, registry.indexOf(']') + 1);
    }
    int colon = registry.indexOf(':');
    return colon < 0 ? registry : registry.substring(0, colon);
  }
}
