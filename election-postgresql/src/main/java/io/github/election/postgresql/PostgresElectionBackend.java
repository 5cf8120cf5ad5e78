package io.github.election.postgresql;

import io.github.election.LeaderElection;
import io.github.election.spi.CandidateContext;
import io.github.election.spi.ElectionSettings;
import io.github.election.spi.record.LeaderRecord;
import io.github.election.spi.record.RecordElectionBackend;
import io.github.election.spi.record.RecordRefusedException;
import io.github.election.spi.record.RecordStore;
import io.github.election.spi.record.VersionedRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election on PostgreSQL: one row per election in a table ({@code election_leader} by
 * default), on the record tier of the SPI ({@link RecordElectionBackend}: client-go's algorithm,
 * expiry judged on each candidate's monotonic clock). For services whose only shared store is
 * their database.
 *
 * <pre>{@code
 * try (PostgresElectionBackend backend = PostgresElectionBackend.builder()
 *         .dataSource(applicationPool).build();
 *      LeaderElection election = LeaderElection.builder(backend).name("jobs").build()) {
 *   election.start();
 *   ...
 *   try (Connection c = applicationPool.getConnection()) {   // the leader's own transaction
 *     c.setAutoCommit(false);
 *     backend.assertLeader(c, election);   // fails unless still the leader, in that term
 *     ... writes ...
 *     c.commit();
 *   }
 * }
 * }</pre>
 *
 * <p><b>Connections.</b> Given a {@link DataSource} (the application's pool), the backend uses
 * it for its statements and holds one of its connections for {@code LISTEN}. Without one, it keeps
 * {@link Builder#maxConnections} connections of its own (2 by default, whatever the number of
 * elections; one per worker thread, made again at once when one fails: no pool library, whose
 * reconnect back-off would keep a candidate out after its network healed) and one more for
 * {@code LISTEN}. Every statement is one
 * short transaction; nothing depends on session state (no advisory locks, no session settings),
 * so the backend works through PgBouncer in transaction mode, where it falls back from {@code
 * LISTEN} to rounds every P (and says so once in the log).
 *
 * <p><b>Table.</b> Created with its fencing function at first use when missing (one transaction,
 * under a transaction-level advisory lock), unless {@link Builder#createTable(boolean)} says not
 * to: then run {@code schema.sql} of this artifact by hand. The term is the row's {@code term}
 * column: the fencing token.
 *
 * <p><b>Fencing.</b> {@link #assertLeader(Connection, String, long)} (SQL: {@code SELECT
 * election_leader_assert('jobs', 42)}) inside the leader's own transaction fails unless that term
 * is current and unexpired by the database's clock, and holds a lock that makes the next term
 * wait until the transaction ends, so a deposed leader's writes are refused, never applied after
 * its successor's.
 *
 * <p><b>Failures.</b> A lost connection, failed login, missing table or right, or a read-only
 * server (a standby, {@code default_transaction_read_only}) gives {@code UNKNOWN} at once and a
 * log line naming the cause; a statement that gets no answer fails its round after a quarter of
 * the renew deadline R, and never hangs a caller.
 *
 * <p>Thread-safe. {@link #close()} ends the backend's threads and connections (not a given data
 * source).
 */
public final class PostgresElectionBackend extends RecordElectionBackend {

  private static final Logger log = LoggerFactory.getLogger(PostgresElectionBackend.class);
  /** A class-wide key of the advisory lock that serializes the creation of tables. */
  private static final long DDL_LOCK = 0x656c656374L; // "elect"

  private final Table table;
  private final Requests requests;
  private final Roster roster;
  private final Listener listener;
  private final boolean createTable;
  private final String where;
  private final Object schemaLock = new Object();
  private CompletableFuture<Void> schema; // guarded by schemaLock; null until tried or after failure

  private PostgresElectionBackend(Builder b, Table table, DataSource dataSource,
      boolean borrowed, String where) {
    super("election-postgresql-timer");
    this.table = table;
    this.createTable = b.createTable;
    this.where = where;
    this.requests = new Requests(dataSource, borrowed, where, b.maxConnections);
    this.roster = new Roster(requests, table.qualified, b.createTable);
    this.listener = b.listen
        ? new Listener(dataSource, requests, table, b.listenCheck.toNanos(),
            b.listenCheck.toNanos())
        : null;
  }

  /** A builder of a backend. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return "postgresql";
  }

  /** The table's qualified name, such as {@code election_leader}. */
  public String table() {
    return table.qualified;
  }

  /** The fencing function's qualified name, such as {@code election_leader_assert}. */
  public String fencingFunction() {
    return table.function;
  }

  /** Whether notifications from the database arrive now (else handovers wait for P). */
  public boolean isListening() {
    return listener != null && listener.isListening();
  }

  /**
   * Fencing: fails unless {@code term} is the current, unexpired term of {@code election} (by the
   * database's clock), and otherwise makes the next term of the election wait for the end of the
   * transaction of {@code connection}. Call it inside the transaction of the writes it guards,
   * before them; with auto-commit on it guards nothing.
   *
   * <p>It also limits how long that transaction may stay idle to what is left of the lease: a
   * leader frozen mid-transaction has its session ended and its transaction rolled back, so it
   * holds a successor up for at most the lease.
   *
   * @param connection a connection to the same database, in the transaction to guard
   * @throws NotLeaderException if the term is not current (another candidate took over, or the
   *     lease ran out)
   * @throws SQLException if the statement fails otherwise (the function is missing, say)
   */
  public void assertLeader(Connection connection, String election, long term)
      throws SQLException {
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(election, "election");
    try (PreparedStatement ps = connection.prepareStatement(table.assertLeader)) {
      ps.setString(1, election);
      ps.setLong(2, term);
      ps.execute();
    } catch (SQLException e) {
      if (NotLeaderException.SQL_STATE.equals(e.getSQLState())) {
        throw new NotLeaderException(e.getMessage(), e);
      }
      throw e;
    }
  }

  /**
   * {@link #assertLeader(Connection, String, long)} for this candidate's election and its current
   * term.
   *
   * @throws NotLeaderException if the election is not {@code LEADER} here, or no longer in the
   *     database
   */
  public void assertLeader(Connection connection, LeaderElection election) throws SQLException {
    Objects.requireNonNull(election, "election");
    var now = election.current();
    if (!now.isLeader()) {
      throw new NotLeaderException("not the leader of election '" + election.name() + "': "
          + now.state(), null);
    }
    assertLeader(connection, election.name(), now.term());
  }

  @Override
  protected RecordStore open(CandidateContext context) {
    ElectionSettings s = context.settings();
    return new RowStore(this, s.name(), requestTimeoutNanos(s), s.renewDeadline().toNanos() / 2);
  }

  /** The candidates of priority above 0: rows of {@code <table>_roster} (docs/CONTROL.md). */
  @Override
  protected io.github.election.spi.record.CandidateRoster roster() {
    return roster;
  }

  @Override
  protected CompletionStage<Optional<LeaderRecord>> peek(String election) {
    // no DDL for a look: a missing table fails the look, saying what to run
    return RowStore.read(requests, table, election, TimeUnit.SECONDS.toNanos(5))
        .thenApply(found -> found.map(VersionedRecord::record));
  }

  /** Ends the backend's threads and connections; a given data source stays open. */
  @Override
  public void close() {
    super.close();
    if (listener != null) {
      listener.close();
    }
    requests.close();
  }

  @Override
  public String toString() {
    return "PostgresElectionBackend{" + where + ", table " + table + "}";
  }

  // ------------------------------------------------------------------ for RowStore

  Table tableOf() {
    return table;
  }

  Requests requests() {
    return requests;
  }

  void watch(String election, Listener.Target target) {
    if (listener != null) {
      listener.watch(election, target);
    }
  }

  /** Whether the listener is healthy, having shown it works within {@code boundNanos}. */
  boolean listenerHealthy(long boundNanos) {
    return listener != null && listener.healthyWithin(boundNanos);
  }

  void unwatch(String election, Listener.Target target) {
    if (listener != null) {
      listener.unwatch(election, target);
    }
  }

  /** A quarter of R: a round of the candidate has R / 2 for up to two reads and two writes. */
  private static long requestTimeoutNanos(ElectionSettings s) {
    return Math.max(TimeUnit.MILLISECONDS.toNanos(20), s.renewDeadline().toNanos() / 4);
  }

  /**
   * Completes once the table and its function exist (made when missing and allowed); tried again
   * by the next round after a failure.
   */
  CompletionStage<Void> ready() {
    CompletableFuture<Void> s;
    synchronized (schemaLock) {
      if (schema != null && !schema.isCompletedExceptionally()) {
        return schema;
      }
      s = new CompletableFuture<>();
      schema = s;
    }
    requests.submit("check of table " + table, TimeUnit.SECONDS.toNanos(5), this::ensureTable)
        .whenComplete((v, e) -> {
          if (e == null) {
            s.complete(null);
          } else {
            s.completeExceptionally(e);
          }
        });
    return s;
  }

  private Void ensureTable(Connection c) throws SQLException {
    if (exists(c)) {
      return null;
    }
    if (!createTable) {
      throw new RecordRefusedException("table " + table + " or its function "
          + table.functionSignature() + " is missing in " + where + ", and createTable is off:"
          + " run schema.sql of election-postgresql (with the table's name) first", null);
    }
    c.setAutoCommit(false);
    try (Statement st = c.createStatement()) {
      st.execute("SELECT pg_advisory_xact_lock(" + DDL_LOCK + ")");
      if (!exists(c)) {
        st.execute(table.ddl());
        log.info("created table {} and function {} in {}", table, table.functionSignature(),
            where);
      }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
    return null;
  }

  private boolean exists(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT to_regclass(?) IS NOT NULL AND to_regprocedure(?) IS NOT NULL")) {
      ps.setString(1, table.qualified);
      ps.setString(2, table.functionSignature());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /**
   * Builds a {@link PostgresElectionBackend}. Settings are checked when set; {@link #build()}
   * does no I/O.
   */
  public static final class Builder {

    private DataSource dataSource;
    private String url;
    private String user;
    private String password;
    private String schema;
    private String table = Table.DEFAULT_TABLE;
    private boolean createTable = true;
    private boolean listen = true;
    private int maxConnections = 2;
    private Duration listenCheck = Duration.ofSeconds(1);
    private Duration connectTimeout = Duration.ofSeconds(2);

    private Builder() {
    }

    /**
     * The application's data source (its pool): the backend's statements take connections from
     * it, and it holds one for {@code LISTEN}. Not closed by the backend. Instead of {@link
     * #url}.
     */
    public Builder dataSource(DataSource dataSource) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
      return this;
    }

    /**
     * The JDBC URL of the database ({@code jdbc:postgresql://host:port/database?...}), for a pool
     * the backend makes itself. Instead of {@link #dataSource}.
     *
     * @throws IllegalArgumentException if it is not a {@code jdbc:postgresql:} URL
     */
    public Builder url(String url) {
      Objects.requireNonNull(url, "url");
      if (!url.startsWith("jdbc:postgresql:")) {
        throw new IllegalArgumentException("url '" + url + "' is not a jdbc:postgresql: URL");
      }
      this.url = url;
      return this;
    }

    /** The user for {@link #url}; by default the driver's (the URL's, or the OS user). */
    public Builder user(String user) {
      this.user = Objects.requireNonNull(user, "user");
      return this;
    }

    /** The password for {@link #url}. Never logged. */
    public Builder password(String password) {
      this.password = Objects.requireNonNull(password, "password");
      return this;
    }

    /**
     * The schema of the table; by default none, so the role's search path decides.
     *
     * @throws IllegalArgumentException if it is not a lower-case identifier
     */
    public Builder schema(String schema) {
      new Table(Objects.requireNonNull(schema, "schema"), table);
      this.schema = schema;
      return this;
    }

    /**
     * The table of the elections, {@code election_leader} by default; its fencing function is
     * named {@code <table>_assert}.
     *
     * @throws IllegalArgumentException if it is not a lower-case identifier of at most 56
     *     characters
     */
    public Builder table(String table) {
      new Table(schema, Objects.requireNonNull(table, "table"));
      this.table = table;
      return this;
    }

    /**
     * Whether the backend creates the table and its function when they are missing (true by
     * default). Off where the application's role may not run DDL: a missing table then gives
     * {@code UNKNOWN} and a log line saying what to run.
     */
    public Builder createTable(boolean createTable) {
      this.createTable = createTable;
      return this;
    }

    /**
     * Whether the backend listens for notifications (true by default), so that a handover waits
     * for no timer. Off through a pooler in transaction mode (the backend finds that out itself
     * as well): handovers then take up to the retry period P.
     */
    public Builder listen(boolean listen) {
      this.listen = listen;
      return this;
    }

    /**
     * How many statements may run at once, which is how many connections the backend uses for
     * them (2 by default), whatever the number of elections; plus one for {@code LISTEN}.
     *
     * @throws IllegalArgumentException if not between 1 and 64
     */
    public Builder maxConnections(int maxConnections) {
      if (maxConnections < 1 || maxConnections > 64) {
        throw new IllegalArgumentException("maxConnections must be between 1 and 64, got "
            + maxConnections);
      }
      this.maxConnections = maxConnections;
      return this;
    }

    /**
     * How long the backend waits to connect, for a pool it makes itself (2 s by default; whole
     * seconds, at least 1).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder connectTimeout(Duration connectTimeout) {
      Objects.requireNonNull(connectTimeout, "connectTimeout");
      if (connectTimeout.isNegative() || connectTimeout.isZero()) {
        throw new IllegalArgumentException("connectTimeout must be positive, got "
            + connectTimeout);
      }
      this.connectTimeout = connectTimeout;
      return this;
    }

    /**
     * How often the {@code LISTEN} connection is checked (1 s by default): a silent one is found
     * within twice that, and a failed one tried again after it.
     *
     * @throws IllegalArgumentException if shorter than 100 ms
     */
    public Builder listenCheck(Duration listenCheck) {
      Objects.requireNonNull(listenCheck, "listenCheck");
      if (listenCheck.compareTo(Duration.ofMillis(100)) < 0) {
        throw new IllegalArgumentException("listenCheck must be at least 100ms, got "
            + listenCheck);
      }
      this.listenCheck = listenCheck;
      return this;
    }

    /**
     * Builds the backend. No I/O: the pool connects on first use.
     *
     * @throws IllegalStateException if neither a data source nor a URL was given, or both
     */
    public PostgresElectionBackend build() {
      if ((dataSource == null) == (url == null)) {
        throw new IllegalStateException("give either dataSource(...) or url(...)"
            + (dataSource != null ? ", not both" : ""));
      }
      Table t = new Table(schema, table);
      if (dataSource != null) {
        return new PostgresElectionBackend(this, t, dataSource, true, "the given data source");
      }
      PGSimpleDataSource single = new PGSimpleDataSource();
      single.setURL(url);
      if (user != null) {
        single.setUser(user);
      }
      if (password != null) {
        single.setPassword(password);
      }
      int connectSeconds = (int) Math.max(1, (connectTimeout.toMillis() + 999) / 1000);
      single.setConnectTimeout(connectSeconds);
      single.setLoginTimeout(connectSeconds);
      // bounds a read that nothing else bounds (an abandoned login); statements are bounded by
      // their own timeouts, far shorter
      single.setSocketTimeout(Math.max(10, connectSeconds));
      single.setTcpKeepAlive(true);
      // unnamed statements only: a pooler in transaction mode (PgBouncer before 1.21) hands each
      // transaction another server connection, where a named prepared statement does not exist
      single.setPrepareThreshold(0);
      single.setApplicationName("election");
      return new PostgresElectionBackend(this, t, single, false, shownUrl());
    }

    /** The URL without its query (which may hold a password), for messages. */
    private String shownUrl() {
      int q = url.indexOf('?');
      return q < 0 ? url : url.substring(0, q);
    }
  }
}
