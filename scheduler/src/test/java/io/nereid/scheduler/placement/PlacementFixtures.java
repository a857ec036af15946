package io.nereid.scheduler.placement;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Builders shared by the placement tests. Sizes are in GiB unless a name says otherwise. */
public final class PlacementFixtures {

  public static final long MIB = 1024L * 1024;
  public static final long GIB = 1024L * MIB;

  private PlacementFixtures() {}

  /** Starts a ready node with 4000 millicores, 16 GiB memory and 100 GiB disk, nothing reserved. */
  public static NodeBuilder node(String id) {
    return new NodeBuilder(id);
  }

  /** Returns the context of placing the request into a pool of these nodes. */
  public static PlacementContext context(
      PlacementRequest request, PoolSettings settings, NodeView... nodes) {
    return PlacementContext.of(request, pool(settings, nodes));
  }

  public static PoolView pool(PoolSettings settings, NodeView... nodes) {
    PoolView pool = new PoolView(settings);
    for (NodeView node : nodes) {
      pool.putNode(node);
    }
    return pool;
  }

  /** Returns a request for 1 GiB of memory and nothing else, with the given affinities. */
  public static PlacementRequest.Builder request(String containerId) {
    return PlacementRequest.builder(containerId).memoryBytes(GIB);
  }

  /** A fluent {@link NodeView} builder for tests. */
  public static final class NodeBuilder {
    private final String id;
    private long cpuMillis = 4000;
    private long memoryBytes = 16 * GIB;
    private long diskBytes = 100 * GIB;
    private long reservedCpuMillis;
    private long reservedMemoryBytes;
    private long reservedDiskBytes;
    private NodeView.Status status = NodeView.Status.READY;
    private final Map<String, String> labels = new HashMap<>();
    private final Map<String, PlacedContainer> containers = new LinkedHashMap<>();
    private final Set<String> images = new HashSet<>();

    private NodeBuilder(String id) {
      this.id = id;
    }

    public NodeBuilder capacity(long cpuMillis, long memoryGib, long diskGib) {
      this.cpuMillis = cpuMillis;
      this.memoryBytes = memoryGib * GIB;
      this.diskBytes = diskGib * GIB;
      return this;
    }

    public NodeBuilder capacityBytes(long cpuMillis, long memoryBytes, long diskBytes) {
      this.cpuMillis = cpuMillis;
      this.memoryBytes = memoryBytes;
      this.diskBytes = diskBytes;
      return this;
    }

    public NodeBuilder reserved(long cpuMillis, long memoryGib, long diskGib) {
      this.reservedCpuMillis = cpuMillis;
      this.reservedMemoryBytes = memoryGib * GIB;
      this.reservedDiskBytes = diskGib * GIB;
      return this;
    }

    public NodeBuilder reservedBytes(long cpuMillis, long memoryBytes, long diskBytes) {
      this.reservedCpuMillis = cpuMillis;
      this.reservedMemoryBytes = memoryBytes;
      this.reservedDiskBytes = diskBytes;
      return this;
    }

    public NodeBuilder status(NodeView.Status value) {
      this.status = value;
      return this;
    }

    public NodeBuilder label(String key, String value) {
      labels.put(key, value);
      return this;
    }

    public NodeBuilder container(String containerId, String name, String... labelPairs) {
      Map<String, String> containerLabels = new HashMap<>();
      for (int i = 0; i + 1 < labelPairs.length; i += 2) {
        containerLabels.put(labelPairs[i], labelPairs[i + 1]);
      }
      containers.put(containerId, new PlacedContainer(containerId, name, containerLabels));
      return this;
    }

    public NodeBuilder image(String reference) {
      images.add(reference);
      return this;
    }

    public NodeView build() {
      return new NodeView(
          id,
          new ResourceVector(cpuMillis, memoryBytes, diskBytes),
          new ResourceVector(reservedCpuMillis, reservedMemoryBytes, reservedDiskBytes),
          status,
          labels,
          containers,
          images);
    }
  }
}
