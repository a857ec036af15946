package io.nereid.runtime;

/** A container operation that failed; the message names the container and the cause. */
public class ContainerException extends Exception {

  public ContainerException(String message) {
    super(message);
  }

  public ContainerException(String message, Throwable cause) {
    super(message, cause);
  }
}
