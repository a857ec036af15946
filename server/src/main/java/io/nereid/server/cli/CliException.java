package io.nereid.server.cli;

/** A failed CLI command, with the exit code the process ends with. */
final class CliException extends RuntimeException {

  /** The admin API rejected the request or failed. */
  static final int REQUEST_FAILED = 1;
  /** The command line is invalid. */
  static final int USAGE = 2;
  /** The admin API could not be reached. */
  static final int UNREACHABLE = 3;

  private final int exitCode;

  CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
