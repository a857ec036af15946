package io.nereid.runtime;

/** An operation the container's state does not allow, such as removing a running container. */
public class ContainerConflictException extends ContainerException {

  public ContainerConflictException(String message) {
    super(message);
  }
}
