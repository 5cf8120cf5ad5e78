package io.github.election.benchmarks.postgresql;

import io.github.election.LeaderElection;
import io.github.election.benchmarks.BenchStore;
import io.github.election.benchmarks.BenchStoreProvider;
import io.github.election.benchmarks.Fleet;
import io.github.election.benchmarks.HarnessBench;
import io.github.election.postgresql.PostgresElectionBackend;
import io.github.election.postgresql.testing.PostgresHarness;
import io.github.election.postgresql.testing.PostgresServer;
import io.github.election.testing.StoreHarness;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * PostgreSQL for the benchmarks: a server started as the kit's fixture starts it ({@link
 * PostgresHarness}: Debian's binaries as a child process on 127.0.0.1, random port), our
 * backend, and the closest existing JVM leader election on PostgreSQL, Spring Integration's
 * {@code LockRegistryLeaderInitiator} over a {@code JdbcLockRegistry} ({@link SpringLocks}), on
 * the same server.
 *
 * <p>The scale runs count, on the server: the connections of each side ({@code pg_stat_activity}
 * by {@code application_name}: {@code election} for ours, {@value SpringLocks#APPLICATION_NAME}
 * for Spring's), the transactions of the database (committed and rolled back) as requests and its
 * rows inserted, updated and deleted as writes ({@code pg_stat_database}). A plain {@code SELECT
 * 1} on an open connection is the round trip of the P1 target.
 */
public final class PostgresBench extends HarnessBench {

  /** Our scale run's table. */
  static final String SCALE_TABLE = "scale_ours";
  /** Spring's region: the P1 and P2 runs', and the scale run's. */
  static final String REGION = "DEFAULT";
  static final String SCALE_REGION = "scale";
  /** The application name our backend gives its connections. */
  static final String OURS_APPLICATION = "election";
  /** The pool of each of Spring's clients in P1 and P2: one candidate at a time runs on it. */
  static final int CLIENT_POOL = 2;
  /** How long a scale run waits for the connections of earlier runs to go. */
  private static final Duration QUIET = Duration.ofSeconds(30);

  private final Connection admin; // guarded by this
  private final PreparedStatement selectOne; // guarded by this

  /** Starts the server and creates Spring's {@code INT_LOCK}. */
  public PostgresBench() {
    super("postgresql");
    try {
      this.admin = server().connect();
      SpringLocks.createTable(admin);
      this.selectOne = admin.prepareStatement("SELECT 1");
    } catch (SQLException | RuntimeException e) {
      super.close();
      throw new IllegalStateException("cannot set up PostgreSQL for the benchmarks: " + e, e);
    }
  }

  private PostgresServer server() {
    return ((PostgresHarness) harness()).server();
  }

  private static String jdbcUrl(String address) {
    return "jdbc:postgresql://" + address + "/" + PostgresServer.DATABASE;
  }

  /** A row names its holder only. */
  @Override
  protected int enrolledOurs(String election) {
    return -1;
  }

  @Override
  protected String oursSettings() {
    return "defaults of the harness's backend: a pool of its own, 2 connections for statements"
        + " + 1 for LISTEN; the P1 round trip: SELECT 1 on an open connection straight to the"
        + " server";
  }

  @Override
  public Side raw() {
    return new Side() {
      @Override
      public String label() {
        return "Spring Integration LockRegistryLeaderInitiator " + SpringLocks.version()
            + " (JdbcLockRegistry)";
      }

      @Override
      public String settings() {
        return SpringLocks.settings(timings().leaseDuration(), CLIENT_POOL)
            + "; P4: lock TTL 15 s (the default D), HikariCP's default pool";
      }

      @Override
      public BenchStore.Client newClient(boolean proxied) {
        StoreHarness.Connection link = harness().connect(proxied);
        SpringLocks locks;
        try {
          locks = new SpringLocks(jdbcUrl(link.address()), CLIENT_POOL,
              timings().leaseDuration(), REGION);
        } catch (RuntimeException e) {
          link.close();
          throw e;
        }
        return BenchStore.Client.of(locks::join, locks, link);
      }

      /** A lock row names its holder only. */
      @Override
      public int enrolled(String election) {
        return -1;
      }
    };
  }

  @Override
  public Scale scale(String side) {
    boolean ours = side.equals("ours");
    String application = ours ? OURS_APPLICATION : SpringLocks.APPLICATION_NAME;
    awaitNoConnections(application);
    String records = ours
        ? "SELECT count(*) FROM " + SCALE_TABLE + " WHERE holder IS NOT NULL"
        : "SELECT count(*) FROM int_lock WHERE region = '" + SCALE_REGION + "'";
    return Scale.of(server().address(),
        () -> stat("xact_commit + xact_rollback"),
        () -> stat("tup_inserted + tup_updated + tup_deleted"),
        () -> connections(application), () -> (int) query(records));
  }

  @Override
  public String holdersUnit() {
    return "connection(s)";
  }

  @Override
  public String loadMeasures() {
    return "ours: a leader and a follower per election on one backend, Spring: one candidate per"
        + " election; requests = transactions committed or rolled back, writes = rows inserted,"
        + " updated or deleted (pg_stat_database), so requests less writes counts the"
        + " transactions that wrote nothing (reads, checks); holding = pg_stat_activity by"
        + " application_name";
  }

  /**
   * Issue 14's: median handover at most 0.1x Spring Integration's and within 2 round trips;
   * 1,000 elections on at most 3 connections.
   */
  @Override
  public Targets targets() {
    return new Targets(0.1, 2, 1000, 3);
  }

  /** One {@code SELECT 1} on the open admin connection, straight to the server. */
  @Override
  public synchronized long roundTrip() {
    long t0 = System.nanoTime();
    try (ResultSet rs = selectOne.executeQuery()) {
      rs.next();
    } catch (SQLException e) {
      throw new IllegalStateException("SELECT 1 failed: " + e.getMessage(), e);
    }
    return System.nanoTime() - t0;
  }

  @Override
  public String storeVersion() {
    return "PostgreSQL " + queryText("SHOW server_version");
  }

  /** The connections with this application name that the server holds now. */
  int connections(String application) {
    return (int) query("SELECT count(*) FROM pg_stat_activity WHERE application_name = '"
        + application + "'");
  }

  private void awaitNoConnections(String application) {
    long end = System.nanoTime() + QUIET.toNanos();
    while (connections(application) > 0) {
      if (System.nanoTime() - end > 0) {
        throw new IllegalStateException(connections(application) + " connection(s) of "
            + application + " still open after " + QUIET.toSeconds() + " s: the scale run would"
            + " count them");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  /** A sum of counters of this database in {@code pg_stat_database}. */
  private long stat(String expression) {
    return query("SELECT " + expression + " FROM pg_stat_database WHERE datname = "
        + "current_database()");
  }

  private synchronized long query(String sql) {
    try (PreparedStatement ps = admin.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + " failed: " + e.getMessage(), e);
    }
  }

  private synchronized String queryText(String sql) {
    try (PreparedStatement ps = admin.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      try {
        admin.close();
      } catch (SQLException e) {
        // the server stops anyway
      }
    }
    super.close();
  }

  /**
   * A fleet for a child JVM, with the library's default timings (D 15 s, R 10 s, P 2 s). Ours:
   * {@code n} elections of two candidates each on one backend (table {@value #SCALE_TABLE}, its
   * default pool): first a leader per election, then, once they all lead, a follower per
   * election ({@link Fleet#leading()} counts the first group only). Spring: one candidate per
   * election on one client (a HikariCP pool of its default size, region {@value #SCALE_REGION},
   * lock TTL the default D of 15 s).
   */
  static Fleet fleet(String side, String address, int n) {
    String url = jdbcUrl(address);
    if (side.equals("ours")) {
      PostgresElectionBackend backend = PostgresElectionBackend.builder().url(url)
          .user(PostgresServer.USER).password(PostgresServer.PASSWORD).table(SCALE_TABLE)
          .build();
      List<LeaderElection> leaders = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        LeaderElection e = LeaderElection.builder(backend).name("e-" + i).identity("scale")
            .build();
        leaders.add(e);
        e.start();
      }
      long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (leaders.stream().filter(LeaderElection::isLeader).count() < n
          && System.nanoTime() - end < 0) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
      List<LeaderElection> followers = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        LeaderElection e = LeaderElection.builder(backend).name("e-" + i).identity("scale-f")
            .build();
        followers.add(e);
        e.start();
      }
      return new Fleet() {
        @Override
        public int leading() {
          return (int) leaders.stream().filter(LeaderElection::isLeader).count();
        }

        @Override
        public void close() {
          followers.forEach(LeaderElection::close);
          leaders.forEach(LeaderElection::close);
          backend.close();
        }
      };
    }
    SpringLocks locks = new SpringLocks(url, 0, LeaderElection.Builder.DEFAULT_LEASE_DURATION,
        SCALE_REGION);
    List<BenchStore.Candidate> candidates = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      candidates.add(locks.join("e-" + i, "scale", t -> { }));
    }
    return new Fleet() {
      @Override
      public int leading() {
        return (int) candidates.stream().filter(BenchStore.Candidate::isLeader).count();
      }

      @Override
      public void close() {
        candidates.forEach(BenchStore.Candidate::close);
        locks.close();
      }
    };
  }

  /** Registered for {@link java.util.ServiceLoader}: store {@code postgresql}. */
  public static final class Provider extends BenchStoreProvider {

    /** The provider. */
    public Provider() {
      super("postgresql", PostgresBench::new, PostgresBench::fleet);
    }
  }
}
