package io.nereid.image;

import java.util.List;

/**
 * Follows one pull, for example to show progress to a client. Calls come from the puller's
 * worker threads, layers concurrently, so implementations must be thread-safe and must not block.
 */
public interface PullListener {

  PullListener NONE = new PullListener() {};

  /**
   * The manifest is chosen: these are the image's layers, lowest first, and {@code missing}
   * tells for each whether it will be downloaded or is stored already.
   */
  default void resolved(ImageReference reference, List<Descriptor> layers, List<Boolean> missing) {}

  /** {@code bytes} of a layer's compressed blob have arrived so far. */
  default void downloading(Descriptor layer, long bytes) {}

  /** A layer is downloaded, verified and stored. */
  default void stored(Descriptor layer) {}
}
