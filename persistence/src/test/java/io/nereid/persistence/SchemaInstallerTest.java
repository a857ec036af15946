package io.nereid.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.nereid.persistence.testing.SharedCassandra;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.cassandra.KeyspaceAndTableStatements;
import org.apache.pekko.persistence.cassandra.PluginSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SchemaInstallerTest {

  private static CqlSession session;

  @BeforeAll
  static void connect() {
    session =
        CassandraSessions.open(
            List.of(SharedCassandra.get().contactPoint()), "datacenter1", Duration.ofSeconds(10));
  }

  @AfterAll
  static void disconnect() {
    session.close();
  }

  private static CassandraSettings settings(String journal, String snapshot) {
    Config config =
        ConfigFactory.parseString(
                "nereid.cassandra { journal-keyspace = "
                    + journal
                    + ", snapshot-keyspace = "
                    + snapshot
                    + " }")
            .withFallback(ConfigFactory.load())
            .resolve();
    return CassandraSettings.fromConfig(config);
  }

  /** Returns column name to CQL type for each table of a keyspace. */
  private static Map<String, Map<String, String>> columns(String keyspace) {
    Map<String, Map<String, String>> tables = new TreeMap<>();
    for (Row row :
        session.execute(
            "SELECT table_name, column_name, type, kind FROM system_schema.columns WHERE keyspace_name = ?",
            keyspace)) {
      tables
          .computeIfAbsent(row.getString("table_name"), t -> new TreeMap<>())
          .put(row.getString("column_name"), row.getString("type") + " " + row.getString("kind"));
    }
    return tables;
  }

  @Test
  void tablesMatchWhatPluginCreates() {
    CassandraSettings ours = settings("schema_ours_j", "schema_ours_s");
    SchemaInstaller.install(session, ours);

    // The plugin's own statements, for the same tables, into other keyspaces.
    Config pluginConfig =
        ConfigFactory.parseString(
                "pekko.persistence.cassandra { journal.keyspace = schema_plugin_j,"
                    + " snapshot.keyspace = schema_plugin_s, events-by-tag.enabled = false }")
            .withFallback(ConfigFactory.load());
    ActorSystem system = ActorSystem.create("SchemaInstallerTest", pluginConfig);
    try {
      KeyspaceAndTableStatements statements =
          new KeyspaceAndTableStatements(system, "pekko.persistence.cassandra", PluginSettings.apply(system));
      session.execute(statements.createJournalKeyspaceStatement());
      statements.getCreateJournalTablesStatements().forEach(session::execute);
      session.execute(statements.createSnapshotKeyspaceStatement());
      statements.getCreateSnapshotTablesStatements().forEach(session::execute);
    } finally {
      system.terminate();
    }

    Map<String, Map<String, String>> pluginJournal = columns("schema_plugin_j");
    Map<String, Map<String, String>> ourJournal = columns("schema_ours_j");
    assertFalse(ourJournal.isEmpty());
    // The fenced journal's column comes on top of the plugin's messages table.
    assertEquals("bigint static", ourJournal.get("messages").remove("highest_sequence_nr"));
    for (String table : ourJournal.keySet()) {
      assertEquals(pluginJournal.get(table), ourJournal.get(table), "columns of journal table " + table);
    }
    assertEquals(columns("schema_plugin_s"), columns("schema_ours_s"));
  }

  @Test
  void secondInstallChangesNothing() {
    CassandraSettings settings = settings("schema_twice_j", "schema_twice_s");
    SchemaInstaller.install(session, settings);
    Map<String, Map<String, String>> before = columns("schema_twice_j");

    SchemaInstaller.install(session, settings);

    assertEquals(before, columns("schema_twice_j"));
  }

  @Test
  void installAddsFenceColumnToOldTable() {
    CassandraSettings settings = settings("schema_old_j", "schema_old_s");
    session.execute(
        "CREATE KEYSPACE schema_old_j WITH REPLICATION = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    session.execute(
        "CREATE TABLE schema_old_j.messages (persistence_id text, partition_nr bigint, sequence_nr bigint,"
            + " timestamp timeuuid, timebucket text, writer_uuid text, ser_id int, ser_manifest text,"
            + " event_manifest text, event blob, meta_ser_id int, meta_ser_manifest text, meta blob,"
            + " tags set<text>, PRIMARY KEY ((persistence_id, partition_nr), sequence_nr, timestamp))");

    SchemaInstaller.install(session, settings);

    assertEquals("bigint static", columns("schema_old_j").get("messages").get("highest_sequence_nr"));
  }

  @Test
  void statementsUseConfiguredReplication() {
    CassandraSettings settings = settings("rf_j", "rf_s");
    CassandraSettings threeReplicas =
        new CassandraSettings(
            settings.mode(), settings.contactPoints(), settings.localDatacenter(), "rf_j", "rf_s", 3,
            settings.writeConsistency(), settings.readConsistency(), settings.embedded());

    String first = SchemaInstaller.statements(threeReplicas).get(0);

    assertEquals(
        "CREATE KEYSPACE IF NOT EXISTS rf_j\n  WITH REPLICATION = {'class': 'SimpleStrategy', 'replication_factor': 3}",
        first);
  }
}
