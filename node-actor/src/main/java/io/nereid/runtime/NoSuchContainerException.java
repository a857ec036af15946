package io.nereid.runtime;

/** An operation on a container ID the runtime does not hold. */
public class NoSuchContainerException extends ContainerException {

  public NoSuchContainerException(String id) {
    super("no such container: " + id);
  }
}
