package io.github.election.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.election.ElectionBackends;
import io.github.election.LeaderElection;
import io.github.election.LeadershipState;
import io.github.election.postgresql.testing.PgBouncer;
import io.github.election.postgresql.testing.PostgresHarness;
import io.github.election.postgresql.testing.PostgresServer;
import io.github.election.spi.ElectionBackend;
import io.github.election.testing.StoreHarness;
import io.github.election.testing.Timings;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.LoggerFactory;

/**
 * What the kit does not cover: fencing inside the leader's own transaction, the causes of
 * {@code UNKNOWN} that PostgreSQL gives (login, rights, missing table, read-only server), the
 * fallback from {@code LISTEN}, and the URI.
 */
class PostgresBackendTest {

  private static final Timings T = PostgresHarness.TIMINGS;

  private static PostgresServer server;
  private static PostgresHarness harness;

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final String election = "pg-" + UUID.randomUUID().toString().substring(0, 8);

  @BeforeAll
  static void start() throws SQLException {
    server = PostgresServer.start();
    harness = PostgresHarness.on(server);
    try (Connection c = server.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE ROLE reader LOGIN PASSWORD 'reader'");
      s.execute("ALTER ROLE reader SET default_transaction_read_only = on");
      s.execute("CREATE ROLE stranger LOGIN PASSWORD 'stranger'");
      s.execute("CREATE TABLE jobs (term bigint, what text)");
      s.execute(new Table(null, "ro_test").ddl());
      s.execute("GRANT SELECT ON ro_test TO reader");
    }
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private <C extends AutoCloseable> C closing(C c) {
    toClose.add(c);
    return c;
  }

  private LeaderElection candidate(ElectionBackend backend, String identity) {
    LeaderElection e = closing(T.applyTo(LeaderElection.builder(backend)).name(election)
        .identity(identity).build());
    e.start();
    return e;
  }

  private PostgresElectionBackend backend(String user, String password, String table,
      boolean create) {
    return closing(PostgresElectionBackend.builder().url(server.jdbcUrl()).user(user)
        .password(password).table(table).createTable(create).build());
  }

  private static Duration bound(Duration extra) {
    return T.leaseDuration().plus(T.retryPeriod()).plus(extra);
  }

  // ------------------------------------------------------------------ the roster

  @Test
  @DisplayName("listing the candidates deletes the roster rows of candidates gone for more than an hour, and keeps rows that ran out lately")
  void rosterRowsOfCandidatesLongGoneAreDeleted() throws Exception {
    PostgresElectionBackend b = backend(PostgresServer.USER, PostgresServer.PASSWORD,
        "roster_gc", true);
    assertThat(b.candidates(election).toCompletableFuture().get(5, TimeUnit.SECONDS)).isEmpty();
    try (Connection c = server.connect(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO roster_gc_roster VALUES ('" + election + "', 'ghost', 5,"
          + " clock_timestamp() - interval '2 hours'), ('" + election + "', 'lately', 5,"
          + " clock_timestamp() - interval '1 minute'), ('other', 'ghost', 5,"
          + " clock_timestamp() - interval '2 hours')");
    }
    assertThat(b.candidates(election).toCompletableFuture().get(5, TimeUnit.SECONDS)).isEmpty();
    try (Connection c = server.connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT election || '/' || identity FROM"
            + " roster_gc_roster ORDER BY 1")) {
      List<String> left = new ArrayList<>();
      while (rs.next()) {
        left.add(rs.getString(1));
      }
      assertThat(left).as("rows left").containsExactly("other/ghost", election + "/lately");
    }
  }

  // ------------------------------------------------------------------ fencing

  /** A leader on a connection of its own, and a transaction of it that has written one row. */
  private record LeaderInTransaction(StoreHarness.Connection link,
      PostgresElectionBackend backend, long term, Connection tx) {
  }

  /**
   * Candidate c1 leads on a proxied connection of its own (table {@code fence}); a transaction
   * straight to the server, fenced with c1's term or not, writes one job of that term.
   */
  private LeaderInTransaction leaderInTransaction(boolean fenced) throws SQLException {
    StoreHarness.Connection link = closing(harness.connect(true));
    PostgresElectionBackend b = (PostgresElectionBackend) link.backend("/fence",
        T.leaseDuration());
    LeaderElection c1 = candidate(b, "c1");
    await().atMost(bound(Duration.ofSeconds(1))).until(c1::isLeader);
    long term = c1.term();
    Connection tx = closing(server.connect());
    tx.setAutoCommit(false);
    if (fenced) {
      b.assertLeader(tx, c1);
    }
    insertJob(tx, term, "before the freeze");
    return new LeaderInTransaction(link, b, term, tx);
  }

  /**
   * A leader asserts its term in its own transaction, writes, and freezes (its client is cut off
   * from the server, its transaction left open). Another candidate takes over only once that
   * transaction has ended (the server ends an idle fenced transaction when the lease runs out),
   * and the frozen leader's late write and commit are refused: nothing it wrote in that
   * transaction is applied.
   */
  @Test
  void frozenLeadersWritesAreRefusedOnceAnotherTookOver() throws Exception {
    LeaderInTransaction l = leaderInTransaction(true);
    StoreHarness.Connection link1 = l.link();
    PostgresElectionBackend b1 = l.backend();
    long term = l.term();
    Connection tx = l.tx();
    long fencedPid = pid(tx);

    StoreHarness.Connection link2 = closing(harness.connect(true));
    LeaderElection c2 = candidate(link2.backend("/fence", T.leaseDuration()), "c2");
    AtomicReference<Boolean> fencedAliveAtTakeover = new AtomicReference<>();
    c2.subscribe(event -> {
      if (event.isLeader() && fencedAliveAtTakeover.get() == null) {
        fencedAliveAtTakeover.set(isBackendAlive(fencedPid));
      }
    });
    link1.crash(); // c1 freezes: no more renewals, its transaction stays open

    await().atMost(bound(T.leaseDuration())).until(c2::isLeader);
    assertThat(c2.term()).isGreaterThan(term);
    await().atMost(Duration.ofSeconds(5)).until(() -> fencedAliveAtTakeover.get() != null);
    assertThat(fencedAliveAtTakeover.get())
        .as("the fenced transaction had ended when c2 took over").isFalse();

    // c1 wakes up and goes on with its transaction: refused
    assertThatThrownBy(() -> {
      insertJob(tx, term, "after the freeze");
      tx.commit();
    }).isInstanceOf(SQLException.class);
    assertThat(jobsOfTerm(term)).as("rows of the deposed leader's term").isZero();
    // and a new transaction with the old term is refused by the fence itself
    try (Connection late = server.connect()) {
      late.setAutoCommit(false);
      assertThatThrownBy(() -> b1.assertLeader(late, election, term))
          .isInstanceOf(NotLeaderException.class).hasMessageContaining(election);
      late.rollback();
    }
  }

  /**
   * A leader's fenced transaction is busy in a statement longer than the lease (it is not idle,
   * so the server does not end it) while the leader is cut off: the next term waits until that
   * transaction committed, so all of its writes land before the successor leads.
   */
  @Test
  void takeoverWaitsForAFencedTransactionStillAtWork() throws Exception {
    LeaderInTransaction l = leaderInTransaction(true);
    StoreHarness.Connection link1 = l.link();
    long term = l.term();
    Connection tx = l.tx();
    StoreHarness.Connection link2 = closing(harness.connect(true));
    LeaderElection c2 = candidate(link2.backend("/fence", T.leaseDuration()), "c2");
    AtomicReference<Long> takeoverAt = new AtomicReference<>();
    c2.subscribe(event -> {
      if (event.isLeader()) {
        takeoverAt.compareAndSet(null, System.nanoTime());
      }
    });
    link1.crash();
    // the transaction works on past the lease, then commits
    long busy = T.leaseDuration().plus(T.renewDeadline()).toMillis();
    try (Statement s = tx.createStatement()) {
      s.execute("SELECT pg_sleep(" + busy / 1000.0 + ")");
    }
    insertJob(tx, term, "after the freeze");
    tx.commit();
    long committedAt = System.nanoTime();
    assertThat(takeoverAt.get()).as("c2 led while the fenced transaction was open").isNull();
    await().atMost(T.retryPeriod().plus(T.handover()).plus(Duration.ofSeconds(1)))
        .until(c2::isLeader);
    assertThat(takeoverAt.get() - committedAt).isPositive();
    assertThat(jobsOfTerm(term)).as("rows of the old term, all before the takeover").isEqualTo(2);
    assertThat(c2.term()).isGreaterThan(term);
  }

  /**
   * Without the fence, the same freeze lets the deposed leader's transaction commit after its
   * successor took over: what the test above guards against happens.
   */
  @Test
  void withoutTheFenceTheLateWriteLands() throws Exception {
    LeaderInTransaction l = leaderInTransaction(false);
    StoreHarness.Connection link1 = l.link();
    long term = l.term();
    Connection tx = l.tx();
    StoreHarness.Connection link2 = closing(harness.connect(true));
    LeaderElection c2 = candidate(link2.backend("/fence", T.leaseDuration()), "c2");
    link1.crash();
    await().atMost(bound(T.leaseDuration())).until(c2::isLeader);
    insertJob(tx, term, "after the freeze");
    tx.commit();
    assertThat(jobsOfTerm(term)).isEqualTo(2);
  }

  /** The fence refuses a term that is not the current one, and a follower. */
  @Test
  void fenceRefusesAnotherTermAndFollowers() throws Exception {
    PostgresElectionBackend b = backend(PostgresServer.USER, PostgresServer.PASSWORD,
        "fence_terms", true);
    LeaderElection c1 = candidate(b, "c1");
    LeaderElection c2 = candidate(b, "c2");
    await().atMost(bound(Duration.ofSeconds(1))).until(() -> c1.isLeader() || c2.isLeader());
    LeaderElection leader = c1.isLeader() ? c1 : c2;
    LeaderElection follower = leader == c1 ? c2 : c1;
    await().atMost(bound(Duration.ofSeconds(1)))
        .until(() -> follower.state() == LeadershipState.FOLLOWER);
    try (Connection c = server.connect()) {
      c.setAutoCommit(false);
      b.assertLeader(c, leader);
      c.rollback();
      assertThatThrownBy(() -> b.assertLeader(c, election, leader.term() + 1))
          .isInstanceOf(NotLeaderException.class);
      c.rollback();
      assertThatThrownBy(() -> b.assertLeader(c, follower))
          .isInstanceOf(NotLeaderException.class).hasMessageContaining("FOLLOWER");
      assertThatThrownBy(() -> b.assertLeader(c, "no-such-election", 1))
          .isInstanceOf(NotLeaderException.class);
      c.rollback();
    }
  }

  // ------------------------------------------------------------------ causes of UNKNOWN

  @Test
  void readOnlyServerGivesUnknownAndSaysWhy() {
    assertUnknownBecause(backend("reader", "reader", "ro_test", false), "read-only");
  }

  @Test
  void failedLoginGivesUnknownAndSaysWhy() {
    assertUnknownBecause(backend(PostgresServer.USER, "wrong", "login_test", true),
        "refused the login");
  }

  @Test
  void missingRightsGiveUnknownAndSayWhy() {
    // the table exists, made by the superuser; the stranger has no rights on it
    LeaderElection made = candidate(backend(PostgresServer.USER, PostgresServer.PASSWORD,
        "rights_test", true), "owner");
    await().atMost(bound(Duration.ofSeconds(1))).until(made::isLeader);
    assertUnknownBecause(backend("stranger", "stranger", "rights_test", false),
        "permission denied");
  }

  @Test
  void missingTableGivesUnknownAndSaysWhatToRun() {
    assertUnknownBecause(backend(PostgresServer.USER, PostgresServer.PASSWORD, "never_made",
        false), "schema.sql");
  }

  private void assertUnknownBecause(PostgresElectionBackend backend, String because) {
    Logger logger = (Logger) LoggerFactory.getLogger("io.github.election.spi.record");
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    logger.addAppender(seen);
    try {
      LeaderElection c = candidate(backend, "c-" + because.replace(' ', '-'));
      await().atMost(bound(Duration.ofSeconds(1))).until(() -> seen.list.stream()
          .anyMatch(e -> e.getFormattedMessage().contains(because)));
      assertThat(c.state()).isEqualTo(LeadershipState.UNKNOWN);
      long start = System.nanoTime();
      c.close();
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isLessThan(T.renewDeadline().plus(Duration.ofSeconds(1)));
    } finally {
      logger.detachAppender(seen);
    }
  }

  // ------------------------------------------------------------------ LISTEN

  /** Without LISTEN, a handover waits for the next round, within P. */
  @Test
  void withoutListenAHandoverTakesAtMostTheRetryPeriod() {
    PostgresElectionBackend b = closing(PostgresElectionBackend.builder().url(server.jdbcUrl())
        .user(PostgresServer.USER).password(PostgresServer.PASSWORD).table("nolisten")
        .listen(false).build());
    LeaderElection c1 = candidate(b, "c1");
    await().atMost(bound(Duration.ofSeconds(1))).until(c1::isLeader);
    LeaderElection c2 = candidate(b, "c2");
    await().atMost(bound(Duration.ofSeconds(1)))
        .until(() -> c2.state() == LeadershipState.FOLLOWER);
    assertThat(b.isListening()).isFalse();
    c1.resign();
    await().atMost(T.retryPeriod().plus(T.handover())).until(c2::isLeader);
  }

  /** A data source of the test server that counts the statements prepared on {@code table}. */
  private static DataSource counting(String table, AtomicInteger statements) {
    PGSimpleDataSource real = new PGSimpleDataSource();
    real.setURL(server.jdbcUrl());
    real.setUser(PostgresServer.USER);
    real.setPassword(PostgresServer.PASSWORD);
    InvocationHandler connections = (proxy, method, args) -> {
      try {
        Object result = method.invoke(real, args);
        if (!(result instanceof Connection c)) {
          return result;
        }
        return Proxy.newProxyInstance(Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class}, (p, m, a) -> {
              if (m.getName().equals("prepareStatement") && a != null
                  && a[0] instanceof String sql && sql.contains(" " + table + " ")) {
                statements.incrementAndGet();
              }
              try {
                return m.invoke(c, a);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
    return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(),
        new Class<?>[] {DataSource.class}, connections);
  }

  /**
   * The notification of every write carries the row as written, exactly as a read gives it
   * (times to the microsecond, texts of several code points), so a follower may keep it.
   */
  @Test
  void notificationsCarryTheRowAsWritten() throws Exception {
    PostgresElectionBackend b = backend(PostgresServer.USER, PostgresServer.PASSWORD, "notice_t",
        true);
    String name = "pg-\u00fc-\ud83d\ude42-" + UUID.randomUUID().toString().substring(0, 4);
    List<Notice> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (Connection listen = server.connect()) {
      LeaderElection e = closing(T.applyTo(LeaderElection.builder(b)).name(name)
          .identity("c-\u00e9\ud83d\ude00").build());
      e.start();
      await().atMost(bound(Duration.ofSeconds(1))).until(e::isLeader);
      try (Statement s = listen.createStatement()) {
        s.execute("LISTEN notice_t");
      }
      org.postgresql.PGConnection pg = listen.unwrap(org.postgresql.PGConnection.class);
      await().atMost(T.retryPeriod().multipliedBy(4)).until(() -> {
        for (var n : pg.getNotifications(50)) {
          Notice notice = Notice.parse(n.getParameter());
          assertThat(notice).as("notice in %s", n.getParameter()).isNotNull();
          seen.add(notice);
        }
        return !seen.isEmpty(); // a renewal
      });
      assertThat(seen.get(seen.size() - 1).record()).isEqualTo(readRow("notice_t", name));
      e.close(); // the release
      await().atMost(T.handover()).until(() -> {
        for (var n : pg.getNotifications(50)) {
          seen.add(Notice.parse(n.getParameter()));
        }
        return seen.get(seen.size() - 1).record().record().holderIdentity() == null;
      });
      Notice last = seen.get(seen.size() - 1);
      assertThat(last.election()).isEqualTo(name);
      assertThat(last.record()).isEqualTo(readRow("notice_t", name));
    }
  }

  private static io.github.election.spi.record.VersionedRecord readRow(String table, String name)
      throws SQLException {
    try (Connection c = server.connect(); PreparedStatement ps = c.prepareStatement(
        "SELECT holder, lease_duration_ms, acquire_time, renew_time, transitions,"
            + " preferred_holder, version FROM " + table + " WHERE name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return RowStore.decode(rs);
      }
    }
  }

  /**
   * What a round costs the database at steady state (issue 16): a follower whose backend
   * listens sends no statement (its polls answer from the rows the notifications carry, every
   * renewal included), and a leader renews with one statement per retry period P. A backend
   * test rather than a kit rule: "no statement" is a cost, not a leadership guarantee.
   */
  @Test
  void aListeningFollowerSendsNoStatementAndALeaderOnePerRetryPeriod() {
    AtomicInteger leaderStatements = new AtomicInteger();
    AtomicInteger followerStatements = new AtomicInteger();
    PostgresElectionBackend a = closing(PostgresElectionBackend.builder()
        .dataSource(counting("cost", leaderStatements)).table("cost").build());
    PostgresElectionBackend b = closing(PostgresElectionBackend.builder()
        .dataSource(counting("cost", followerStatements)).table("cost").build());
    LeaderElection c1 = candidate(a, "c1");
    await().atMost(bound(Duration.ofSeconds(1))).until(c1::isLeader);
    LeaderElection c2 = candidate(b, "c2");
    await().atMost(bound(Duration.ofSeconds(1)))
        .until(() -> c2.state() == LeadershipState.FOLLOWER && b.isListening());
    Duration p = T.retryPeriod();
    // past the follower's first read after its LISTEN started
    await().pollDelay(p.multipliedBy(4)).atMost(p.multipliedBy(5)).until(() -> true);
    leaderStatements.set(0);
    followerStatements.set(0);
    long t0 = System.nanoTime();
    // a measurement window of 20 retry periods, not a wait for a condition
    await().pollDelay(p.multipliedBy(20)).atMost(p.multipliedBy(21)).until(() -> true);
    int follower = followerStatements.get();
    int leader = leaderStatements.get();
    double periods = (System.nanoTime() - t0) / (double) p.toNanos();
    assertThat(c1.isLeader()).isTrue();
    assertThat(c2.state()).isEqualTo(LeadershipState.FOLLOWER);
    assertThat(follower).as("statements of the follower in %.1f periods", periods).isZero();
    assertThat((double) leader).as("statements of the leader in %.1f periods", periods)
        .isBetween(periods * 0.6, periods + 1);
  }

  /**
   * The LISTEN connection is ended by the server: the backend listens again on its own, and the
   * next handover is at once again.
   */
  @Test
  void lostListenConnectionIsMadeAgain() throws SQLException {
    PostgresElectionBackend b = backend(PostgresServer.USER, PostgresServer.PASSWORD,
        "relisten", true);
    LeaderElection c1 = candidate(b, "c1");
    LeaderElection c2 = candidate(b, "c2");
    await().atMost(bound(Duration.ofSeconds(1))).until(b::isListening);
    try (Connection c = server.connect(); Statement s = c.createStatement()) {
      s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
          + " WHERE query LIKE 'LISTEN%' OR query = 'SELECT 1'");
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> !b.isListening());
    await().atMost(Duration.ofSeconds(5)).until(b::isListening);
    await().atMost(bound(Duration.ofSeconds(1))).until(() -> c1.isLeader() || c2.isLeader());
    LeaderElection leader = c1.isLeader() ? c1 : c2;
    LeaderElection other = leader == c1 ? c2 : c1;
    await().atMost(bound(Duration.ofSeconds(1)))
        .until(() -> other.state() == LeadershipState.FOLLOWER);
    leader.resign();
    await().atMost(T.handover()).until(other::isLeader);
  }

  /**
   * Through PgBouncer in transaction mode: the backend finds that LISTEN delivers nothing, says
   * so, and elects and hands over by its rounds; a leader keeps its term over many renewals.
   */
  @Test
  void worksThroughPgBouncerInTransactionMode() {
    PgBouncer bouncer = closing(PgBouncer.start(server));
    Logger logger = (Logger) LoggerFactory.getLogger(Listener.class);
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    logger.addAppender(seen);
    try {
      PostgresElectionBackend b = closing(PostgresElectionBackend.builder()
          .url(bouncer.jdbcUrl()).user(PostgresServer.USER).password(PostgresServer.PASSWORD)
          .table("pooled").build());
      LeaderElection c1 = candidate(b, "c1");
      LeaderElection c2 = candidate(b, "c2");
      await().atMost(bound(Duration.ofSeconds(1))).until(() -> c1.isLeader() || c2.isLeader());
      LeaderElection leader = c1.isLeader() ? c1 : c2;
      LeaderElection other = leader == c1 ? c2 : c1;
      await().atMost(bound(Duration.ofSeconds(1)))
          .until(() -> other.state() == LeadershipState.FOLLOWER);
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.list.stream()
          .anyMatch(e -> e.getFormattedMessage().contains("delivers no notifications")));
      assertThat(b.isListening()).isFalse();
      leader.resign();
      await().atMost(T.retryPeriod().plus(T.handover())).until(other::isLeader);
      long term = other.term();
      // renewals go on through the pooler: the same term for longer than D
      await().during(T.leaseDuration().plus(T.retryPeriod())).atMost(T.leaseDuration()
          .plus(Duration.ofSeconds(2))).until(() -> other.isLeader() && other.term() == term);
    } finally {
      logger.detachAppender(seen);
    }
  }

  // ------------------------------------------------------------------ URI and settings

  @Test
  void uriOpensABackendOnItsTable() {
    URI uri = URI.create("postgresql://" + PostgresServer.USER + ":" + PostgresServer.PASSWORD
        + "@" + server.address() + "/" + PostgresServer.DATABASE + "?table=from_uri");
    ElectionBackend b = closing(ElectionBackends.open(uri));
    assertThat(b).isInstanceOf(PostgresElectionBackend.class);
    assertThat(((PostgresElectionBackend) b).table()).isEqualTo("from_uri");
    LeaderElection c = candidate(b, "c1");
    await().atMost(bound(Duration.ofSeconds(1))).until(c::isLeader);
  }

  @Test
  void badSettingsFailNamingSettingAndValue() {
    assertThatThrownBy(() -> ElectionBackends.open(URI.create(
        "postgresql://u:secret@127.0.0.1:1/db?table=Bad-Name")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("table 'Bad-Name'");
    assertThatThrownBy(() -> ElectionBackends.open(URI.create(
        "postgresql://u:secret@127.0.0.1:1/db?tabel=x")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tabel")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> ElectionBackends.open(URI.create("postgresql:///db")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no host");
    assertThatThrownBy(() -> ElectionBackends.open(URI.create(
        "postgresql://127.0.0.1:1/")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("database");
    assertThatThrownBy(() -> ElectionBackends.open(URI.create(
        "postgresql://127.0.0.1:1/db?listen=maybe")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("listen 'maybe'");
    assertThatThrownBy(() -> PostgresElectionBackend.builder().schema("1x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schema '1x'");
    assertThatThrownBy(() -> PostgresElectionBackend.builder().maxConnections(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConnections");
    assertThatThrownBy(() -> PostgresElectionBackend.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("dataSource");
  }

  /** An unreachable server gives UNKNOWN, and closing does not hang. */
  @Test
  void unreachableServerGivesUnknownWithoutHanging() {
    PostgresElectionBackend b = closing(PostgresElectionBackend.builder()
        .url("jdbc:postgresql://127.0.0.1:1/db").user("u").password("p").build());
    assertUnknownBecause(b, "unreachable");
  }

  // ------------------------------------------------------------------ helpers

  private void insertJob(Connection c, long term, String what) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO jobs VALUES (?, ?)")) {
      ps.setLong(1, term);
      ps.setString(2, election + " " + what);
      ps.execute();
    }
  }

  private int jobsOfTerm(long term) throws SQLException {
    try (Connection c = server.connect();
         PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM jobs WHERE term = ?"
             + " AND what LIKE ?")) {
      ps.setLong(1, term);
      ps.setString(2, election + " %");
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static long pid(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static boolean isBackendAlive(long pid) {
    try (Connection c = server.connect();
         PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity"
             + " WHERE pid = ?")) {
      ps.setLong(1, pid);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1) > 0;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
