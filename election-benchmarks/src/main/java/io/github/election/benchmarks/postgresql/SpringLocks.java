package io.github.election.benchmarks.postgresql;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.github.election.benchmarks.BenchStore;
import io.github.election.postgresql.testing.PostgresServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import org.springframework.integration.jdbc.lock.DefaultLockRepository;
import org.springframework.integration.jdbc.lock.JdbcLockRegistry;
import org.springframework.integration.leader.AbstractCandidate;
import org.springframework.integration.leader.Context;
import org.springframework.integration.support.leader.LockRegistryLeaderInitiator;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/**
 * Spring Integration's leader election on PostgreSQL, set up as its reference guide shows it,
 * without Spring Boot: a {@code DefaultLockRepository} (table {@code INT_LOCK}, its transactions
 * through a {@code DataSourceTransactionManager}), a {@code JdbcLockRegistry} whose locks live
 * for the lease duration D, and one {@code LockRegistryLeaderInitiator} per candidate (its role
 * is the election's name), on a HikariCP pool, the pool Spring Boot gives an application. One
 * instance is one client process: a pool and a client id of its own.
 *
 * <p>The initiator keeps Spring's defaults: the leader renews its lock every {@code
 * heartBeatMillis} (500 ms), a follower tries the lock every {@code idleBetweenTries} (100 ms,
 * the registry's) within attempts of {@code heartBeatMillis}, and waits {@code busyWaitMillis}
 * (50 ms) after losing the lock or failing. Giving up is {@link LockRegistryLeaderInitiator#stop()},
 * which interrupts the initiator's thread, whose lock is then deleted; {@code Context.yield()}
 * takes effect only after the leader's heartbeat sleep (up to 500 ms) and lets the yielding
 * leader try again after 50 ms, so it may take the lock back.
 */
final class SpringLocks implements AutoCloseable {

  /** The {@code application_name} of the pool's connections, for {@code pg_stat_activity}. */
  static final String APPLICATION_NAME = "spring-integration";
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final HikariDataSource pool;
  private final DefaultLockRepository repository;
  private final JdbcLockRegistry registry;

  /**
   * Connects (the pool fills at once) and checks that {@code INT_LOCK} exists.
   *
   * @param poolSize the pool's maximum size, or 0 for HikariCP's default (10)
   * @param ttl how long a lock lives unless renewed (the registry's {@code expireAfter})
   * @param region the repository's region (rows of other regions are not seen)
   */
  SpringLocks(String jdbcUrl, int poolSize, Duration ttl, String region) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setUsername(PostgresServer.USER);
    config.setPassword(PostgresServer.PASSWORD);
    config.setPoolName("spring-locks-" + POOLS.incrementAndGet());
    if (poolSize > 0) {
      config.setMaximumPoolSize(poolSize);
    }
    config.addDataSourceProperty("ApplicationName", APPLICATION_NAME);
    this.pool = new HikariDataSource(config);
    try {
      this.repository = new DefaultLockRepository(pool);
      repository.setRegion(region);
      repository.setTransactionManager(new DataSourceTransactionManager(pool));
      repository.afterPropertiesSet();
      repository.afterSingletonsInstantiated();
      repository.start();
      this.registry = new JdbcLockRegistry(repository, ttl);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /** What this side sets, for the report. */
  static String settings(Duration ttl, int poolSize) {
    return "JdbcLockRegistry expireAfter (lock TTL) = D = " + ttl.toMillis() + " ms;"
        + " LockRegistryLeaderInitiator defaults: heartBeatMillis "
        + LockRegistryLeaderInitiator.DEFAULT_HEART_BEAT_TIME + ", busyWaitMillis "
        + LockRegistryLeaderInitiator.DEFAULT_BUSY_WAIT_TIME + "; idleBetweenTries 100 ms"
        + " (default); HikariCP pool per client of "
        + (poolSize > 0 ? poolSize + " connection(s)" : "its default size (10)")
        + "; giving up: LockRegistryLeaderInitiator.stop()";
  }

  /** Starts a candidacy: an initiator whose role is the election's name. */
  BenchStore.Candidate join(String election, String identity, LongConsumer onLeader) {
    LockRegistryLeaderInitiator initiator = new LockRegistryLeaderInitiator(registry,
        new AbstractCandidate(identity, election) {
          @Override
          public void onGranted(Context ctx) {
            onLeader.accept(System.nanoTime());
          }

          @Override
          public void onRevoked(Context ctx) {
          }
        });
    initiator.start();
    return new BenchStore.Candidate() {
      @Override
      public String identity() {
        return identity;
      }

      @Override
      public boolean isLeader() {
        return initiator.getContext().isLeader();
      }

      /** A follower does not learn who leads: it runs and does not lead. */
      @Override
      public boolean follows(String leader) {
        return initiator.isRunning() && !isLeader();
      }

      @Override
      public void giveUp() {
        initiator.stop();
      }

      @Override
      public void close() {
        initiator.stop();
      }
    };
  }

  /** Deletes the rows of this client (as closing a Spring context does), then closes the pool. */
  @Override
  public void close() {
    try {
      repository.close();
    } finally {
      pool.close();
    }
  }

  /**
   * Creates {@code INT_LOCK} from the DDL in spring-integration-jdbc's jar ({@code
   * schema-postgresql.sql}, which makes every table of the module: only this one is run).
   */
  static void createTable(Connection admin) {
    String ddl;
    String path = "org/springframework/integration/jdbc/schema-postgresql.sql";
    try (InputStream in = DefaultLockRepository.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException(path + " is not on the class path");
      }
      ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String lockTable = null;
    for (String statement : ddl.split(";")) {
      if (statement.contains("CREATE TABLE INT_LOCK")) {
        lockTable = statement.trim();
      }
    }
    if (lockTable == null) {
      throw new IllegalStateException("no CREATE TABLE INT_LOCK in " + path);
    }
    try (Statement st = admin.createStatement()) {
      st.execute(lockTable);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create INT_LOCK: " + e.getMessage(), e);
    }
  }

  /** The version of spring-integration-jdbc on the class path. */
  static String version() {
    String v = JdbcLockRegistry.class.getPackage().getImplementationVersion();
    return v == null ? "7.0" : v;
  }
}
