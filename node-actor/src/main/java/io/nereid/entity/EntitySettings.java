package io.nereid.entity;

import com.typesafe.config.Config;
import io.nereid.persistence.ConfigReader;
import java.time.Clock;

/**
 * Settings shared by the persistent entities, read from {@code nereid.entities}.
 *
 * @param snapshotEvery a snapshot is saved after this many events, so recovery replays at most
 *     that many events on top of the latest snapshot
 * @param snapshotsKept how many snapshots are kept per entity; older ones are deleted
 * @param clock the source of the timestamps recorded in events
 * @param skipCapacityCheck UNSAFE, for testing the failure-injection checkers only: a compute node
 *     accepts reservations beyond its capacity. Read from {@code
 *     nereid.unsafe.skip-capacity-check}, off by default.
 */
public record EntitySettings(
    int snapshotEvery, int snapshotsKept, Clock clock, boolean skipCapacityCheck) {

  public static final String PATH = "nereid.entities";
  public static final String UNSAFE_PATH = "nereid.unsafe";

  /** Creates settings with every safety check on. */
  public EntitySettings(int snapshotEvery, int snapshotsKept, Clock clock) {
    this(snapshotEvery, snapshotsKept, clock, false);
  }

  public static EntitySettings fromConfig(Config config) {
    ConfigReader reader = new ConfigReader(config, PATH);
    return new EntitySettings(
        reader.intAtLeast("snapshot-every", 1),
        reader.intAtLeast("snapshots-kept", 1),
        Clock.systemUTC(),
        new ConfigReader(config, UNSAFE_PATH).bool("skip-capacity-check"));
  }
}
