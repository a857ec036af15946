package io.nereid.scheduler.placement;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A container present on a node, as affinity expressions and releases see it.
 *
 * <p>A pool view contains every container of every node (256,557 in the benchmark's view of 10,000
 * nodes), and as a {@code String} a Docker id of 64 hex digits takes 104 bytes, most of a
 * container's heap. So an id of 64 lowercase hex digits is kept as four {@code long}s, 32 bytes, and
 * {@link #id()} formats it again on each call. Any other id is kept as given.
 */
public final class PlacedContainer {

  private static final int HEX_ID_LENGTH = 64;
  private static final int HEX_PER_LONG = 16;

  /** The id as given, or null when it is held in the four {@code long}s, first digits first. */
  private final String textId;

  private final long id0;
  private final long id1;
  private final long id2;
  private final long id3;
  private final String name;
  private final Map<String, String> labels;
  private final ResourceVector reserved;

  /**
   * Creates a container.
   *
   * @param name the Docker name without the leading {@code /} that the Engine API adds, or empty
   *     when the container has no name
   * @param reserved the resources reserved for this container on the node, which {@link
   *     PoolView#release} gives back. It is {@link ResourceVector#ZERO} when the caller does not
   *     know the amount, and then a release frees nothing.
   */
  public PlacedContainer(
      String id, String name, Map<String, String> labels, ResourceVector reserved) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(reserved, "reserved");
    if (id.isBlank()) {
      throw new IllegalArgumentException("container id must not be blank");
    }
    boolean compact = isLowercaseHexId(id);
    this.textId = compact ? null : id;
    this.id0 = compact ? hexPart(id, 0) : 0;
    this.id1 = compact ? hexPart(id, 1) : 0;
    this.id2 = compact ? hexPart(id, 2) : 0;
    this.id3 = compact ? hexPart(id, 3) : 0;
    this.name = name.startsWith("/") ? name.substring(1) : name;
    this.labels = Map.copyOf(labels);
    this.reserved = reserved;
  }

  /** Creates a container whose reservation is unknown, so releasing it frees nothing. */
  public PlacedContainer(String id, String name, Map<String, String> labels) {
    this(id, name, labels, ResourceVector.ZERO);
  }

  public String id() {
    if (textId != null) {
      return textId;
    }
    StringBuilder text = new StringBuilder(HEX_ID_LENGTH);
    for (long bits : new long[] {id0, id1, id2, id3}) {
      String part = Long.toHexString(bits);
      text.append("0".repeat(HEX_PER_LONG - part.length())).append(part);
    }
    return text.toString();
  }

  /** Returns whether this container has the id, without formatting its own. */
  public boolean hasId(String id) {
    return find(List.of(this), id) != null;
  }

  /**
   * Returns the first of the containers with the id, or null. The id is parsed once for the whole
   * list, so a node with hundreds of containers costs four {@code long} comparisons per container.
   */
  static PlacedContainer find(List<PlacedContainer> containers, String id) {
    if (!isLowercaseHexId(id)) {
      for (PlacedContainer container : containers) {
        if (id.equals(container.textId)) {
          return container;
        }
      }
      return null;
    }
    long part0 = hexPart(id, 0);
    long part1 = hexPart(id, 1);
    long part2 = hexPart(id, 2);
    long part3 = hexPart(id, 3);
    for (PlacedContainer container : containers) {
      if (container.textId == null
          && container.id0 == part0
          && container.id1 == part1
          && container.id2 == part2
          && container.id3 == part3) {
        return container;
      }
    }
    return null;
  }

  /** Parses the given quarter of a 64-digit hex id. */
  private static long hexPart(String id, int quarter) {
    return Long.parseUnsignedLong(
        id, quarter * HEX_PER_LONG, (quarter + 1) * HEX_PER_LONG, HEX_PER_LONG);
  }

  public String name() {
    return name;
  }

  public Map<String, String> labels() {
    return labels;
  }

  public ResourceVector reserved() {
    return reserved;
  }

  private static boolean isLowercaseHexId(String id) {
    if (id.length() != HEX_ID_LENGTH) {
      return false;
    }
    for (int i = 0; i < HEX_ID_LENGTH; i++) {
      char c = id.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    return other instanceof PlacedContainer that
        && Objects.equals(textId, that.textId)
        && id0 == that.id0
        && id1 == that.id1
        && id2 == that.id2
        && id3 == that.id3
        && name.equals(that.name)
        && labels.equals(that.labels)
        && reserved.equals(that.reserved);
  }

  @Override
  public int hashCode() {
    return Objects.hash(textId, id0, id1, id2, id3, name, labels, reserved);
  }

  @Override
  public String toString() {
    return "PlacedContainer[id="
        + id()
        + ", name="
        + name
        + ", labels="
        + labels
        + ", reserved="
        + reserved
        + "]";
  }
}
