package io.nereid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.nereid.persistence.InvalidConfigException;
import io.nereid.persistence.NereidConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FailoverSettingsTest {

  @Test
  void defaultsReachPekko() {
    ServerSettings settings = ServerSettings.fromConfig(NereidConfig.load(ConfigFactory.empty()));
    Config pekko = NereidMember.clusterConfig(settings).withFallback(NereidConfig.load(ConfigFactory.empty()));

    assertEquals(Duration.ofSeconds(2), pekko.getDuration("pekko.cluster.split-brain-resolver.stable-after"));
    assertEquals(Duration.ofMillis(500), pekko.getDuration("pekko.cluster.down-removal-margin"));
    assertEquals(Duration.ofSeconds(1), settings.minorityDownAfter());
    assertEquals(Duration.ofSeconds(2), pekko.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause"));
  }

  @Test
  void minorityDownAfterBelowStableAfter() {
    Config config =
        NereidConfig.load(
            ConfigFactory.parseString("nereid.cluster { stable-after = 2s, minority-down-after = 2s }"));

    InvalidConfigException error =
        assertThrows(InvalidConfigException.class, () -> ServerSettings.fromConfig(config));

    assertTrue(error.getMessage().contains("nereid.cluster.minority-down-after"), error.getMessage());
  }
}
