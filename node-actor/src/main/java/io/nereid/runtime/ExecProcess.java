package io.nereid.runtime;

import java.util.concurrent.CompletionStage;

/** A process started in a running container by {@link ContainerRuntime#startExec}. */
public interface ExecProcess {

  /** Writes to the process's stdin; fails unless it was started with an open stdin. */
  CompletionStage<Void> writeStdin(byte[] bytes);

  /** Closes the process's stdin, so that it reads end of file. */
  CompletionStage<Void> closeStdin();

  /** Returns a stage that completes with the exit code once the process exited and its output ended. */
  CompletionStage<Integer> exit();
}
