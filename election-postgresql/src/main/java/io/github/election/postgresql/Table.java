package io.github.election.postgresql;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The table of a backend, its fencing function, its notification channel and the statements
 * that read and write its rows. Names are checked once, here: lower-case SQL identifiers that need
 * no quoting, so the statements can hold them as they are.
 */
final class Table {

  static final String DEFAULT_TABLE = "election_leader";
  /** PostgreSQL's identifier limit (63 bytes) less the function's suffix. */
  private static final int MAX_TABLE = 63 - "_assert".length();
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*");
  private static final String COLUMNS =
      "holder, lease_duration_ms, acquire_time, renew_time, transitions, preferred_holder, version";

  final String schema;
  final String table;
  /** {@code schema.table}, or {@code table}. */
  final String qualified;
  /** {@code schema.table_assert}, or {@code table_assert}. */
  final String function;
  /** The NOTIFY channel: the qualified table name. */
  final String channel;

  final String select;
  final String insert;
  final String renew;
  final String release;
  final String take;
  final String assertLeader;

  /**
   * @param schema a schema, or null for the search path's
   * @throws IllegalArgumentException naming the setting and value if a name is not a plain
   *     lower-case identifier that fits
   */
  Table(String schema, String table) {
    this.schema = schema == null ? null : identifier("schema", schema, 63);
    this.table = identifier("table", table, MAX_TABLE);
    this.qualified = schema == null ? table : schema + "." + table;
    this.function = qualified + "_assert";
    this.channel = qualified;
    String q = qualified;
    // one round trip: the row if any, and whether this server can take writes
    this.select = "SELECT " + prefixed("t.") + ", pg_is_in_recovery()"
        + " OR current_setting('transaction_read_only')::boolean AS read_only"
        + " FROM (SELECT 1) AS one LEFT JOIN " + q + " AS t ON t.name = ?";
    // every write notifies the channel with the row as written (Notice): the followers keep it
    this.insert = "WITH w AS (INSERT INTO " + q + " (name, " + COLUMNS + ")"
        + " VALUES (?, ?, ?, clock_timestamp(), clock_timestamp(), ?, ?, 1)"
        + " ON CONFLICT (name) DO NOTHING RETURNING name, " + COLUMNS + ")"
        + " SELECT " + COLUMNS + ", pg_notify(?, " + Notice.PAYLOAD + ") FROM w";
    // the holder keeps its term: a lock that lets a fenced transaction be
    this.renew = "WITH w AS (UPDATE " + q + " SET lease_duration_ms = ?,"
        + " renew_time = clock_timestamp(), version = version + 1"
        + " WHERE name = ? AND version = ? RETURNING name, " + COLUMNS + ")"
        + " SELECT " + COLUMNS + ", pg_notify(?, " + Notice.PAYLOAD + ") FROM w";
    // a release or another change of holder within the term: nobody's new term starts here
    this.release = "WITH w AS (UPDATE " + q + " SET holder = ?, preferred_holder = ?,"
        + " lease_duration_ms = ?,"
        + " acquire_time = clock_timestamp(), renew_time = clock_timestamp(),"
        + " version = version + 1 WHERE name = ? AND version = ? RETURNING name, " + COLUMNS + ")"
        + " SELECT " + COLUMNS + ", pg_notify(?, " + Notice.PAYLOAD + ") FROM w";
    // a new term: first the row lock that a fenced transaction's KEY SHARE lock holds up
    // (NOWAIT: the round fails at once rather than wait; the next one tries again)
    this.take = "WITH l AS (SELECT name FROM " + q + " WHERE name = ? AND version = ?"
        + " FOR UPDATE NOWAIT), w AS (UPDATE " + q + " AS t SET holder = ?, preferred_holder = ?,"
        + " lease_duration_ms = ?, acquire_time = clock_timestamp(),"
        + " renew_time = clock_timestamp(), transitions = ?, version = t.version + 1"
        + " FROM l WHERE t.name = l.name RETURNING t.name, " + prefixed("t.") + ")"
        + " SELECT " + COLUMNS + ", pg_notify(?, " + Notice.PAYLOAD + ") FROM w";
    this.assertLeader = "SELECT " + function + "(?, ?)";
  }

  /** The DDL that makes the table and its function, for these names. */
  String ddl() {
    String text;
    try (InputStream in = Table.class.getResourceAsStream("schema.sql")) {
      if (in == null) {
        throw new IllegalStateException("schema.sql missing from election-postgresql's jar");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.replace(DEFAULT_TABLE, qualified);
  }

  /** The name of the table and the function as {@code to_regclass}/{@code to_regprocedure} take them. */
  String functionSignature() {
    return function + "(text,bigint)";
  }

  private static String prefixed(String prefix) {
    StringBuilder b = new StringBuilder();
    for (String c : COLUMNS.split(", ")) {
      b.append(b.length() == 0 ? "" : ", ").append(prefix).append(c);
    }
    return b.toString();
  }

  private static String identifier(String setting, String value, int max) {
    if (value == null || !IDENTIFIER.matcher(value).matches() || value.length() > max) {
      throw new IllegalArgumentException(setting + " '" + value + "' is not a valid name: use "
          + "lower-case letters, digits and '_', not starting with a digit, at most " + max
          + " characters");
    }
    return value;
  }

  @Override
  public String toString() {
    return qualified;
  }
}
