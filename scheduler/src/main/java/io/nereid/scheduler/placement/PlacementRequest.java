package io.nereid.scheduler.placement;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A container to place, with its resource requests, labels and placement expressions.
 *
 * @param name the Docker name without a leading {@code /}, or empty when the container has none
 * @param labels the container's labels, which later affinity expressions of other containers match
 * @param memoryBytes the memory limit; ignored when {@code noMemoryLimit} is true
 * @param noMemoryLimit whether the user gave no memory limit, so the pool's default memory request
 *     counts instead (see {@link PoolSettings#demandOf})
 * @param cpuMillis the CPU limit in millicores, or 0 when none was given, and then the container
 *     reserves no CPU
 * @param expressions constraints and affinities, hard and soft, in the order they were written
 */
public record PlacementRequest(
    String containerId,
    String name,
    Map<String, String> labels,
    String image,
    long memoryBytes,
    boolean noMemoryLimit,
    long cpuMillis,
    long diskBytes,
    List<Expression> expressions) {

  public PlacementRequest {
    Objects.requireNonNull(containerId, "containerId");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(image, "image");
    if (containerId.isBlank()) {
      throw new IllegalArgumentException("containerId must not be blank");
    }
    if (memoryBytes < 0 || cpuMillis < 0 || diskBytes < 0) {
      throw new IllegalArgumentException(
          "resource requests must not be negative: memoryBytes="
              + memoryBytes
              + " cpuMillis="
              + cpuMillis
              + " diskBytes="
              + diskBytes
              + " for container "
              + containerId);
    }
    name = name.startsWith("/") ? name.substring(1) : name;
    labels = Map.copyOf(labels);
    expressions = List.copyOf(expressions);
  }

  public static Builder builder(String containerId) {
    return new Builder(containerId);
  }

  public List<Expression> constraints() {
    return expressions.stream().filter(e -> e.kind() == Expression.Kind.CONSTRAINT).toList();
  }

  public List<Expression> affinities() {
    return expressions.stream().filter(e -> e.kind() == Expression.Kind.AFFINITY).toList();
  }

  /**
   * Collects a request the way the Docker API delivers it and parses its placement expressions in
   * {@link #build()}.
   */
  public static final class Builder {
    private final String containerId;
    private String name = "";
    private Map<String, String> labels = Map.of();
    private String image = "";
    private long memoryBytes;
    private boolean noMemoryLimit = true;
    private long cpuMillis;
    private long diskBytes;
    private List<String> env = List.of();
    private final List<String> constraints = new ArrayList<>();
    private final List<String> affinities = new ArrayList<>();

    private Builder(String containerId) {
      this.containerId = containerId;
    }

    public Builder name(String value) {
      this.name = value;
      return this;
    }

    /** Sets the labels, which may contain the Swarm constraint and affinity labels. */
    public Builder labels(Map<String, String> value) {
      this.labels = value;
      return this;
    }

    public Builder image(String value) {
      this.image = value;
      return this;
    }

    /** Sets the memory limit in bytes, so the default memory request no longer applies. */
    public Builder memoryBytes(long value) {
      this.memoryBytes = value;
      this.noMemoryLimit = false;
      return this;
    }

    public Builder cpuMillis(long value) {
      this.cpuMillis = value;
      return this;
    }

    /**
     * Sets the CPU limit from Docker's {@code NanoCpus} (billionths of a core, {@code --cpus 1.5}
     * is 1500000000), rounding up to whole millicores so the reservation never falls short.
     */
    public Builder nanoCpus(long value) {
      if (value < 0) {
        throw new IllegalArgumentException("nanoCpus must not be negative, got " + value);
      }
      this.cpuMillis = value / 1_000_000 + (value % 1_000_000 == 0 ? 0 : 1);
      return this;
    }

    public Builder diskBytes(long value) {
      this.diskBytes = value;
      return this;
    }

    /** Sets the environment, whose {@code constraint:} and {@code affinity:} entries apply. */
    public Builder env(List<String> value) {
      this.env = value;
      return this;
    }

    /** Adds a constraint written without the {@code constraint:} prefix. */
    public Builder constraint(String expression) {
      constraints.add(expression);
      return this;
    }

    /** Adds an affinity written without the {@code affinity:} prefix. */
    public Builder affinity(String expression) {
      affinities.add(expression);
      return this;
    }

    /**
     * Parses every expression and builds the request. Expressions from labels come first, then
     * environment entries, then those added one by one.
     *
     * @throws InvalidExpressionException for the first expression that does not parse
     */
    public PlacementRequest build() {
      List<Expression> expressions = new ArrayList<>(ExpressionParser.fromLabels(labels));
      expressions.addAll(ExpressionParser.fromEnv(env));
      for (String text : constraints) {
        expressions.add(ExpressionParser.parse(Expression.Kind.CONSTRAINT, text));
      }
      for (String text : affinities) {
        expressions.add(ExpressionParser.parse(Expression.Kind.AFFINITY, text));
      }
      return new PlacementRequest(
          containerId,
          name,
          labels,
          image,
          memoryBytes,
          noMemoryLimit,
          cpuMillis,
          diskBytes,
          expressions);
    }
  }
}
