package io.nereid.docker;

import io.nereid.container.Container;
import io.nereid.runtime.ResourceUsage;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON document of container stats, in the Docker Engine API's field names. */
final class StatsViews {

  /** Docker's "zero" time, which it reports for a sample that was never taken. */
  private static final String ZERO_TIME = "0001-01-01T00:00:00Z";

  private StatsViews() {}

  /**
   * @param previous the sample before, which the client subtracts to get a CPU percentage. A
   *     one-shot request has none, so this is null and the previous sample reads as zeros.
   */
  static Map<String, Object> sample(Container.State state, ResourceUsage current, ResourceUsage previous) {
    Map<String, Object> memory = new LinkedHashMap<>();
    memory.put("usage", current.memoryBytes());
    memory.put("stats", current.memoryStats());
    memory.put("limit", current.memoryLimitBytes());

    Map<String, Object> view = new LinkedHashMap<>();
    view.put("read", current.read().toString());
    view.put("preread", previous == null ? ZERO_TIME : previous.read().toString());
    view.put("pids_stats", Map.of("current", current.pids()));
    view.put("num_procs", 0);
    view.put("cpu_stats", cpu(current));
    view.put("precpu_stats", previous == null ? Map.of("cpu_usage", Map.of("total_usage", 0)) : cpu(previous));
    view.put("memory_stats", memory);
    view.put("name", "/" + state.name());
    view.put("id", state.containerId());
    return view;
  }

  /**
   * Returns the sample Docker sends for a container that does not run: only its name and ID, with
   * zero times and empty statistics, which the CLI shows as a row of zeros.
   */
  static Map<String, Object> zeros(Container.State state) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("read", ZERO_TIME);
    view.put("preread", ZERO_TIME);
    view.put("pids_stats", Map.of());
    view.put("num_procs", 0);
    view.put("cpu_stats", Map.of("cpu_usage", Map.of("total_usage", 0)));
    view.put("precpu_stats", Map.of("cpu_usage", Map.of("total_usage", 0)));
    view.put("memory_stats", Map.of());
    view.put("name", "/" + state.name());
    view.put("id", state.containerId());
    return view;
  }

  private static Map<String, Object> cpu(ResourceUsage usage) {
    Map<String, Object> cpu = new LinkedHashMap<>();
    cpu.put("cpu_usage", Map.of("total_usage", usage.cpuNanos()));
    cpu.put("system_cpu_usage", usage.systemCpuNanos());
    cpu.put("online_cpus", usage.onlineCpus());
    return cpu;
  }
}
