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
  /**
   * Containers one client keeps at most. Four clients at up to 256 MiB each keep at most 6 GiB,
   * less than the 8 GiB of the compute nodes of {@link LoopbackCluster.Options#standard()}, so
   * bin-packing fills nodes while most creates still find room.
   */
  private static final int MAX_CONTAINERS_PER_CLIENT = 6;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

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

  Workload(Settings settings, List<Integer> dockerPorts, History history) {
    this.settings = settings;
    this.dockerPorts = List.copyOf(dockerPorts);
    this.history = history;
  }

  /**
   * Starts the clients for {@code duration}, each with its own random stream derived from
   * {@code seed}.
   */
  List<Thread> start(long seed, Duration duration) {
    List<Thread> threads = new ArrayList<>();
    long deadline = System.nanoTime() + duration.toNanos();
    for (int client = 0; client < settings.clients(); client++) {
      Client each = new Client(client, new Random(seed * 31 + client), deadline);
      Thread thread = new Thread(each::run, "chaos-client-" + client);
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
    private final long deadline;
    private final List<String> running = new ArrayList<>();
    private final List<String> stopped = new ArrayList<>();
    private int member;

    Client(int id, Random random, long deadline) {
      this.id = id;
      this.random = random;
      this.deadline = deadline;
      this.member = random.nextInt(dockerPorts.size());
    }

    void run() {
      for (int count = 0; count < settings.maxOperations(); count++) {
        if (Workload.this.stopped.get() || System.nanoTime() > deadline) {
          return;
        }
        step();
        CassandraRing.sleep(Duration.ofMillis(settings.pauseMillis()));
      }
    }

    private void step() {
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
        String id = random.nextBoolean() && !running.isEmpty() ? pick(running) : pick(stopped.isEmpty() ? running : stopped);
        if (send(Type.REMOVE, id, "DELETE", "/containers/" + id + "?force=1", null).ok()) {
          running.remove(id);
          stopped.remove(id);
        }
      } else if (roll < 75) {
        send(Type.LIST, "", "GET", "/containers/json?all=1", null);
      } else {
        String id = pick(random.nextBoolean() && !running.isEmpty() ? running : (stopped.isEmpty() ? running : stopped));
        send(Type.INSPECT, id, "GET", "/containers/" + id + "/json", null);
      }
    }

    private void create() {
      long memory = MEMORY_CHOICES[random.nextInt(MEMORY_CHOICES.length)];
      String body =
          "{\"Image\":\"" + IMAGE + "\",\"Cmd\":[\"serve\"],\"Labels\":{\"chaos.client\":\"" + id
              + "\"},\"HostConfig\":{\"Memory\":" + memory + ",\"NanoCpus\":250000000}}";
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
