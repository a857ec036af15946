package io.nereid.scheduler;

import io.nereid.container.Container;
import io.nereid.container.ContainerSpec;
import io.nereid.persistence.CborSerializable;
import io.nereid.scheduler.placement.PlacementRequest;
import java.util.List;
import java.util.Map;

/**
 * The facts about a container that the scheduler places it by, in a form that crosses the
 * cluster.
 *
 * @param memoryBytes the memory limit; 0 means none was given, and the pool's default memory
 *     request counts instead
 * @param cpuMillis the CPU limit in thousandths of a core; 0 means none
 * @param env the container's environment, where Swarm-style {@code constraint:} and {@code
 *     affinity:} entries are read
 */
public record PlacementSpec(
    String containerId,
    String name,
    String image,
    Map<String, String> labels,
    List<String> env,
    long memoryBytes,
    long cpuMillis,
    long diskBytes)
    implements CborSerializable {

  public PlacementSpec {
    name = name == null ? "" : name;
    image = image == null ? "" : image;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    env = env == null ? List.of() : List.copyOf(env);
  }

  /** Returns the placement facts of a created container. */
  public static PlacementSpec of(Container.State state) {
    return of(state.containerId(), state.name(), state.spec());
  }

  /** Returns the placement facts of a container about to be created. */
  public static PlacementSpec of(String containerId, String name, ContainerSpec spec) {
    return new PlacementSpec(
        containerId,
        name,
        spec.image(),
        spec.labels(),
        spec.env(),
        spec.memoryBytes(),
        ContainerPlacement.cpuMillis(spec),
        spec.diskBytes());
  }

  /**
   * Builds the engine's request; throws {@link
   * io.nereid.scheduler.placement.InvalidExpressionException} for a malformed constraint or
   * affinity.
   */
  public PlacementRequest toRequest() {
    PlacementRequest.Builder builder =
        PlacementRequest.builder(containerId)
            .name(name)
            .image(image)
            .labels(labels)
            .env(env)
            .cpuMillis(cpuMillis)
            .diskBytes(diskBytes);
    if (memoryBytes > 0) {
      builder.memoryBytes(memoryBytes);
    }
    return builder.build();
  }
}
