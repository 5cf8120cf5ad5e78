package io.github.election.postgresql;

import io.github.election.spi.DaemonThreads;
import io.github.election.spi.record.RecordConflictException;
import io.github.election.spi.record.RecordRefusedException;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend's statements: each a single short transaction (auto-commit), run by one of a few
 * worker threads (as many as the connections the backend may use, whatever the number of
 * elections), each bounded by a timeout of its own.
 *
 * <p><b>Connections.</b> With a pool of the application ({@code borrowed}), a worker takes a
 * connection for each statement and gives it back. Otherwise each worker keeps a connection of
 * its own, checks it before use when it lay idle for a second or more, and on a failure drops
 * it and connects again for the next statement, at once: no reconnect back-off (a pool such as
 * HikariCP backs off up to 5 s after failed attempts, which would keep a candidate out of the
 * election that long after its network healed, against rule F4).
 *
 * <p><b>Timeouts.</b> A statement whose time runs out before it got a connection is not sent, and
 * its stage fails at once. One that was sent has its connection aborted (the socket closed), so
 * the driver call returns at once; its stage completes then, never earlier, so that the next
 * request of the same candidate is sent only after this one can no longer be waiting in the
 * client.
 *
 * <p><b>Failures</b> become the record tier's: a lock held by a fenced transaction is a conflict;
 * a lost or refused connection, failed authentication, a missing table or right, and a read-only
 * server are refusals (the candidate reports {@code UNKNOWN} at once, and the reason is logged);
 * anything else fails the round.
 */
final class Requests {

  private static final Logger log = LoggerFactory.getLogger(Requests.class);

  private static final int QUEUED = 0;
  private static final int SENT = 1;
  private static final int DONE = 2;
  private static final int GAVE_UP = 3;
  /** A kept connection idle this long is checked before use. */
  private static final long IDLE_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** A statement on a connection. */
  @FunctionalInterface
  interface Statement<T> {
    T run(Connection connection) throws SQLException;
  }

  private final DataSource dataSource;
  private final boolean borrowed;
  private final String where;
  private final int threads;
  private final BlockingQueue<Call<?>> queue = new LinkedBlockingQueue<>();
  private final ScheduledThreadPoolExecutor deadlines;
  private final List<Worker> workers = new ArrayList<>();
  private boolean closed; // guarded by workers

  /**
   * @param borrowed whether {@code dataSource} is a pool whose connections are given back after
   *     each statement; else each worker keeps one of its own
   * @param where the server, for messages ({@code host:port/database})
   * @param threads how many statements may run at once (the connections in use)
   */
  Requests(DataSource dataSource, boolean borrowed, String where, int threads) {
    this.dataSource = dataSource;
    this.borrowed = borrowed;
    this.where = where;
    this.threads = threads;
    this.deadlines = DaemonThreads.scheduler("election-postgresql-deadline");
    this.deadlines.setRemoveOnCancelPolicy(true);
    this.deadlines.setKeepAliveTime(10, TimeUnit.SECONDS);
    this.deadlines.allowCoreThreadTimeOut(true);
  }

  String where() {
    return where;
  }

  /**
   * Runs {@code statement} on a connection, within {@code timeoutNanos}.
   *
   * @param what what the statement does, for messages
   */
  <T> CompletionStage<T> submit(String what, long timeoutNanos, Statement<T> statement) {
    Call<T> call = new Call<>(what, statement);
    synchronized (workers) {
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException(
            "the PostgreSQL backend is closed; " + what + " not sent"));
      }
      while (workers.size() < threads) {
        Worker w = new Worker();
        workers.add(w);
        w.thread.start();
      }
      queue.add(call);
    }
    try {
      call.deadline = deadlines.schedule(call::timeUp, Math.max(1, timeoutNanos),
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      call.timeUp();
    }
    return call.result;
  }

  /** Stops the workers (statements running have their connections aborted) and the timer. */
  void close() {
    List<Worker> all;
    synchronized (workers) {
      closed = true;
      all = List.copyOf(workers);
    }
    for (Worker w : all) {
      w.stop();
    }
    for (Call<?> c; (c = queue.poll()) != null; ) {
      c.result.completeExceptionally(new IllegalStateException("the PostgreSQL backend is "
          + "closed; " + c.what + " not sent"));
    }
    for (Worker w : all) {
      try {
        w.thread.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    deadlines.shutdownNow();
  }

  /** One worker thread and, unless borrowed, its connection. */
  private final class Worker {

    final Thread thread = DaemonThreads.numbered("election-postgresql-io").newThread(this::loop);
    private volatile Connection kept;
    private long lastUsed;
    private volatile boolean stopped;

    void stop() {
      stopped = true;
      thread.interrupt();
      Connection c = kept;
      if (c != null) {
        abort(c);
      }
    }

    private void loop() {
      try {
        while (!stopped) {
          Call<?> call = queue.take();
          call.runOn(this);
        }
      } catch (InterruptedException e) {
        // closing
      } finally {
        Connection c = kept;
        kept = null;
        if (c != null) {
          closeQuietly(c);
        }
      }
    }

    /** A connection for the next statement. */
    Connection connection() throws SQLException {
      if (borrowed) {
        Connection c = dataSource.getConnection();
        if (!c.getAutoCommit()) {
          c.setAutoCommit(true);
        }
        return c;
      }
      Connection c = kept;
      if (c != null && System.nanoTime() - lastUsed >= IDLE_CHECK_NANOS && !c.isValid(1)) {
        closeQuietly(c);
        kept = c = null;
      }
      if (c == null) {
        c = dataSource.getConnection();
        kept = c;
      }
      return c;
    }

    /** After a statement: gives a borrowed connection back, drops a broken kept one. */
    void done(Connection c, boolean broken) {
      if (borrowed) {
        closeQuietly(c);
        return;
      }
      if (broken || stopped) {
        closeQuietly(c);
        if (kept == c) {
          kept = null;
        }
      } else {
        lastUsed = System.nanoTime();
      }
    }
  }

  private final class Call<T> {

    final String what;
    final Statement<T> statement;
    final CompletableFuture<T> result = new CompletableFuture<>();
    final AtomicInteger state = new AtomicInteger(QUEUED);
    volatile Connection connection;
    volatile ScheduledFuture<?> deadline;
    volatile boolean timedOut;

    Call(String what, Statement<T> statement) {
      this.what = what;
      this.statement = statement;
    }

    void runOn(Worker worker) {
      if (state.get() != QUEUED) {
        return; // its time ran out while queued
      }
      Connection c;
      try {
        c = worker.connection();
      } catch (SQLException | RuntimeException e) {
        if (state.compareAndSet(QUEUED, DONE)) {
          cancelDeadline();
          result.completeExceptionally(translate(what, e, false));
        }
        return;
      }
      connection = c;
      if (!state.compareAndSet(QUEUED, SENT)) {
        worker.done(c, false); // the time ran out while connecting: not sent
        return;
      }
      boolean broken = false;
      try {
        T value = statement.run(c);
        state.set(DONE);
        // the statement completed, even if its deadline fired meanwhile: its answer stands
        result.complete(value);
      } catch (SQLException | RuntimeException e) {
        state.set(DONE);
        broken = timedOut || isConnectionFailure(e);
        result.completeExceptionally(translate(what, e, timedOut));
      } finally {
        cancelDeadline();
        worker.done(c, broken);
      }
    }

    private void cancelDeadline() {
      ScheduledFuture<?> d = deadline;
      if (d != null) {
        d.cancel(false);
      }
    }

    /** The statement's time ran out. */
    void timeUp() {
      if (state.compareAndSet(QUEUED, GAVE_UP)) {
        result.completeExceptionally(new IllegalStateException(what + " not sent: no connection "
            + "to PostgreSQL at " + where + " in time"));
        return;
      }
      if (state.get() == SENT) {
        timedOut = true;
        abort(connection); // the blocked driver call fails at once; the stage follows
      }
    }
  }

  private static boolean isConnectionFailure(Throwable e) {
    if (!(e instanceof SQLException)) {
      return false;
    }
    String state = ((SQLException) e).getSQLState();
    return state == null || state.startsWith("08") || state.startsWith("57P");
  }

  private static void abort(Connection c) {
    try {
      c.abort(Runnable::run);
    } catch (SQLException | RuntimeException e) {
      log.debug("cannot abort a connection", e);
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException | RuntimeException e) {
      log.debug("cannot close a connection", e);
    }
  }

  /** The record tier's view of a failed statement. */
  RuntimeException translate(String what, Throwable e, boolean timedOut) {
    if (timedOut) {
      return new IllegalStateException(what + ": no answer from PostgreSQL at " + where
          + " in time", e);
    }
    if (!(e instanceof SQLException)) {
      return e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e);
    }
    SQLException s = (SQLException) e;
    String state = s.getSQLState() == null ? "" : s.getSQLState();
    if (state.equals("55P03")) {
      return new RecordConflictException(what + ": the row is locked, by another candidate's "
          + "write or by a transaction of the leader that asserted its term (fencing), which a "
          + "new term waits for", s);
    }
    String refusal = refusal(state, s);
    if (refusal != null) {
      return new RecordRefusedException(refusal, s);
    }
    return new IllegalStateException(what + " failed on PostgreSQL at " + where + ": "
        + s.getMessage() + " (SQLSTATE " + state + ")", s);
  }

  /** Why a candidate cannot take part, or null when the failure is not one of those. */
  private String refusal(String state, SQLException s) {
    if (state.startsWith("08") || state.startsWith("57P") || s instanceof SQLTransientConnectionException
        || s.getCause() instanceof IOException) {
      return "PostgreSQL at " + where + " is unreachable or lost the connection (SQLSTATE "
          + (state.isEmpty() ? "none" : state) + ")";
    }
    switch (state) {
      case "28P01":
      case "28000":
        return "PostgreSQL at " + where + " refused the login: " + s.getMessage();
      case "3D000":
        return "PostgreSQL at " + where + ": " + s.getMessage();
      case "42501":
        return "PostgreSQL at " + where + " refused access: " + s.getMessage()
            + " (grant the role SELECT, INSERT, UPDATE on the election table)";
      case "42P01":
        return "PostgreSQL at " + where + ": " + s.getMessage() + " (let the backend create it,"
            + " or run the SQL file schema.sql of election-postgresql)";
      case "25006":
        return "PostgreSQL at " + where + " is read-only (a standby, or "
            + "default_transaction_read_only): this candidate cannot lead";
      default:
        return null;
    }
  }
}
