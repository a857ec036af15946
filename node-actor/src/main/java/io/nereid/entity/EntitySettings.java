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
 */
public record EntitySettings(int snapshotEvery, int snapshotsKept, Clock clock) {

  public static final String PATH = "nereid.entities";

  public static EntitySettings fromConfig(Config config) {
    ConfigReader reader = new ConfigReader(config, PATH);
    return new EntitySettings(
        reader.intAtLeast("snapshot-every", 1),
        reader.intAtLeast("snapshots-kept", 1),
        Clock.systemUTC());
  }
}
