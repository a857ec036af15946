package io.nereid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestMetricsTest {

  @Test
  void templatesReplaceIdsAndNames() {
    Map<String, String> cases =
        Map.ofEntries(
            Map.entry("/v1.24/containers/3f2a9c/start", "/containers/{id}/start"),
            Map.entry("/v1.24/containers/create", "/containers/create"),
            Map.entry("/v1.24/containers/json", "/containers/json"),
            Map.entry("/containers/web/json", "/containers/{id}/json"),
            Map.entry("/v1.43/images/library/busybox/json", "/images/{name}/json"),
            Map.entry("/v1.24/images/load", "/images/load"),
            Map.entry("/_ping", "/_ping"),
            Map.entry("/v1/nodes", "/v1/nodes"),
            Map.entry("/v1/nodes/n1/cordon", "/v1/nodes/{id}/cordon"),
            Map.entry("/v1/containers/web/history", "/v1/containers/{id}/history"),
            Map.entry("/v1/accounts/default/quota", "/v1/accounts/{id}/quota"),
            Map.entry("/v1/cluster/shards", "/v1/cluster/shards"),
            Map.entry("/metrics", "/metrics"));

    cases.forEach((path, template) -> assertEquals(template, RequestMetrics.template(path), path));
  }
}
