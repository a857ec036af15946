package io.nereid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The common pool that runs the stages of Pekko's Java futures, in a JVM limited to two CPUs. */
class CommonPoolTest {

  /** Prints the common pool's parallelism and the thread an async stage runs on. */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("keep")) {
      Main.keepCallbacksOnCommonPool();
    }
    String thread = CompletableFuture.supplyAsync(() -> Thread.currentThread().getName()).get();
    System.out.println(ForkJoinPool.getCommonPoolParallelism() + " " + thread);
  }

  private static String probe(String... args) throws Exception {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:ActiveProcessorCount=2",
                "-cp",
                System.getProperty("java.class.path"),
                CommonPoolTest.class.getName()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "probe JVM timed out");
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertEquals(0, process.exitValue(), output);
    return output;
  }

  @Test
  void twoCpusGetPooledCallbacks() throws Exception {
    String without = probe();
    String with = probe("keep");

    // Without the setting, JDK 17 runs each async stage on a new thread (Thread-0, Thread-1, ...).
    assertTrue(without.startsWith("1 Thread-"), without);
    assertTrue(with.startsWith("2 ForkJoinPool.commonPool-worker-"), with);
  }
}
