package io.github.election.spi;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Bounds how many rounds of one backend's candidates are at the store at once; the others wait
 * their turn here, in the order they came. Thousands of elections that start together on one
 * session or lease would otherwise put thousands of requests in the store's queue at once: the
 * last ones wait out their round's timeout there, the store still does their work, and every
 * round starts again after P (ZooKeeper), or the store refuses them and the session's or lease's
 * own heartbeat waits behind them (etcd: {@code too many requests}).
 *
 * <p>A round whose stage is cancelled while it waits (its poll was given up) is never started;
 * cancelling the stage of a round under way cancels the backend's own stage too. A round's turn
 * ends when its stage completes, cancelled included, so a round whose answer never comes holds a
 * turn no longer than the engine's timeout of the call. Thread-safe.
 */
public final class RoundTurns {

  /** The number of rounds at the store at once that backends use. */
  public static final int DEFAULT_AT_ONCE = 64;

  private final int atOnce;
  private final Executor starter;
  private final Object lock = new Object();
  private int running; // guarded by lock
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>(); // guarded by lock

  /**
   * @param atOnce how many rounds may be at the store at once, at least 1
   * @param starter the thread that starts a round that waited (never the one whose round just
   *     ended, so no chain of rounds runs on one stack); a closed one drops the rounds waiting
   */
  public RoundTurns(int atOnce, Executor starter) {
    if (atOnce < 1) {
      throw new IllegalArgumentException("atOnce must be at least 1, got " + atOnce);
    }
    this.atOnce = atOnce;
    this.starter = java.util.Objects.requireNonNull(starter, "starter");
  }

  /** How many rounds may be at the store at once. */
  public int atOnce() {
    return atOnce;
  }

  /**
   * Runs {@code round} now, or once fewer than {@link #atOnce()} rounds are at the store.
   *
   * @return a stage completing as the round's does; cancel it to give the round up
   */
  public <T> CompletableFuture<T> run(Supplier<CompletableFuture<T>> round) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Runnable start = () -> start(round, result);
    boolean now;
    synchronized (lock) {
      now = running < atOnce;
      if (now) {
        running++;
      } else {
        waiting.add(start);
      }
    }
    if (now) {
      start.run();
    }
    return result;
  }

  private <T> void start(Supplier<CompletableFuture<T>> round, CompletableFuture<T> result) {
    if (result.isDone()) {
      end(); // given up while it waited: the turn passes on
      return;
    }
    CompletableFuture<T> f;
    try {
      f = round.get();
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<T> own = f;
    result.whenComplete((value, error) -> {
      end();
      if (result.isCancelled()) {
        own.cancel(false);
      }
    });
    own.whenComplete((value, error) -> {
      if (error != null) {
        result.completeExceptionally(error);
      } else {
        result.complete(value);
      }
    });
  }

  /** A round ended: the next one waiting starts, on the starter. */
  private void end() {
    Runnable next;
    synchronized (lock) {
      next = waiting.poll();
      if (next == null) {
        running--;
        return;
      }
    }
    try {
      starter.execute(next);
    } catch (RejectedExecutionException e) {
      synchronized (lock) {
        waiting.clear(); // closed: the polls of those rounds fail by their timeouts
        running = 0;
      }
    }
  }
}
