package io.nereid.scheduler.placement;

import java.util.Map;
import java.util.Objects;

/**
 * A container present on a node, as affinity expressions and releases see it.
 *
 * @param name the Docker name without the leading {@code /} that the Engine API adds, or empty when
 *     the container has no name
 * @param reserved the resources reserved for this container on the node, which {@link
 *     PoolView#release} gives back. It is {@link ResourceVector#ZERO} when the caller does not know
 *     the amount, and then a release frees nothing.
 */
public record PlacedContainer(
    String id, String name, Map<String, String> labels, ResourceVector reserved) {

  public PlacedContainer {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(reserved, "reserved");
    if (id.isBlank()) {
      throw new IllegalArgumentException("container id must not be blank");
    }
    name = name.startsWith("/") ? name.substring(1) : name;
    labels = Map.copyOf(labels);
  }

  /** Creates a container whose reservation is unknown, so releasing it frees nothing. */
  public PlacedContainer(String id, String name, Map<String, String> labels) {
    this(id, name, labels, ResourceVector.ZERO);
  }
}
