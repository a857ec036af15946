package io.nereid.runtime;

import java.nio.charset.StandardCharsets;

/** What an exec'd process wrote and how it exited. */
public record ExecResult(int exitCode, byte[] stdout, byte[] stderr) {

  public String stdoutText() {
    return new String(stdout, StandardCharsets.UTF_8);
  }

  public String stderrText() {
    return new String(stderr, StandardCharsets.UTF_8);
  }
}
