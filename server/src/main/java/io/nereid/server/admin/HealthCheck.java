package io.nereid.server.admin;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.persistence.cassandra.healthcheck.CassandraHealthCheck;
import scala.jdk.javaapi.FutureConverters;

/** Reports whether this member can serve: the journal's Cassandra responds and the member is up. */
public final class HealthCheck {

  /** @param body the JSON document of {@code GET /v1/health} */
  public record Report(boolean healthy, Map<String, Object> body) {}

  private final ActorSystem<?> system;
  private final CassandraHealthCheck cassandra;

  public HealthCheck(ActorSystem<?> system) {
    this.system = system;
    this.cassandra = new CassandraHealthCheck(system.classicSystem());
  }

  public CompletionStage<Report> check() {
    return FutureConverters.asJava(cassandra.apply())
        .exceptionally(error -> Boolean.FALSE)
        .thenApply(
            cassandraUp -> {
              Cluster cluster = Cluster.get(system);
              String memberStatus = cluster.selfMember().status().toString().toLowerCase();
              boolean up = cassandraUp.equals(Boolean.TRUE) && memberStatus.equals("up");
              Map<String, Object> body = new LinkedHashMap<>();
              body.put("status", up ? "ok" : "unavailable");
              body.put("cassandra", cassandraUp.equals(Boolean.TRUE) ? "up" : "down");
              body.put("member", cluster.selfMember().address().toString());
              body.put("memberStatus", memberStatus);
              body.put("roles", cluster.selfMember().getRoles());
              body.put("members", cluster.state().members().size());
              body.put("uptime", Duration.ofSeconds(system.uptime()).toString());
              return new Report(up, body);
            });
  }
}
