package io.nereid.persistence;

import com.datastax.oss.driver.api.core.CqlSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates Nereid's keyspaces and tables from {@code schema.cql}. Every statement is
 * {@code IF NOT EXISTS}, so running it against a cluster that already has the schema changes
 * nothing.
 */
public final class SchemaInstaller {

  private static final Logger log = LoggerFactory.getLogger(SchemaInstaller.class);
  private static final String RESOURCE = "/io/nereid/persistence/schema.cql";

  private SchemaInstaller() {}

  /** Returns the statements of {@code schema.cql} with the keyspaces and replication filled in. */
  public static List<String> statements(CassandraSettings settings) {
    String replication =
        "{'class': 'SimpleStrategy', 'replication_factor': " + settings.replicationFactor() + "}";
    String text =
        readSchema()
            .replace("{journal_keyspace}", settings.journalKeyspace())
            .replace("{snapshot_keyspace}", settings.snapshotKeyspace())
            .replace("{replication}", replication);
    List<String> statements = new ArrayList<>();
    for (String statement : stripComments(text).split(";")) {
      if (!statement.isBlank()) {
        statements.add(statement.strip());
      }
    }
    return statements;
  }

  /** Runs every statement and waits until the cluster agrees on the new schema. */
  public static void install(CqlSession session, CassandraSettings settings) {
    for (String statement : statements(settings)) {
      session.execute(
          com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance(statement)
              .setTimeout(Duration.ofSeconds(60)));
    }
    session.checkSchemaAgreement();
    log.info(
        "schema ready journal_keyspace={} snapshot_keyspace={} replication_factor={}",
        settings.journalKeyspace(),
        settings.snapshotKeyspace(),
        settings.replicationFactor());
  }

  private static String readSchema() {
    try (InputStream in = SchemaInstaller.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String stripComments(String text) {
    StringBuilder out = new StringBuilder();
    for (String line : text.split("\n")) {
      if (!line.strip().startsWith("--")) {
        out.append(line).append('\n');
      }
    }
    return out.toString();
  }
}
