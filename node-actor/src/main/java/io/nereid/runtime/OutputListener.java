package io.nereid.runtime;

/**
 * Receives a container's output live, as {@code docker attach} shows it. Calls come from the
 * runtime's reader threads, one per stream, so an implementation must be thread-safe and must
 * not block.
 */
public interface OutputListener {

  /** Receives bytes the container wrote to {@code stream}, in the order written. */
  void output(LogEntry.Stream stream, byte[] bytes);

  /** Called once when both output streams have ended, because the container exited. */
  void ended();
}
