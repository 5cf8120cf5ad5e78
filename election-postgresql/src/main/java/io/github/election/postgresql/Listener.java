package io.github.election.postgresql;

import io.github.election.spi.DaemonThreads;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend's {@code LISTEN} on its table's channel, on one connection of its own, held by one
 * thread: every write of a row notifies with the row as written ({@link Notice}), which the
 * candidates of that election keep (a follower's poll answers from it while this listener is
 * healthy, {@link #healthyWithin}), running a round at once when the holder changes or the row
 * is released (rule L2 without waiting for P).
 *
 * <p><b>Health.</b> After {@code LISTEN} the listener sends itself a probe through the request
 * pool: a pooler in transaction mode (PgBouncer) accepts {@code LISTEN} but never delivers, and
 * the probe shows it. Every {@code checkNanos} it sends {@code SELECT 1} with a network timeout,
 * so a silent connection is found. While it does not listen, candidates poll every P (the
 * engine's timer), and the backend says so once in the log; a watch request from a round tries
 * again when the last try is older than the back-off (a minute after a probe that did not
 * arrive). When it starts (again) to
 * listen, every candidate is told that the record may have changed unseen.
 */
final class Listener {

  private static final Logger log = LoggerFactory.getLogger(Listener.class);
  /** After a probe that did not arrive (a pooler that never delivers), try again this rarely. */
  private static final long UNDELIVERED_BACKOFF_NANOS = TimeUnit.MINUTES.toNanos(1);

  /** Tells a candidate's store that its election changed, or may have. */
  interface Target {
    /** A write of the election's row, as written (from a {@link Notice}). */
    void changedTo(io.github.election.spi.record.VersionedRecord record);

    /** The row may have changed unseen (or a notice without the row arrived). */
    void mayHaveChanged();
  }

  private final DataSource dataSource;
  private final Requests requests;
  private final Table table;
  private final long checkNanos;
  private final long backoffNanos;
  private final Map<String, Set<Target>> targets = new ConcurrentHashMap<>();
  private final Object lock = new Object();

  // guarded by lock
  private Thread thread;
  private Connection connection;
  private boolean closed;
  private long lastTry;
  private boolean tried;
  private boolean listening;
  private boolean saidDown;
  /** Whether the last try found that notifications are not delivered (a pooler). */
  private boolean undelivered;
  /** When the connection last showed it works: the probe, a notification, a check. */
  private long aliveAt;

  /**
   * @param checkNanos how often to check that the connection still answers
   * @param backoffNanos how long after a failed try the next one may start
   */
  Listener(DataSource dataSource, Requests requests, Table table, long checkNanos,
      long backoffNanos) {
    this.dataSource = dataSource;
    this.requests = requests;
    this.table = table;
    this.checkNanos = checkNanos;
    this.backoffNanos = backoffNanos;
  }

  /** Adds a candidate's store to an election's targets, and makes sure the listener runs. */
  void watch(String election, Target target) {
    targets.computeIfAbsent(election, k -> new CopyOnWriteArraySet<>()).add(target);
    synchronized (lock) {
      if (closed || thread != null) {
        return;
      }
      long now = System.nanoTime();
      if (tried && now - lastTry < (undelivered ? UNDELIVERED_BACKOFF_NANOS : backoffNanos)) {
        return;
      }
      tried = true;
      lastTry = now;
      thread = DaemonThreads.named("election-postgresql-listen").newThread(this::listen);
      thread.start();
    }
  }

  /** Removes a candidate's store. */
  void unwatch(String election, Target target) {
    targets.computeIfPresent(election, (k, set) -> {
      set.remove(target);
      return set.isEmpty() ? null : set;
    });
  }

  /** Whether notifications arrive now. */
  boolean isListening() {
    synchronized (lock) {
      return listening;
    }
  }

  /**
   * Whether notifications arrive now and the connection showed it works (its probe, a
   * notification, or a check) within {@code boundNanos} and within twice the check interval.
   */
  boolean healthyWithin(long boundNanos) {
    synchronized (lock) {
      return listening && System.nanoTime() - aliveAt < Math.min(boundNanos, 2 * checkNanos);
    }
  }

  private void alive() {
    synchronized (lock) {
      aliveAt = System.nanoTime();
    }
  }

  /** Ends the listener and closes its connection; returns once its thread has ended. */
  void close() {
    Thread t;
    Connection c;
    synchronized (lock) {
      closed = true;
      t = thread;
      c = connection;
    }
    if (c != null) {
      abort(c);
    }
    if (t != null) {
      t.interrupt();
      try {
        t.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ------------------------------------------------------------------ the thread

  private void listen() {
    String failure = null;
    try (Connection c = dataSource.getConnection()) {
      synchronized (lock) {
        if (closed) {
          return;
        }
        connection = c;
      }
      c.setAutoCommit(true);
      Executor direct = Runnable::run;
      int checkMillis = (int) Math.max(100, TimeUnit.NANOSECONDS.toMillis(checkNanos));
      c.setNetworkTimeout(direct, checkMillis * 2);
      PGConnection pg = c.unwrap(PGConnection.class);
      try (Statement s = c.createStatement()) {
        s.execute("LISTEN \"" + table.channel + "\"");
      }
      if (!probe(c, pg, checkMillis * 4L)) {
        synchronized (lock) {
          undelivered = true;
        }
        failure = "LISTEN on " + requests.where() + " delivers no notifications (a pooler in "
            + "transaction mode, such as PgBouncer?)";
        return;
      }
      synchronized (lock) {
        listening = true;
        aliveAt = System.nanoTime();
        undelivered = false;
        if (saidDown) {
          log.info("listening on {} again: handovers follow notifications at once",
              requests.where());
          saidDown = false;
        }
      }
      tellAll(); // what changed before this LISTEN went unseen
      while (!Thread.currentThread().isInterrupted()) {
        PGNotification[] got = pg.getNotifications(checkMillis);
        if (got != null && got.length > 0) {
          alive();
          dispatch(got);
        } else {
          try (Statement s = c.createStatement()) {
            s.execute("SELECT 1"); // a silent connection fails here, within the network timeout
          }
          alive();
        }
      }
    } catch (SQLException | RuntimeException e) {
      failure = "the LISTEN connection to " + requests.where() + " failed: " + e.getMessage();
    } finally {
      boolean tell;
      synchronized (lock) {
        tell = listening;
        listening = false;
        connection = null;
        thread = null;
        lastTry = System.nanoTime();
        if (failure != null && !closed && !saidDown) {
          saidDown = true;
          log.warn("{}; handovers wait for the retry period until it listens again", failure);
        } else if (failure != null && !closed) {
          log.debug("{}", failure);
        }
      }
      if (tell) {
        tellAll(); // notifications may be lost from here on: look now
      }
    }
  }

  /** Sends a probe notification through the request pool and waits for it on {@code c}. */
  private boolean probe(Connection c, PGConnection pg, long boundMillis) throws SQLException {
    String token = "probe:" + UUID.randomUUID();
    requests.submit("probe notification", TimeUnit.MILLISECONDS.toNanos(boundMillis), conn -> {
      try (java.sql.PreparedStatement ps = conn.prepareStatement("SELECT pg_notify(?, ?)")) {
        ps.setString(1, table.channel);
        ps.setString(2, token);
        ps.execute();
      }
      return null;
    });
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(boundMillis);
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      PGNotification[] got = pg.getNotifications(
          (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      if (got == null) {
        continue;
      }
      boolean seen = false;
      for (PGNotification n : got) {
        seen |= token.equals(n.getParameter());
      }
      dispatch(got);
      if (seen) {
        return true;
      }
    }
    return false;
  }

  /**
   * Hands each notification to the targets of its election: the row written ({@link Notice}),
   * or, for a notice with the name alone (an older writer, or a row too long for a payload), a
   * possible change; one that names no election it can read tells every target.
   */
  private void dispatch(PGNotification[] got) {
    for (PGNotification n : got) {
      String payload = n.getParameter();
      Notice notice = Notice.parse(payload);
      if (notice != null) {
        Set<Target> set = targets.get(notice.election());
        if (set != null) {
          set.forEach(t -> t.changedTo(notice.record()));
        }
      } else if (Notice.looksLikeOne(payload)) {
        log.debug("cannot read the notification '{}': telling every candidate", payload);
        tellAll();
      } else {
        Set<Target> set = targets.get(payload);
        if (set != null) {
          set.forEach(Target::mayHaveChanged);
        }
      }
    }
  }

  private void tellAll() {
    List.copyOf(targets.values()).forEach(set -> set.forEach(Target::mayHaveChanged));
  }

  private static void abort(Connection c) {
    try {
      c.abort(Runnable::run);
    } catch (SQLException | RuntimeException e) {
      log.debug("cannot abort the LISTEN connection", e);
    }
  }
}
