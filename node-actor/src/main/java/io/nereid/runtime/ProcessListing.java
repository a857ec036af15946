package io.nereid.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Runs {@code ps} on the node and keeps the rows of one container's processes. */
final class ProcessListing {

  private ProcessListing() {}

  /**
   * Runs {@code ps} with {@code psArgs} (such as {@code -ef}) and returns its header and the rows
   * whose PID column is among {@code pids}. Throws when ps fails or prints no PID column.
   */
  static ProcessTable list(List<String> psArgs, Set<Long> pids) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("ps");
    command.addAll(psArgs);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException("ps " + String.join(" ", psArgs) + " timed out");
    }
    if (process.exitValue() != 0) {
      throw new IllegalArgumentException("ps " + String.join(" ", psArgs) + " failed: " + output.strip());
    }
    return parse(output, pids);
  }

  /** Splits ps output into columns; the last column, the command, keeps its spaces. */
  static ProcessTable parse(String output, Set<Long> pids) {
    List<String> lines = output.lines().filter(line -> !line.isBlank()).toList();
    if (lines.isEmpty()) {
      throw new IllegalArgumentException("ps printed nothing");
    }
    List<String> titles = Arrays.asList(lines.get(0).trim().split("\\s+"));
    int pidColumn = titles.indexOf("PID");
    if (pidColumn < 0) {
      throw new IllegalArgumentException("Couldn't find PID field in ps output");
    }
    List<List<String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      List<String> fields = Arrays.asList(line.trim().split("\\s+", titles.size()));
      if (fields.size() <= pidColumn) {
        continue;
      }
      try {
        if (pids.contains(Long.parseLong(fields.get(pidColumn)))) {
          rows.add(fields);
        }
      } catch (NumberFormatException e) {
        // A line that is no process row, such as a repeated header.
      }
    }
    return new ProcessTable(titles, rows);
  }
}
