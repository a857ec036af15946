package io.nereid.chaos;

import io.nereid.chaos.Operation.Outcome;
import io.nereid.chaos.Operation.Type;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;

/**
 * Docker API clients that create, start, stop, remove, list and inspect containers through the
 * control members' gateways and record every request in the {@link History}. Each client acts on
 * the containers it created itself, sends one request at a time and pauses between requests, so
 * the load stays bounded; it stops after {@code maxOperations} or at its deadline, whichever comes
 * first. A client whose gateway refuses the connection moves on to the next member, as a client
 * behind a load balancer would.
 */
final class Workload {

  /** Image the clients create containers from; the harness loads it into every control member. */
  static final String IMAGE = "chaos:latest";
  private static final long MIB = 1L << 20;
  private static final long[] MEMORY_CHOICES = {64 * MIB, 128 * MIB, 256 * MIB};
  /** CPU request of each container: a tenth of a core, so that a 2-core node fits 20. */
  private static final long NANO_CPUS = 100_000_000L;
  /**
   * Containers one client keeps at most. Four clients keep at most 24 containers of 0.1 CPU and at
   * most 256 MiB, so bin-packing fills a 2-core node while most creates still find room.
   */
  private static final int MAX_CONTAINERS_PER_CLIENT = 6;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
  /** Attempts of each unanswered remove after the workload's deadline. */
  private static final int REMOVE_RETRIES = 3;

  /**
   * @param pauseMillis pause between two requests of one client, so {@code clients * 1000 /
   *     pauseMillis} requests per second at most
   */
  record Settings(int clients, int maxOperations, int pauseMillis) {}

  private final Settings settings;
  private final List<Integer> dockerPorts;
  private final History history;
  private final LoopbackHttp http = new LoopbackHttp();
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final List<Client> clients = new ArrayList<>();

  /**
   * Creates the clients, each with its own random stream derived from {@code seed}. They keep
   * the containers they created from one {@link #start} to the next, so the number of live
   * containers stays bounded over a whole run.
   */
  Workload(Settings settings, List<Integer> dockerPorts, History history, long seed) {
    this.settings = settings;
    this.dockerPorts = List.copyOf(dockerPorts);
    this.history = history;
    for (int client = 0; client < settings.clients(); client++) {
      clients.add(new Client(client, new Random(seed * 31 + client)));
    }
  }

  /** Starts the clients for {@code duration} or until {@link #stop()}. */
  List<Thread> start(Duration duration) {
    stopped.set(false);
    List<Thread> threads = new ArrayList<>();
    long deadline = System.nanoTime() + duration.toNanos();
    for (Client client : clients) {
      Thread thread = new Thread(() -> client.run(deadline), "chaos-client-" + client.id);
      thread.setDaemon(true);
      thread.start();
      threads.add(thread);
    }
    return threads;
  }

  void stop() {
    stopped.set(true);
  }

  static void join(List<Thread> threads, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread thread : threads) {
      long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
      try {
        thread.join(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private final class Client {
    private final int id;
    private final Random random;
    private final List<String> running = new ArrayList<>();
    private final List<String> stopped = new ArrayList<>();
    private final List<String> unansweredRemoves = new ArrayList<>();
    private int member;

    Client(int id, Random random) {
      this.id = id;
      this.random = random;
      this.member = random.nextInt(dockerPorts.size());
    }

    /**
     * Sends requests until the deadline, then repeats the removes that got no answer a few times,
     * as a user repeats {@code docker rm -f} after an error.
     */
    void run(long deadline) {
      for (int count = 0; count < settings.maxOperations(); count++) {
        if (Workload.this.stopped.get() || System.nanoTime() > deadline) {
          break;
        }
        step();
        CassandraRing.sleep(Duration.ofMillis(settings.pauseMillis()));
      }
      for (int attempt = 0; attempt < REMOVE_RETRIES && !unansweredRemoves.isEmpty(); attempt++) {
        for (String id : List.copyOf(unansweredRemoves)) {
          remove(id);
          CassandraRing.sleep(Duration.ofMillis(settings.pauseMillis()));
        }
      }
    }

    private void step() {
      if (!unansweredRemoves.isEmpty()) {
        remove(unansweredRemoves.get(0));
        return;
      }
      int known = running.size() + stopped.size();
      int roll = random.nextInt(100);
      if (known < 3 || (roll < 25 && known < MAX_CONTAINERS_PER_CLIENT)) {
        create();
      } else if (roll < 40 && !stopped.isEmpty()) {
        String id = pick(stopped);
        if (send(Type.START, id, "POST", "/containers/" + id + "/start", null).ok()) {
          move(id, stopped, running);
        }
      } else if (roll < 55 && !running.isEmpty()) {
        String id = pick(running);
        if (send(Type.STOP, id, "POST", "/containers/" + id + "/stop?t=1", null).ok()) {
          move(id, running, stopped);
        }
      } else if (roll < 65 || known >= MAX_CONTAINERS_PER_CLIENT) {
        remove(random.nextBoolean() && !running.isEmpty() ? pick(running) : pick(stopped.isEmpty() ? running : stopped));
      } else if (roll < 75) {
        send(Type.LIST, "", "GET", "/containers/json?all=1", null);
      } else {
        String id = pick(random.nextBoolean() && !running.isEmpty() ? running : (stopped.isEmpty() ? running : stopped));
        send(Type.INSPECT, id, "GET", "/containers/" + id + "/json", null);
      }
    }

    /** Removes a container; one without an answer is kept for another attempt. */
    private void remove(String id) {
      LoopbackHttp.Reply reply = send(Type.REMOVE, id, "DELETE", "/containers/" + id + "?force=1", null);
      if (reply.ok() || isGone(reply)) {
        running.remove(id);
        stopped.remove(id);
        unansweredRemoves.remove(id);
      } else if (outcome(reply) == Outcome.UNKNOWN && !unansweredRemoves.contains(id)) {
        unansweredRemoves.add(id);
      }
    }

    private void create() {
      long memory = MEMORY_CHOICES[random.nextInt(MEMORY_CHOICES.length)];
      String body =
          "{\"Image\":\"" + IMAGE + "\",\"Cmd\":[\"serve\"],\"Labels\":{\"chaos.client\":\"" + id
              + "\"},\"HostConfig\":{\"Memory\":" + memory + ",\"NanoCpus\":" + NANO_CPUS + "}}";
      LoopbackHttp.Reply reply =
          send(Type.CREATE, null, "POST", "/containers/create", body.getBytes(StandardCharsets.UTF_8));
      if (reply.status() == 201) {
        stopped.add(LoopbackCluster.parse(reply.body()).path("Id").asText());
      }
    }

    private String pick(List<String> ids) {
      return ids.get(random.nextInt(ids.size()));
    }

    private void move(String id, List<String> from, List<String> to) {
      from.remove(id);
      to.add(id);
    }

    /** Sends one request, records it, and returns the reply. */
    private LoopbackHttp.Reply send(Type type, String containerId, String method, String path, byte[] body) {
      long index = history.nextIndex();
      int target = member;
      long start = history.now();
      LoopbackHttp.Reply reply = http.send(method, dockerPorts.get(target), path, body, REQUEST_TIMEOUT);
      long end = history.now();
      if (reply.failure() == LoopbackHttp.Failure.REFUSED) {
        member = (member + 1) % dockerPorts.size();
      }
      if (containerId != null && isGone(reply)) {
        // An earlier remove without an answer took effect after all; the checkers judge whether
        // that was allowed, so the client only stops using the container.
        running.remove(containerId);
        stopped.remove(containerId);
        unansweredRemoves.remove(containerId);
      }
      String id = containerId;
      if (type == Type.CREATE) {
        id = reply.status() == 201 ? LoopbackCluster.parse(reply.body()).path("Id").asText() : "";
      }
      Outcome outcome = outcome(reply);
      String detail = reply.ok() ? "" : abbreviate(reply.body());
      history.record(
          new Operation(
              index,
              this.id,
              type,
              id == null ? "" : id,
              target,
              start,
              end,
              outcome,
              reply.status(),
              kind(reply),
              detail));
      return reply;
    }
  }

  static Outcome outcome(LoopbackHttp.Reply reply) {
    if (reply.failure() == LoopbackHttp.Failure.REFUSED || isNoCapacity(reply)) {
      return Outcome.FAIL;
    }
    if (reply.status() == 0 || reply.status() >= 500) {
      return Outcome.UNKNOWN;
    }
    return reply.ok() ? Outcome.OK : Outcome.FAIL;
  }

  static String kind(LoopbackHttp.Reply reply) {
    return switch (reply.failure()) {
      case REFUSED -> "refused";
      case TIMEOUT -> "timeout";
      case BROKEN -> "broken-connection";
      case NONE -> reply.ok() ? "ok" : isNoCapacity(reply) ? "no-capacity" : "http-" + reply.status();
    };
  }

  /** Returns whether the reply reports that the container does not exist or has been removed. */
  static boolean isGone(LoopbackHttp.Reply reply) {
    return reply.status() == 404
        || (reply.status() == 409
            && LoopbackCluster.parse(reply.body()).path("message").asText().endsWith("has been removed"));
  }

  /**
   * Returns whether the reply is the scheduler's rejection for lack of room: a 500 whose message
   * starts with "no node fits". The create had no effect, so it is a failure, not an unknown.
   */
  static boolean isNoCapacity(LoopbackHttp.Reply reply) {
    return reply.status() == 500
        && LoopbackCluster.parse(reply.body()).path("message").asText().startsWith("no node fits");
  }

  private static String abbreviate(String text) {
    String line = text.replace('\n', ' ');
    return line.length() <= 200 ? line : line.substring(0, 200) + "...";
  }
}
