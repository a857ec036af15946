package io.nereid.image;

import java.util.Set;

/** An image that containers were created from was to be deleted without force. */
public final class ImageInUseException extends java.io.IOException {

  private final Set<String> containers;

  public ImageInUseException(String message, Set<String> containers) {
    super(message);
    this.containers = Set.copyOf(containers);
  }

  /** Returns the ids of the containers created from the image. */
  public Set<String> containers() {
    return containers;
  }
}
