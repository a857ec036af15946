package io.nereid.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Writes the report of a run as Markdown: seed, faults, operations, failures and violations. */
final class RunReport {

  private RunReport() {}

  static String render(String profile, long seed, long elapsedMs, ChaosRun run) {
    StringBuilder out = new StringBuilder();
    out.append("# Chaos run, profile ").append(profile).append("\n\n");
    out.append("- seed: ").append(seed).append(" (replay with -Dnereid.chaos.seed=").append(seed).append(")\n");
    out.append("- elapsed: ").append(elapsedMs / 1000).append(" s\n");
    out.append("- convergence bound: ").append(ChaosRun.CONVERGENCE_BOUND.toSeconds()).append(" s\n\n");

    out.append("## Faults\n\n");
    out.append("| scenario | fault at (s) | undone at (s) | restarted by healing | recovery (ms) | convergence (ms) | violations |\n");
    out.append("| --- | --- | --- | --- | --- | --- | --- |\n");
    for (ChaosRun.Result result : run.results()) {
      out.append("| ")
          .append(result.scenario().describe())
          .append(" | ")
          .append(result.faultAtMs() / 1000.0)
          .append(" | ")
          .append(result.undoneAtMs() / 1000.0)
          .append(" | ")
          .append(result.restarted().isEmpty() ? "none" : String.join(", ", result.restarted()))
          .append(" | ")
          .append(result.recoveryMs())
          .append(" | ")
          .append(result.convergenceMs() < 0 ? "not within bound" : Long.toString(result.convergenceMs()))
          .append(" | ")
          .append(result.violations().size())
          .append(" |\n");
    }

    List<Operation> operations = run.history().operations();
    out.append("\n## Operations\n\n");
    out.append("| type | ok | fail | unknown |\n| --- | --- | --- | --- |\n");
    for (Operation.Type type : Operation.Type.values()) {
      Map<Operation.Outcome, Long> counts =
          operations.stream()
              .filter(operation -> operation.type() == type)
              .collect(Collectors.groupingBy(Operation::outcome, Collectors.counting()));
      out.append("| ")
          .append(type.name().toLowerCase())
          .append(" | ")
          .append(counts.getOrDefault(Operation.Outcome.OK, 0L))
          .append(" | ")
          .append(counts.getOrDefault(Operation.Outcome.FAIL, 0L))
          .append(" | ")
          .append(counts.getOrDefault(Operation.Outcome.UNKNOWN, 0L))
          .append(" |\n");
    }

    out.append("\n## Failures by kind\n\n");
    Map<String, Long> kinds =
        operations.stream()
            .filter(operation -> !operation.ok())
            .collect(Collectors.groupingBy(Operation::kind, TreeMap::new, Collectors.counting()));
    if (kinds.isEmpty()) {
      out.append("none\n");
    }
    kinds.forEach((kind, count) -> out.append("- ").append(kind).append(": ").append(count).append('\n'));

    out.append("\n## Violations\n\n");
    boolean any = false;
    for (ChaosRun.Result result : run.results()) {
      for (Violation violation : result.violations()) {
        any = true;
        out.append("- after ").append(result.scenario().fault()).append(": ").append(violation).append('\n');
      }
    }
    if (!any) {
      out.append("none\n");
    }
    return out.toString();
  }

  static void write(Path file, String report) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, report, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the report " + file, e);
    }
  }
}
