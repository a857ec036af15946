package io.nereid.image;

import java.io.IOException;

/** An image, manifest or blob that the local store or a registry does not have. */
public class ImageNotFoundException extends IOException {

  public ImageNotFoundException(String message) {
    super(message);
  }
}
