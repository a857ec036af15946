package io.nereid.server.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Docker API clients on loopback that send what the docker CLI sends for {@code docker create}
 * and {@code docker run -d}: {@code POST /containers/create} with a JSON body, then {@code POST
 * /containers/{id}/start}. Each client is one thread with its own HTTP/1.1 connection, kept
 * alive between requests.
 */
final class CreateLoad {

  private static final Pattern ID = Pattern.compile("\"Id\"\\s*:\\s*\"([0-9a-f]{64})\"");
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  /** Requests of one phase: their count, the wall-clock time of the phase and each latency. */
  record Result(int requests, long wallNanos, long[] latencyNanos) {

    double perSecond() {
      return requests * 1e9 / wallNanos;
    }

    /** Returns the latency at {@code quantile} (0.5 for the median) in milliseconds. */
    double quantileMillis(double quantile) {
      long[] sorted = latencyNanos.clone();
      Arrays.sort(sorted);
      int index = (int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
      return sorted[Math.max(0, index)] / 1e6;
    }
  }

  private final URI base;
  private final String body;

  /** Clients of the API at {@code base}, such as {@code http://127.0.0.1:2375/v1.41}. */
  CreateLoad(URI base, String body) {
    this.base = base;
    this.body = body;
  }

  /** The request each client sends after a create, if any. */
  private enum FollowUp {
    NOTHING,
    START,
    REMOVE
  }

  /** Sends {@code total} creates from {@code clients} concurrent clients; fails on any non-201. */
  Result creates(int clients, int total) throws InterruptedException {
    return run(clients, total, FollowUp.NOTHING);
  }

  /** Sends {@code total} create-then-start pairs from {@code clients} clients; a latency is one pair. */
  Result runs(int clients, int total) throws InterruptedException {
    return run(clients, total, FollowUp.START);
  }

  /**
   * Sends {@code total} creates each followed by a forced remove, as {@code docker rm -f} sends
   * it, from {@code clients} clients; a latency is one pair. The containers are gone afterwards.
   */
  Result createsRemoved(int clients, int total) throws InterruptedException {
    return run(clients, total, FollowUp.REMOVE);
  }

  /** Sends one create; returns the container id, or throws with the status and body. */
  String createOnce(HttpClient client) throws IOException, InterruptedException {
    HttpResponse<String> created =
        client.send(
            HttpRequest.newBuilder(base.resolve(base.getPath() + "/containers/create"))
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (created.statusCode() != 201) {
      throw new IOException("create returned status " + created.statusCode() + ": " + created.body());
    }
    Matcher id = ID.matcher(created.body());
    if (!id.find()) {
      throw new IOException("create returned no container id: " + created.body());
    }
    return id.group(1);
  }

  private void start(HttpClient client, String id) throws IOException, InterruptedException {
    HttpResponse<String> started =
        client.send(
            HttpRequest.newBuilder(base.resolve(base.getPath() + "/containers/" + id + "/start"))
                .timeout(REQUEST_TIMEOUT)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (started.statusCode() != 204) {
      throw new IOException("start of " + id + " returned status " + started.statusCode() + ": " + started.body());
    }
  }

  private void remove(HttpClient client, String id) throws IOException, InterruptedException {
    HttpResponse<String> removed =
        client.send(
            HttpRequest.newBuilder(base.resolve(base.getPath() + "/containers/" + id + "?force=1"))
                .timeout(REQUEST_TIMEOUT)
                .DELETE()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (removed.statusCode() != 204) {
      throw new IOException("remove of " + id + " returned status " + removed.statusCode() + ": " + removed.body());
    }
  }

  static HttpClient newClient() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
  }

  private Result run(int clients, int total, FollowUp followUp) throws InterruptedException {
    long[] latencies = new long[total];
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Exception> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    long begin = System.nanoTime();
    for (int c = 0; c < clients; c++) {
      Thread thread =
          new Thread(
              () -> {
                HttpClient client = newClient();
                for (int i = next.getAndIncrement(); i < total && failure.get() == null; i = next.getAndIncrement()) {
                  long sent = System.nanoTime();
                  try {
                    String id = createOnce(client);
                    if (followUp == FollowUp.START) {
                      start(client, id);
                    } else if (followUp == FollowUp.REMOVE) {
                      remove(client, id);
                    }
                  } catch (IOException | InterruptedException e) {
                    failure.compareAndSet(null, e);
                    return;
                  }
                  latencies[i] = System.nanoTime() - sent;
                }
              },
              "bench-client-" + c);
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    long wall = System.nanoTime() - begin;
    if (failure.get() != null) {
      throw new IllegalStateException("a request failed: " + failure.get().getMessage(), failure.get());
    }
    return new Result(total, wall, latencies);
  }
}
