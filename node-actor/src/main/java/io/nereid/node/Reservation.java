package io.nereid.node;

import io.nereid.persistence.CborSerializable;
import java.util.Map;

/**
 * The share of a node that one container reserves: its resources, plus the name, image and
 * labels that affinity rules match against.
 */
public record Reservation(
    Resources resources, String containerName, String image, Map<String, String> labels)
    implements CborSerializable {

  public Reservation {
    containerName = containerName == null ? "" : containerName;
    image = image == null ? "" : image;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  /** Creates a reservation known only by its amount, for callers without container details. */
  public static Reservation of(Resources resources) {
    return new Reservation(resources, "", "", Map.of());
  }
}
