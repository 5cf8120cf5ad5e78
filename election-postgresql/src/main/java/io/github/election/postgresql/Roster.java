package io.github.election.postgresql;

import io.github.election.spi.OpenCandidate;
import io.github.election.spi.record.CandidateRoster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The candidates of priority above 0, as rows of {@code <table>_roster} (docs/CONTROL.md): one
 * row per election and candidate, with its priority and the database time until which it counts
 * as open ({@code expires_at}, written as {@code clock_timestamp()} plus the lease duration);
 * listed where {@code expires_at} is still ahead by the database's clock, so one clock judges
 * every entry. Made with {@code CREATE TABLE IF NOT EXISTS} at first use when the backend may
 * create tables; without it, listing fails and priorities have no effect.
 */
final class Roster implements CandidateRoster {

  private static final Logger log = LoggerFactory.getLogger(Roster.class);
  private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final Requests requests;
  private final String table;
  private final boolean create;
  private final Object lock = new Object();
  private CompletableFuture<Void> ready; // guarded by lock

  /** @param table the election table's qualified name; this one is {@code <table>_roster} */
  Roster(Requests requests, String table, boolean create) {
    this.requests = requests;
    this.table = table + "_roster";
    this.create = create;
  }

  /** How long after it ran out an entry is deleted by the next list (a PostgreSQL interval). */
  static final String LONG_GONE = "1 hour";

  String table() {
    return table;
  }

  @Override
  public CompletionStage<Void> announce(String election, String identity, int priority,
      Duration ttl) {
    return ready().thenCompose(v -> requests.submit("entry of " + identity + " in " + table,
        TIMEOUT_NANOS, c -> {
          try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
              + " (election, identity, priority, expires_at) VALUES (?, ?, ?, clock_timestamp()"
              + " + ? * interval '1 millisecond') ON CONFLICT (election, identity) DO UPDATE"
              + " SET priority = EXCLUDED.priority, expires_at = EXCLUDED.expires_at")) {
            ps.setString(1, election);
            ps.setString(2, identity);
            ps.setInt(3, priority);
            ps.setLong(4, ttl.toMillis());
            ps.executeUpdate();
          }
          return null;
        }));
  }

  @Override
  public CompletionStage<Void> withdraw(String election, String identity) {
    return ready().thenCompose(v -> requests.submit("removal of " + identity + " from " + table,
        TIMEOUT_NANOS, c -> {
          try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table
              + " WHERE election = ? AND identity = ?")) {
            ps.setString(1, election);
            ps.setString(2, identity);
            ps.executeUpdate();
          }
          return null;
        }));
  }

  @Override
  public CompletionStage<List<OpenCandidate>> list(String election) {
    return ready().thenCompose(v -> requests.submit("list of " + table, TIMEOUT_NANOS, c -> {
      List<OpenCandidate> out = new ArrayList<>();
      // the same statement deletes the entries of candidates gone for more than LONG_GONE (one
      // alive writes its entry again three times per lease duration), so that candidates that
      // come and go under new names leave no row behind for good
      try (PreparedStatement ps = c.prepareStatement("WITH gone AS (DELETE FROM " + table
          + " WHERE election = ? AND expires_at < clock_timestamp() - interval '" + LONG_GONE
          + "') SELECT identity, priority FROM " + table
          + " WHERE election = ? AND expires_at > clock_timestamp()"
          + " ORDER BY priority DESC, identity")) {
        ps.setString(1, election);
        ps.setString(2, election);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(new OpenCandidate(rs.getString(1), Math.max(0, rs.getInt(2))));
          }
        }
      }
      return out;
    }));
  }

  /** The DDL of the roster table. */
  String ddl() {
    return "CREATE TABLE IF NOT EXISTS " + table + " ("
        + " election text NOT NULL, identity text NOT NULL, priority integer NOT NULL,"
        + " expires_at timestamptz NOT NULL, PRIMARY KEY (election, identity))";
  }

  private CompletionStage<Void> ready() {
    CompletableFuture<Void> r;
    synchronized (lock) {
      if (ready != null && !ready.isCompletedExceptionally()) {
        return ready;
      }
      r = new CompletableFuture<>();
      ready = r;
    }
    requests.submit("check of table " + table, TIMEOUT_NANOS, this::ensure)
        .whenComplete((v, e) -> {
          if (e == null) {
            r.complete(null);
          } else {
            r.completeExceptionally(e);
          }
        });
    return r;
  }

  private Void ensure(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (rs.getBoolean(1)) {
          return null;
        }
      }
    }
    if (!create) {
      throw new SQLException("table " + table + " is missing, and createTable is off: run "
          + "schema.sql of election-postgresql (with the table's name) first");
    }
    try (Statement st = c.createStatement()) {
      st.execute(ddl());
    }
    log.info("created table {}", table);
    return null;
  }
}
