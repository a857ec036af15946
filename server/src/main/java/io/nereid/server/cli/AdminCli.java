package io.nereid.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operator commands of {@code ./nereid} ({@code node ls}, {@code cluster status}, ...): each
 * one calls the admin API and prints a table, or the JSON document with {@code --json}. Exit
 * codes: 0 on success, 1 when the API rejects or fails the request, 2 for an invalid command
 * line, 3 when the API cannot be reached.
 */
public final class AdminCli {

  /** The first words that select this program in the {@code ./nereid} launcher. */
  public static final List<String> RESOURCES =
      List.of("node", "pool", "container", "account", "cluster", "health", "metrics");

  static final String USAGE =
      """
      usage: nereid [--admin URL] [--token TOKEN] [--json] RESOURCE COMMAND [ARGS]

        node ls [--status S[,S]] [--pool P] [--label KEY=VALUE]...
        node inspect ID
        node cordon|uncordon|drain|lost|decommission ID
        node label ID [KEY=VALUE]...        replaces the node's labels
        pool ls                             pools with strategy, overcommit (cpu/memory/disk),
                                            capacity, reservations and
                                            density (nodes used / fewest nodes that would do)
        pool inspect POOL
        container ls [--name NAME] [--account ACCOUNT]
        container inspect|history|placement REF    REF: id, unique id prefix or name
        container rm [--force] REF
        account ls
        account inspect ID
        account quota ID [--containers N] [--memory BYTES[k|m|g]] [--cpus N]
                                            changes the given limits; "none" removes one
        cluster status
        health
        metrics                             the Prometheus text of GET /metrics

      options:
        --admin URL     admin API address (default $NEREID_ADMIN or http://127.0.0.1:9375)
        --token TOKEN   bearer token (default $NEREID_ADMIN_TOKEN)
        --json          print the API's JSON instead of a table

      exit codes: 0 success, 1 request rejected or failed, 2 invalid command line,
      3 admin API unreachable
      """;

  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;

  AdminCli(PrintStream out, PrintStream err, Map<String, String> env) {
    this.out = out;
    this.err = err;
    this.env = env;
  }

  public static void main(String[] args) {
    int code = new AdminCli(System.out, System.err, System.getenv()).run(Arrays.asList(args));
    System.exit(code);
  }

  /** Runs one command and returns the exit code. */
  int run(List<String> args) {
    try {
      Arguments parsed = Arguments.parse(args);
      if (parsed.words().isEmpty() || parsed.words().contains("help")) {
        out.print(USAGE);
        return parsed.words().isEmpty() ? CliException.USAGE : 0;
      }
      String admin = parsed.option("admin", env.getOrDefault("NEREID_ADMIN", "http://127.0.0.1:9375"));
      String token = parsed.option("token", env.getOrDefault("NEREID_ADMIN_TOKEN", ""));
      AdminClient client = new AdminClient(baseUri(admin), token);
      new Commands(client, parsed, out).run();
      return 0;
    } catch (CliException e) {
      err.println("nereid: " + e.getMessage());
      return e.exitCode();
    }
  }

  private static URI baseUri(String admin) {
    String withScheme = admin.contains("://") ? admin : "http://" + admin;
    try {
      URI uri = URI.create(withScheme.endsWith("/") ? withScheme : withScheme + "/");
      if (uri.getHost() == null) {
        throw new IllegalArgumentException("no host");
      }
      return uri;
    } catch (IllegalArgumentException e) {
      throw new CliException(
          CliException.USAGE, "invalid admin address \"" + admin + "\"; use http://HOST:PORT");
    }
  }

  /**
   * The command line: words in order, and options by name. {@code --json} and {@code --force}
   * take no value; every other option takes the next argument, and {@code --label} may repeat.
   */
  record Arguments(List<String> words, Map<String, List<String>> options) {

    private static final List<String> FLAGS = List.of("json", "force");
    private static final List<String> VALUED =
        List.of("admin", "token", "status", "pool", "label", "name", "account", "containers", "memory", "cpus");

    static Arguments parse(List<String> args) {
      List<String> words = new ArrayList<>();
      Map<String, List<String>> options = new LinkedHashMap<>();
      for (int i = 0; i < args.size(); i++) {
        String arg = args.get(i);
        if (arg.equals("-f")) {
          arg = "--force";
        }
        if (!arg.startsWith("--")) {
          words.add(arg);
          continue;
        }
        String name = arg.substring(2);
        String value = "true";
        int equals = name.indexOf('=');
        if (equals > 0) {
          value = name.substring(equals + 1);
          name = name.substring(0, equals);
        } else if (VALUED.contains(name)) {
          if (i + 1 >= args.size()) {
            throw new CliException(CliException.USAGE, "option --" + name + " needs a value");
          }
          value = args.get(++i);
        }
        if (!FLAGS.contains(name) && !VALUED.contains(name)) {
          throw new CliException(
              CliException.USAGE, "unknown option --" + name + "; run \"nereid help\" for usage");
        }
        options.computeIfAbsent(name, key -> new ArrayList<>()).add(value);
      }
      return new Arguments(words, options);
    }

    String option(String name, String fallback) {
      List<String> values = options.get(name);
      return values == null ? fallback : values.get(values.size() - 1);
    }

    List<String> all(String name) {
      return options.getOrDefault(name, List.of());
    }

    boolean flag(String name) {
      return options.containsKey(name);
    }
  }

  /** One command run against the admin API. */
  private static final class Commands {

    private final AdminClient client;
    private final Arguments args;
    private final PrintStream out;
    private final boolean json;

    Commands(AdminClient client, Arguments args, PrintStream out) {
      this.client = client;
      this.args = args;
      this.out = out;
      this.json = args.flag("json");
    }

    void run() {
      String resource = args.words().get(0);
      String command = args.words().size() > 1 ? args.words().get(1) : "";
      switch (resource) {
        case "node" -> node(command);
        case "pool" -> pool(command);
        case "container" -> container(command);
        case "account" -> account(command);
        case "cluster" -> cluster(command);
        case "health" -> health();
        case "metrics" -> out.print(client.text("GET", "metrics", null));
        default ->
            throw new CliException(
                CliException.USAGE,
                "unknown resource \"" + resource + "\"; use one of " + RESOURCES);
      }
    }

    private void node(String command) {
      switch (command) {
        case "ls" -> {
          StringBuilder query = new StringBuilder();
          appendQuery(query, "status", args.all("status"));
          appendQuery(query, "pool", args.all("pool"));
          appendQuery(query, "label", args.all("label"));
          JsonNode nodes = client.get("v1/nodes" + query);
          if (!printJson(nodes)) {
            Table table = new Table("ID", "POOL", "STATUS", "CPUS", "MEMORY", "DISK", "CONTAINERS", "LABELS");
            for (JsonNode node : nodes) {
              table.add(
                  node.path("id").asText(),
                  node.path("pool").asText(),
                  node.path("status").asText(),
                  Formats.cpus(node.path("reserved")) + "/" + Formats.cpus(node.path("capacity")),
                  Formats.bytes(node.path("reserved").path("memoryBytes")) + "/" + Formats.bytes(node.path("capacity").path("memoryBytes")),
                  Formats.bytes(node.path("reserved").path("diskBytes")) + "/" + Formats.bytes(node.path("capacity").path("diskBytes")),
                  node.path("containers").asText(),
                  Formats.labels(node.path("labels")));
            }
            table.print(out);
          }
        }
        case "inspect" -> {
          JsonNode node = client.get("v1/nodes/" + segment(argument(2, "node ID")));
          if (!printJson(node)) {
            printFields(node, "id", "pool", "status", "statusChangedAt");
            out.println("labels: " + Formats.labels(node.path("labels")));
            Table usage = new Table("DIMENSION", "RESERVED", "CAPACITY", "USED");
            JsonNode utilization = node.path("utilization");
            usage.add("cpus", Formats.number(utilization.path("cpus").path("reserved")), Formats.number(utilization.path("cpus").path("capacity")), Formats.percent(utilization.path("cpus")));
            usage.add("memory", Formats.bytes(utilization.path("memoryBytes").path("reserved")), Formats.bytes(utilization.path("memoryBytes").path("capacity")), Formats.percent(utilization.path("memoryBytes")));
            usage.add("disk", Formats.bytes(utilization.path("diskBytes").path("reserved")), Formats.bytes(utilization.path("diskBytes").path("capacity")), Formats.percent(utilization.path("diskBytes")));
            out.println();
            usage.print(out);
            out.println();
            Table reservations = new Table("CONTAINER", "NAME", "IMAGE", "STATUS", "CPUS", "MEMORY");
            node.path("reservations")
                .fields()
                .forEachRemaining(
                    entry ->
                        reservations.add(
                            Formats.shortId(entry.getKey()),
                            entry.getValue().path("name").asText(),
                            entry.getValue().path("image").asText(),
                            entry.getValue().path("status").asText(),
                            Formats.cpus(entry.getValue().path("reserved")),
                            Formats.bytes(entry.getValue().path("reserved").path("memoryBytes"))));
            reservations.print(out);
          }
        }
        case "cordon", "uncordon", "drain", "lost", "decommission" -> {
          String id = argument(2, "node ID");
          JsonNode node = client.json("POST", "v1/nodes/" + segment(id) + "/" + command, null);
          if (!printJson(node)) {
            out.println("node " + id + " is " + node.path("status").asText());
          }
        }
        case "label" -> {
          String id = argument(2, "node ID");
          ObjectNode labels = AdminClient.JSON.createObjectNode();
          for (String pair : args.words().subList(3, args.words().size())) {
            int equals = pair.indexOf('=');
            if (equals <= 0) {
              throw new CliException(CliException.USAGE, "invalid label \"" + pair + "\"; use KEY=VALUE");
            }
            labels.put(pair.substring(0, equals), pair.substring(equals + 1));
          }
          JsonNode node = client.json("PUT", "v1/nodes/" + segment(id) + "/labels", labels.toString());
          if (!printJson(node)) {
            out.println("node " + id + " labels: " + Formats.labels(node.path("labels")));
          }
        }
        default -> unknownCommand("node", "ls, inspect, cordon, uncordon, drain, lost, decommission, label");
      }
    }

    private void pool(String command) {
      switch (command) {
        case "ls" -> {
          JsonNode pools = client.get("v1/pools");
          if (!printJson(pools)) {
            Table table = new Table("POOL", "STRATEGY", "OVERCOMMIT", "NODES", "CPUS", "MEMORY", "DENSITY");
            for (JsonNode pool : pools) {
              table.add(
                  pool.path("pool").asText(),
                  pool.path("strategy").asText(),
                  overcommit(pool.path("overcommit")),
                  pool.path("nodeCount").asText(),
                  Formats.cpus(pool.path("reserved")) + "/" + Formats.cpus(pool.path("capacity")),
                  Formats.bytes(pool.path("reserved").path("memoryBytes"))
                      + "/"
                      + Formats.bytes(pool.path("capacity").path("memoryBytes")),
                  pool.path("density").path("nodesUsed").asText()
                      + "/"
                      + pool.path("density").path("lowerBound").asText());
            }
            table.print(out);
          }
        }
        case "inspect" -> {
          JsonNode pool = client.get("v1/pools/" + segment(argument(2, "pool name")));
          if (!printJson(pool)) {
            printFields(pool, "pool", "strategy", "scheduler");
            out.println();
            Table table = new Table("NODE", "STATUS", "CPUS", "MEMORY", "CONTAINERS");
            for (JsonNode node : pool.path("nodes")) {
              table.add(
                  node.path("id").asText(),
                  node.path("status").asText(),
                  Formats.cpus(node.path("reserved")) + "/" + Formats.cpus(node.path("capacity")),
                  Formats.bytes(node.path("reserved").path("memoryBytes")) + "/" + Formats.bytes(node.path("capacity").path("memoryBytes")),
                  node.path("containers").asText());
            }
            table.print(out);
          }
        }
        default -> unknownCommand("pool", "ls, inspect");
      }
    }

    /** Formats the ratios as cpu/memory/disk, such as 1.0/1.5/1.0. */
    private static String overcommit(JsonNode ratios) {
      return ratios.path("cpu").asText() + "/" + ratios.path("memory").asText() + "/" + ratios.path("disk").asText();
    }

    private void container(String command) {
      switch (command) {
        case "ls" -> {
          StringBuilder query = new StringBuilder();
          appendQuery(query, "name", args.all("name"));
          appendQuery(query, "account", args.all("account"));
          JsonNode containers = client.get("v1/containers" + query);
          if (!printJson(containers)) {
            Table table = new Table("ID", "NAME", "ACCOUNT", "IMAGE", "STATUS", "NODE", "CREATED");
            for (JsonNode container : containers) {
              table.add(
                  Formats.shortId(container.path("id").asText()),
                  container.path("name").asText(),
                  container.path("account").asText(),
                  container.path("image").asText(),
                  container.path("status").asText(),
                  container.path("node").asText(),
                  container.path("createdAt").asText());
            }
            table.print(out);
          }
        }
        case "inspect" -> {
          JsonNode container = client.get("v1/containers/" + segment(argument(2, "container")));
          if (!printJson(container)) {
            printFields(
                container, "id", "name", "account", "status", "desired", "node", "exitCode",
                "restartCount", "createdAt", "startedAt", "finishedAt");
            out.println("image: " + container.path("spec").path("image").asText());
            out.println("placement: " + container.path("placement").path("summary").asText("-"));
          }
        }
        case "history" -> {
          JsonNode events = client.get("v1/containers/" + segment(argument(2, "container")) + "/history");
          if (!printJson(events)) {
            Table table = new Table("SEQ", "TIMESTAMP", "EVENT", "DETAILS");
            for (JsonNode event : events) {
              table.add(
                  event.path("sequenceNr").asText(),
                  event.path("timestamp").asText(),
                  event.path("type").asText(),
                  Formats.details(event.path("event")));
            }
            table.print(out);
          }
        }
        case "placement" -> {
          JsonNode container = client.get("v1/containers/" + segment(argument(2, "container")));
          JsonNode placement = client.get("v1/containers/" + container.path("id").asText() + "/placement");
          if (!printJson(placement)) {
            printFields(placement, "nodeId", "strategy", "summary");
            out.println();
            Table candidates = new Table("CANDIDATE", "SCORE");
            placement.path("candidates").forEach(score -> candidates.add(score.path("nodeId").asText(), score.path("score").asText()));
            candidates.print(out);
            out.println();
            Table rejections = new Table("REJECTED BECAUSE", "NODES");
            placement.path("rejections").forEach(rejected -> rejections.add(rejected.path("reason").asText(), rejected.path("nodes").asText()));
            rejections.print(out);
          }
        }
        case "rm" -> {
          String reference = argument(2, "container");
          String force = args.flag("force") ? "?force=true" : "";
          JsonNode removed = client.json("DELETE", "v1/containers/" + segment(reference) + force, null);
          if (!printJson(removed)) {
            out.println("removed " + removed.path("id").asText() + " (" + removed.path("name").asText() + ")");
          }
        }
        default -> unknownCommand("container", "ls, inspect, history, placement, rm");
      }
    }

    private void account(String command) {
      switch (command) {
        case "ls" -> {
          JsonNode accounts = client.get("v1/accounts");
          if (!printJson(accounts)) {
            Table table = new Table("ACCOUNT", "CONTAINERS", "MEMORY", "CPUS");
            for (JsonNode account : accounts) {
              addAccountRow(table, account);
            }
            table.print(out);
          }
        }
        case "inspect" -> {
          JsonNode account = client.get("v1/accounts/" + segment(argument(2, "account")));
          if (!printJson(account)) {
            Table table = new Table("ACCOUNT", "CONTAINERS", "MEMORY", "CPUS");
            addAccountRow(table, account);
            table.print(out);
            out.println();
            Table containers = new Table("ID", "NAME", "IMAGE", "STATUS", "NODE");
            for (JsonNode container : account.path("containers")) {
              containers.add(
                  Formats.shortId(container.path("id").asText()),
                  container.path("name").asText(),
                  container.path("image").asText(),
                  container.path("status").asText(),
                  container.path("node").asText());
            }
            containers.print(out);
          }
        }
        case "quota" -> {
          String id = argument(2, "account");
          JsonNode current = quotaOf(id);
          ObjectNode quota = current.deepCopy();
          setLimit(quota, "containers", args.option("containers", null), false);
          setLimit(quota, "memoryBytes", args.option("memory", null), true);
          if (args.option("cpus", null) != null) {
            String cpus = args.option("cpus", null);
            if (cpus.equals("none")) {
              quota.putNull("cpus");
            } else {
              quota.put("cpus", parseNumber("cpus", cpus));
            }
          }
          JsonNode account = client.json("PUT", "v1/accounts/" + segment(id) + "/quota", quota.toString());
          if (!printJson(account)) {
            Table table = new Table("ACCOUNT", "CONTAINERS", "MEMORY", "CPUS");
            addAccountRow(table, account);
            table.print(out);
          }
        }
        default -> unknownCommand("account", "ls, inspect, quota");
      }
    }

    /** Returns the account's quota, or no limits for an account that does not exist yet. */
    private JsonNode quotaOf(String id) {
      for (JsonNode account : client.get("v1/accounts")) {
        if (account.path("id").asText().equals(id)) {
          return account.path("quota");
        }
      }
      return AdminClient.JSON.createObjectNode();
    }

    private void cluster(String command) {
      if (!command.equals("status")) {
        unknownCommand("cluster", "status");
      }
      JsonNode cluster = client.get("v1/cluster");
      if (printJson(cluster)) {
        return;
      }

      Table members = new Table("MEMBER", "STATUS", "REACHABLE", "ROLES", "LEADER");
      for (JsonNode member : cluster.path("members").path("members")) {
        List<String> roles = new ArrayList<>();
        member.path("roles").forEach(role -> roles.add(role.asText()));
        members.add(
            member.path("address").asText() + (member.path("self").asBoolean() ? " (this)" : ""),
            member.path("status").asText(),
            member.path("reachable").asBoolean() ? "yes" : "NO",
            String.join(",", roles),
            member.path("leader").asBoolean() ? "yes" : "");
      }
      members.print(out);
      out.println();
      Table shards = new Table("ENTITY TYPE", "MEMBER", "SHARDS", "ENTITIES", "FAILED");
      cluster
          .path("shards")
          .fields()
          .forEachRemaining(
              type ->
                  type.getValue()
                      .path("regions")
                      .fields()
                      .forEachRemaining(
                          region ->
                              shards.add(
                                  type.getKey(),
                                  region.getKey(),
                                  region.getValue().path("shards").asText(),
                                  region.getValue().path("entities").asText(),
                                  Integer.toString(region.getValue().path("failed").size()))));
      shards.print(out);
      out.println();
      JsonNode cassandra = cluster.path("cassandra");
      if (cassandra.path("status").asText().equals("up")) {
        out.println(
            "cassandra: up, version "
                + cassandra.path("releaseVersion").asText()
                + ", "
                + cassandra.path("nodes").asText()
                + " node(s), "
                + cassandra.path("latencyMillis").asText()
                + " ms");
      } else {
        out.println("cassandra: DOWN: " + cassandra.path("error").asText());
      }
    }

    private void health() {
      JsonNode health = client.get("v1/health");
      if (!printJson(health)) {
        health
            .fields()
            .forEachRemaining(
                field -> {
                  JsonNode value = field.getValue();
                  // asText() is empty for an array such as the roles, so those print as JSON.
                  String text = value.isContainerNode() ? value.toString() : value.asText();
                  out.println(field.getKey() + ": " + text);
                });
      }
    }

    private void addAccountRow(Table table, JsonNode account) {
      JsonNode quota = account.path("quota");
      JsonNode usage = account.path("usage");
      table.add(
          account.path("id").asText(),
          usage.path("containers").asText() + "/" + limit(quota.path("containers"), quota.path("containers").asText()),
          Formats.bytes(usage.path("memoryBytes")) + "/" + limit(quota.path("memoryBytes"), Formats.bytes(quota.path("memoryBytes"))),
          Formats.number(usage.path("cpus")) + "/" + limit(quota.path("cpus"), Formats.number(quota.path("cpus"))));
    }

    private static String limit(JsonNode value, String formatted) {
      return value.isNull() || value.isMissingNode() ? "unlimited" : formatted;
    }

    private static void setLimit(ObjectNode quota, String field, String value, boolean size) {
      if (value == null) {
        return;
      }
      if (value.equals("none")) {
        quota.putNull(field);
      } else {
        quota.put(field, size ? Formats.parseSize(value) : (long) parseNumber(field, value));
      }
    }

    private static double parseNumber(String name, String value) {
      try {
        return Double.parseDouble(value);
      } catch (NumberFormatException e) {
        throw new CliException(CliException.USAGE, "invalid --" + name + " \"" + value + "\"; use a number or none");
      }
    }


    private boolean printJson(JsonNode node) {
      if (!json) {
        return false;
      }
      try {
        out.println(AdminClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
      return true;
    }

    private void printFields(JsonNode node, String... fields) {
      for (String field : fields) {
        JsonNode value = node.path(field);
        out.println(field + ": " + (value.isNull() || value.isMissingNode() ? "-" : value.asText()));
      }
    }

    private String argument(int index, String what) {
      if (args.words().size() <= index) {
        throw new CliException(
            CliException.USAGE,
            "missing " + what + "; usage: nereid " + String.join(" ", args.words()) + " " + what.toUpperCase().replace(' ', '_'));
      }
      return args.words().get(index);
    }

    private static void unknownCommand(String resource, String commands) {
      throw new CliException(
          CliException.USAGE,
          "unknown or missing " + resource + " command; use one of: " + commands);
    }

    private static void appendQuery(StringBuilder query, String name, List<String> values) {
      for (String value : values) {
        query.append(query.length() == 0 ? '?' : '&')
            .append(name)
            .append('=')
            .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
      }
    }

    private static String segment(String value) {
      return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }









  }
}
