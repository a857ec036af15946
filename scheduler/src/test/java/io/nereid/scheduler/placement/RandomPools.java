package io.nereid.scheduler.placement;

import static io.nereid.scheduler.placement.PlacementFixtures.GIB;
import static io.nereid.scheduler.placement.PlacementFixtures.MIB;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/** Random pools and requests for the property tests and the benchmark, reproducible by seed. */
public final class RandomPools {

  private static final String[] ROLES = {"web", "db", "cache"};
  private static final String[] IMAGES = {
    "docker.io/library/redis:7", "nginx:1.25", "postgres:16", "registry:5000/team/app:1"
  };
  private static final String[] HARD_EXPRESSIONS = {
    "constraint:rack==r1",
    "constraint:rack!=r2",
    "constraint:storage==ssd",
    "constraint:node!=n0003",
    "constraint:rack==/r[12]/",
    "affinity:container!=web*",
    "affinity:role!=db",
    "affinity:image==redis",
    "affinity:container==db*",
  };
  private static final String[] SOFT_EXPRESSIONS = {
    "constraint:rack==~r3",
    "constraint:storage!=~hdd",
    "affinity:image==~nginx",
    "affinity:container!=~cache*",
    "affinity:role==~web",
  };

  private RandomPools() {}

  /**
   * Builds a pool of nodes with mixed sizes, statuses, labels, containers and images. Every node
   * starts within its effective capacity in every dimension.
   */
  public static PoolView pool(Random random, PoolSettings settings, int size) {
    PoolView pool = new PoolView(settings);
    for (int i = 0; i < size; i++) {
      pool.putNode(node(random, settings, String.format("n%04d", i)));
    }
    return pool;
  }

  private static NodeView node(Random random, PoolSettings settings, String id) {
    long[] memoryGib = {8, 16, 32, 64};
    ResourceVector capacity =
        new ResourceVector(
            2000L * (1 + random.nextInt(8)),
            memoryGib[random.nextInt(memoryGib.length)] * GIB,
            50L * (1 + random.nextInt(4)) * GIB);
    NodeView node = NodeView.ready(id, capacity).withStatus(randomStatus(random));

    Map<String, String> labels = new HashMap<>();
    labels.put("rack", "r" + (1 + random.nextInt(4)));
    if (random.nextInt(4) != 0) {
      labels.put("storage", random.nextBoolean() ? "ssd" : "hdd");
    }
    Set<String> images = new HashSet<>();
    for (String image : IMAGES) {
      if (random.nextInt(3) == 0) {
        images.add(image);
      }
    }
    node = node.withLabels(labels).withImages(images);

    double fill = random.nextDouble();
    ResourceVector base =
        new ResourceVector(
            (long) (settings.effectiveCapacity(node, Dimension.CPU) * fill * random.nextDouble()),
            (long) (settings.effectiveCapacity(node, Dimension.MEMORY) * fill),
            (long) (settings.effectiveCapacity(node, Dimension.DISK) * fill * random.nextDouble()));
    node = node.withReserved(base);
    int containers = random.nextInt(4);
    for (int c = 0; c < containers; c++) {
      String role = ROLES[random.nextInt(ROLES.length)];
      node =
          node.withContainer(
              new PlacedContainer(hexId(random), role + "-" + id + "-" + c, Map.of("role", role)));
    }
    return node;
  }

  private static NodeView.Status randomStatus(Random random) {
    if (random.nextInt(100) < 85) {
      return NodeView.Status.READY;
    }
    NodeView.Status[] statuses = NodeView.Status.values();
    return statuses[random.nextInt(statuses.length)];
  }

  /**
   * Builds a request of 256 MiB to 8 GiB (or no memory limit), up to 2 cores and 20 GiB of disk.
   * With {@code withExpressions}, it carries up to two hard and two soft expressions.
   */
  public static PlacementRequest request(Random random, int index, boolean withExpressions) {
    String role = ROLES[random.nextInt(ROLES.length)];
    PlacementRequest.Builder builder =
        PlacementRequest.builder(hexId(random))
            .name(role + "-" + index)
            .labels(Map.of("role", role))
            .image(IMAGES[random.nextInt(IMAGES.length)])
            .cpuMillis(random.nextInt(3) == 0 ? 0 : 100L * random.nextInt(21))
            .diskBytes(random.nextInt(3) == 0 ? 0 : GIB * random.nextInt(21));
    if (random.nextInt(10) != 0) {
      builder.memoryBytes(256 * MIB * (1 + random.nextInt(32)));
    }
    if (withExpressions) {
      List<String> env = new ArrayList<>();
      for (int i = random.nextInt(3); i > 0; i--) {
        env.add(HARD_EXPRESSIONS[random.nextInt(HARD_EXPRESSIONS.length)]);
      }
      for (int i = random.nextInt(3); i > 0; i--) {
        env.add(SOFT_EXPRESSIONS[random.nextInt(SOFT_EXPRESSIONS.length)]);
      }
      builder.env(env);
    }
    return builder.build();
  }

  private static String hexId(Random random) {
    StringBuilder id = new StringBuilder(64);
    for (int i = 0; i < 4; i++) {
      id.append(String.format("%016x", random.nextLong()));
    }
    return id.toString();
  }
}
