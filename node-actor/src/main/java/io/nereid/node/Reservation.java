package io.nereid.node;

import io.nereid.persistence.CborSerializable;
import java.util.Map;

/**
 * What one container holds on a node: its resources, plus the name, image and labels that
 * affinity rules match against.
 */
public record Reservation(
    Resources resources, String containerName, String image, Map<String, String> labels)
    implements CborSerializable {

  public Reservation {
    containerName = containerName == null ? "" : containerName;
    image = image == null ? "" : image;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  /** A reservation known only by its amount, as when the caller has no container details. */
  public static Reservation of(Resources resources) {
    return new Reservation(resources, "", "", Map.of());
  }
}
