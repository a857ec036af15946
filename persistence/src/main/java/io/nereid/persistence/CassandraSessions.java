package io.nereid.persistence;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/** Opens plain driver sessions for schema work and health checks, apart from the journal's own. */
public final class CassandraSessions {

  private CassandraSessions() {}

  /**
   * Opens a session to the given contact points. The driver fails with
   * {@code AllNodesFailedException} when none of them answers within the connect timeout.
   */
  public static CqlSession open(
      List<InetSocketAddress> contactPoints, String localDatacenter, Duration connectTimeout) {
    DriverConfigLoader loader =
        DriverConfigLoader.programmaticBuilder()
            .withDuration(DefaultDriverOption.CONNECTION_CONNECT_TIMEOUT, connectTimeout)
            .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, connectTimeout)
            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
            .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, Duration.ofSeconds(30))
            // The journal's driver retries forever at start; a one-off session fails fast instead.
            .withBoolean(DefaultDriverOption.RECONNECT_ON_INIT, false)
            .build();
    return CqlSession.builder()
        .withConfigLoader(loader)
        .addContactPoints(contactPoints.stream().map(CassandraSessions::resolved).toList())
        .withLocalDatacenter(localDatacenter)
        .build();
  }

  private static InetSocketAddress resolved(InetSocketAddress address) {
    return address.isUnresolved()
        ? new InetSocketAddress(address.getHostString(), address.getPort())
        : address;
  }
}
