package io.nereid.docker;

import io.nereid.agent.NodeAgent;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The parameters of {@code GET /containers/{id}/logs}, as the Docker daemon reads them.
 *
 * @param since lines at or after this time; null means no bound
 * @param until lines before this time; null means no bound (the request's 0)
 * @param tail the number of lines from the end of the log; -1 means all
 */
record LogQuery(
    boolean stdout, boolean stderr, boolean follow, boolean timestamps, Instant since, Instant until, int tail) {

  static LogQuery parse(Map<String, String> query) {
    boolean stdout = isTrue(query.get("stdout"));
    boolean stderr = isTrue(query.get("stderr"));
    if (!stdout && !stderr) {
      throw DockerApiException.badRequest("Bad parameters: you must choose at least one stream");
    }
    return new LogQuery(
        stdout,
        stderr,
        isTrue(query.get("follow")),
        isTrue(query.get("timestamps")),
        time(query.get("since"), "since"),
        time(query.get("until"), "until"),
        tail(query.get("tail")));
  }

  private static boolean isTrue(String value) {
    return value != null && (value.equals("1") || value.equalsIgnoreCase("true"));
  }

  /** Reads a Unix time in seconds with an optional fraction, as the docker CLI sends it; 0 means none. */
  private static Instant time(String value, String name) {
    if (value == null || value.isEmpty()) {
      return null;
    }
    try {
      BigDecimal seconds = new BigDecimal(value);
      if (seconds.signum() == 0) {
        return null;
      }
      long whole = seconds.longValue();
      long nanos = seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).longValue();
      return Instant.ofEpochSecond(whole, nanos);
    } catch (NumberFormatException | ArithmeticException e) {
      throw DockerApiException.badRequest(
          "invalid value for " + name + ": \"" + value + "\", expected a Unix time in seconds such as 1700000000.5");
    }
  }

  /** Reads the tail count; like the Docker daemon, anything but a number of lines means all. */
  private static int tail(String value) {
    if (value == null) {
      return -1;
    }
    try {
      return Math.max(Integer.parseInt(value), -1);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Applies the tail and then the time bounds, in the order the Docker daemon applies them. */
  List<NodeAgent.LogLines.Line> select(List<NodeAgent.LogLines.Line> lines) {
    List<NodeAgent.LogLines.Line> tailed =
        tail < 0 || tail >= lines.size() ? lines : lines.subList(lines.size() - tail, lines.size());
    return tailed.stream().filter(this::inTimeRange).toList();
  }

  boolean inTimeRange(NodeAgent.LogLines.Line line) {
    if (since != null && line.time().isBefore(since)) {
      return false;
    }
    return until == null || line.time().isBefore(until);
  }
}
