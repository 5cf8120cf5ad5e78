package io.github.election.postgresql;

import io.github.election.spi.record.LeaderRecord;
import io.github.election.spi.record.RecordConflictException;
import io.github.election.spi.record.RecordRefusedException;
import io.github.election.spi.record.RecordStore;
import io.github.election.spi.record.VersionedRecord;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * One candidate's row: the record of its election in the backend's table, read and written by
 * single statements that compare the row's {@code version} and set it. The times in the row are
 * the database's ({@code clock_timestamp()}), whatever the candidate sends, so that the fencing
 * function judges expiry on one clock. Every write, renewals included, notifies the table's
 * channel with the row as written ({@link Notice}): while the backend's {@code LISTEN} is healthy
 * ({@link #watchHealthy()}), a follower's poll answers from those, with no statement.
 */
final class RowStore implements RecordStore, Listener.Target {

  private final PostgresElectionBackend backend;
  private final String election;
  private final long timeoutNanos;
  private final long aliveNanos;
  private volatile Watcher watcher;

  /**
   * @param timeoutNanos how long each statement may take, from when it is handed to the pool
   * @param aliveNanos how recently the {@code LISTEN} connection must have shown it works for
   *     the watch to count as healthy (half the renew deadline)
   */
  RowStore(PostgresElectionBackend backend, String election, long timeoutNanos,
      long aliveNanos) {
    this.backend = backend;
    this.election = election;
    this.timeoutNanos = timeoutNanos;
    this.aliveNanos = aliveNanos;
  }

  @Override
  public CompletionStage<Optional<VersionedRecord>> get() {
    return backend.ready().thenCompose(v -> read(backend.requests(), backend.tableOf(), election,
        timeoutNanos));
  }

  /** One read of an election's row, also for {@code inspect}. */
  static CompletionStage<Optional<VersionedRecord>> read(Requests requests, Table table,
      String election, long timeoutNanos) {
    return requests.submit("read of election '" + election + "'", timeoutNanos, c -> {
      try (PreparedStatement ps = c.prepareStatement(table.select)) {
        ps.setString(1, election);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw new IllegalStateException("no row from " + table.select);
          }
          if (rs.getBoolean("read_only")) {
            throw new RecordRefusedException("PostgreSQL at " + requests.where() + " is read-only"
                + " (pg_is_in_recovery() or default_transaction_read_only): this candidate cannot"
                + " lead", null);
          }
          return rs.getObject("version") == null ? Optional.empty() : Optional.of(decode(rs));
        }
      }
    });
  }

  @Override
  public CompletionStage<VersionedRecord> create(LeaderRecord record) {
    Table t = backend.tableOf();
    return backend.ready().thenCompose(v -> write("create", t.insert, ps -> {
      ps.setString(1, election);
      ps.setString(2, record.holderIdentity());
      setMillis(ps, 3, record.leaseDuration());
      ps.setLong(4, record.leaderTransitions());
      ps.setString(5, record.preferredHolder());
      ps.setString(6, t.channel);
    }));
  }

  @Override
  public CompletionStage<VersionedRecord> update(VersionedRecord current, LeaderRecord next) {
    Table t = backend.tableOf();
    long version = Long.parseLong(current.version());
    LeaderRecord now = current.record();
    if (next.leaderTransitions() != now.leaderTransitions()) {
      return write("take-over", t.take, ps -> { // a new term
        ps.setString(1, election);
        ps.setLong(2, version);
        ps.setString(3, next.holderIdentity());
        ps.setString(4, next.preferredHolder());
        setMillis(ps, 5, next.leaseDuration());
        ps.setLong(6, next.leaderTransitions());
        ps.setString(7, t.channel);
      });
    }
    if (!Objects.equals(next.holderIdentity(), now.holderIdentity())
        || !Objects.equals(next.preferredHolder(), now.preferredHolder())) {
      return write("release", t.release, ps -> { // within the term: a release or a handover
        ps.setString(1, next.holderIdentity());
        ps.setString(2, next.preferredHolder());
        setMillis(ps, 3, next.leaseDuration());
        ps.setString(4, election);
        ps.setLong(5, version);
        ps.setString(6, t.channel);
      });
    }
    return write("renewal", t.renew, ps -> {
      setMillis(ps, 1, next.leaseDuration());
      ps.setString(2, election);
      ps.setLong(3, version);
      ps.setString(4, t.channel);
    });
  }

  @Override
  public void watch(Watcher watcher) {
    this.watcher = watcher;
    backend.watch(election, this);
  }

  @Override
  public CompletionStage<Void> leave(CompletionStage<Void> released) {
    return released.handle((v, e) -> {
      backend.unwatch(election, this);
      return (Void) null;
    });
  }

  /**
   * Whether the backend's {@code LISTEN} is healthy: listening, with its probe delivered, and its
   * connection checked or a notification received within half the renew deadline (and within
   * twice the listener's check interval).
   */
  @Override
  public boolean watchHealthy() {
    return watcher != null && backend.listenerHealthy(aliveNanos);
  }

  @Override
  public void changedTo(VersionedRecord record) {
    Watcher w = watcher;
    if (w != null) {
      w.recordChangedTo(record);
    }
  }

  @Override
  public void mayHaveChanged() {
    Watcher w = watcher;
    if (w != null) {
      w.recordMayHaveChanged();
    }
  }

  // ------------------------------------------------------------------ statements

  @FunctionalInterface
  private interface Parameters {
    void set(PreparedStatement ps) throws SQLException;
  }

  /** A write that returns the row as written, or none when the version did not match. */
  private CompletionStage<VersionedRecord> write(String what, String sql, Parameters parameters) {
    String label = what + " of election '" + election + "'";
    return backend.requests().submit(label, timeoutNanos, c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        parameters.set(ps);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw new RecordConflictException(label + ": the row changed since it was read", null);
          }
          return decode(rs);
        }
      }
    });
  }

  private static void setMillis(PreparedStatement ps, int index, Duration d) throws SQLException {
    if (d == null) {
      ps.setNull(index, Types.BIGINT);
    } else {
      ps.setLong(index, Math.max(1, d.toMillis()));
    }
  }

  static VersionedRecord decode(ResultSet rs) throws SQLException {
    long millis = rs.getLong("lease_duration_ms");
    Duration lease = rs.wasNull() ? null : Duration.ofMillis(Math.max(0, millis));
    LeaderRecord record = new LeaderRecord(rs.getString("holder"), lease,
        instant(rs.getObject("acquire_time", OffsetDateTime.class)),
        instant(rs.getObject("renew_time", OffsetDateTime.class)),
        Math.max(0, rs.getLong("transitions")), rs.getString("preferred_holder"));
    return new VersionedRecord(record, String.valueOf(rs.getLong("version")));
  }

  private static Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }

  @Override
  public String toString() {
    return "row '" + election + "' of " + backend.tableOf() + " on " + backend.requests().where();
  }
}
