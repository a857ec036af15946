package io.nereid.server;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parsed arguments of {@code nereid COMMAND [--option VALUE]...}.
 *
 * @param options option name without the leading dashes, to value
 */
record CommandLine(String command, Map<String, String> options) {

  static final String USAGE =
      """
      usage: nereid COMMAND [OPTIONS]

      commands:
        up       start a single-machine cluster: embedded Cassandra, one member with the
                 control and compute roles, and virtual compute nodes
        run      start one member as its configuration says (production)
        schema   create Nereid's keyspaces and tables in the configured Cassandra
        help     print this text
        test     run the test suite (handled by the ./nereid launcher)

      operator commands, clients of a running member's admin API (run "nereid node help"):
        node, pool, container, account, cluster, health, metrics

      options:
        --config FILE       HOCON file layered over the defaults
        --data-dir DIR      directory for the log and, in dev mode, Cassandra's data
                            (default ./data)
        --admin-port PORT   admin API port (default 9375)
        --docker-port PORT  Docker API port (default 2375)
      """;

  private static final Map<String, Set<String>> OPTIONS_BY_COMMAND =
      Map.of(
          "up", Set.of("config", "data-dir", "admin-port", "docker-port"),
          "run", Set.of("config", "data-dir", "admin-port", "docker-port"),
          "schema", Set.of("config"),
          "help", Set.of());

  /** Parses the arguments; throws {@link IllegalArgumentException} with a one-line message. */
  static CommandLine parse(List<String> args) {
    if (args.isEmpty()) {
      throw new IllegalArgumentException("missing command; run \"nereid help\" for usage");
    }
    String command = args.get(0);
    Set<String> allowed = OPTIONS_BY_COMMAND.get(command);
    if (allowed == null) {
      throw new IllegalArgumentException(
          "unknown command \"" + command + "\"; run \"nereid help\" for usage");
    }
    Map<String, String> options = new HashMap<>();
    for (int i = 1; i < args.size(); i++) {
      String arg = args.get(i);
      String name;
      String value;
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument \"" + arg + "\"");
      }
      int equals = arg.indexOf('=');
      if (equals > 0) {
        name = arg.substring(2, equals);
        value = arg.substring(equals + 1);
      } else {
        name = arg.substring(2);
        if (!allowed.contains(name)) {
          throw new IllegalArgumentException(
              "unknown option --" + name + " for \"" + command + "\"; run \"nereid help\"");
        }
        if (i + 1 >= args.size()) {
          throw new IllegalArgumentException("option --" + name + " needs a value");
        }
        value = args.get(++i);
      }
      if (!allowed.contains(name)) {
        throw new IllegalArgumentException(
            "unknown option --" + name + " for \"" + command + "\"; run \"nereid help\"");
      }
      options.put(name, value);
    }
    return new CommandLine(command, Map.copyOf(options));
  }

  /** Returns the value of a port option, or -1 when it is absent. */
  int port(String name) {
    String value = options.get(name);
    if (value == null) {
      return -1;
    }
    try {
      int port = Integer.parseInt(value);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "option --" + name + " must be a TCP port (0-65535), got \"" + value + "\"");
  }
}
