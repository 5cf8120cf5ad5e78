package io.github.election.benchmarks;

import io.github.election.LeaderElection;
import io.github.election.spi.Candidate;
import io.github.election.spi.CandidateContext;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.Observation;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * P3, notification latency: from a change of state (the moment the engine records the
 * transition, just before the getters show it) to the start of each listener's call, through
 * the engine's real path (a poll on the shared scheduler, publish, the listeners' mailboxes, the
 * shared notification pool), with 1, 100 and 10,000 listeners, with and without one listener
 * that is stuck for the whole run. The store is a scripted backend whose poll answers at once,
 * so that only the engine is measured. Every change is LEADER to FOLLOWER or back, and the next
 * change is made only once every listener (but the stuck one) has been told of this one, so no
 * notification is coalesced away. Latencies go to an HdrHistogram (3 significant digits).
 */
final class NotifyBench {

  /** A backend whose only candidate answers each poll with the observation set last. */
  static final class ScriptedBackend implements ElectionBackend {
    volatile CandidateContext context;
    volatile Observation next = Observation.following("other", 1);

    @Override
    public String name() {
      return "scripted";
    }

    @Override
    public Candidate join(CandidateContext c) {
      this.context = c;
      return new Candidate() {
        @Override
        public CompletionStage<Observation> poll() {
          return CompletableFuture.completedFuture(next);
        }

        @Override
        public CompletionStage<Void> release() {
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> leave() {
          return CompletableFuture.completedFuture(null);
        }
      };
    }

    @Override
    public void close() {
    }
  }

  /**
   * The figures of one configuration: every listener call, and apart the first and the last
   * call of each change (the first shows the hand-off to the listener pool and the wake-up of
   * its thread; the last, the spread of one change over every listener).
   */
  record Result(int listeners, boolean stuck, int changes, Histogram histogram,
      Histogram firstCalls, Histogram lastCalls) {
    double p50() {
      return histogram.getValueAtPercentile(50);
    }

    double p99() {
      return histogram.getValueAtPercentile(99);
    }

    double max() {
      return histogram.getMaxValue();
    }

    /** This result and another round of the same configuration, together. */
    Result plus(Result other) {
      return new Result(listeners, stuck, changes + other.changes, sum(histogram, other.histogram),
          sum(firstCalls, other.firstCalls), sum(lastCalls, other.lastCalls));
    }

    private static Histogram sum(Histogram a, Histogram b) {
      Histogram h = a.copy();
      h.add(b);
      return h;
    }
  }

  private NotifyBench() {
  }

  /**
   * Runs one configuration on the default shared listener pool: {@code warmup} unrecorded
   * changes, then {@code changes}.
   */
  static Result run(int listeners, boolean stuck, int warmup, int changes) {
    return run(listeners, stuck, warmup, changes, null);
  }

  /**
   * Runs one configuration: {@code warmup} unrecorded changes, then {@code changes}, with the
   * listeners called on {@code executor} (the builder's {@code notificationExecutor}), or on the
   * default shared pool when null.
   */
  static Result run(int listeners, boolean stuck, int warmup, int changes, Executor executor) {
    ScriptedBackend backend = new ScriptedBackend();
    int total = warmup + changes;
    long[] changedAt = new long[total + 16];
    ConcurrentHistogram histogram = new ConcurrentHistogram(3);
    ConcurrentHistogram firstCalls = new ConcurrentHistogram(3);
    ConcurrentHistogram lastCalls = new ConcurrentHistogram(3);
    AtomicInteger remaining = new AtomicInteger(listeners);
    java.util.concurrent.atomic.AtomicLong target = new java.util.concurrent.atomic.AtomicLong(1);
    long firstRecorded = 2L + warmup;
    long lastRecorded = 1L + total;
    Thread driver = Thread.currentThread();
    CountDownLatch release = new CountDownLatch(1);
    LeaderElection.Builder builder = LeaderElection.builder(backend);
    if (executor != null) {
      builder.notificationExecutor(executor);
    }
    LeaderElection election = builder.name("notify").identity("me")
        // no timer poll and no deadline in the way of the run
        .leaseDuration(Duration.ofHours(3)).renewDeadline(Duration.ofHours(2))
        .retryPeriod(Duration.ofHours(1)).drainTimeout(Duration.ofMillis(100))
        .transitionRecorder((prev, next) -> {
          int seq = (int) next.sequence();
          if (seq < changedAt.length) {
            changedAt[seq] = System.nanoTime();
          }
        })
        .build();
    if (stuck) {
      election.subscribe(e -> {
        try {
          release.await(); // stuck until the run is over
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
      });
    }
    for (int i = 0; i < listeners; i++) {
      election.subscribe(e -> {
        long now = System.nanoTime();
        long seq = e.sequence();
        boolean recorded = seq >= firstRecorded && seq <= lastRecorded;
        long latency = recorded ? Math.max(0, now - changedAt[(int) seq]) : 0;
        if (recorded) {
          histogram.recordValue(latency);
        }
        if (seq == target.get()) {
          int left = remaining.decrementAndGet();
          if (recorded && left == listeners - 1) {
            firstCalls.recordValue(latency);
          }
          if (left == 0) {
            if (recorded) {
              lastCalls.recordValue(latency);
            }
            LockSupport.unpark(driver);
          }
        }
      });
    }
    try {
      // the first poll: UNKNOWN -> FOLLOWER is sequence 1
      election.start();
      awaitAll(remaining, 1);
      if (stuck) {
        // the pool grows around a call stuck for more than 100 ms (checked every 50 ms)
        Background.sleep(300);
      }
      for (int k = 1; k <= total; k++) {
        long seq = k + 1L;
        target.set(seq);
        remaining.set(listeners);
        backend.next = (k & 1) == 1 ? Observation.leading(seq) : Observation.following("other", seq);
        backend.context.changed();
        if (!awaitAll(remaining, 10)) {
          throw new IllegalStateException("listeners not told of change " + k + " within 10 s ("
              + remaining.get() + " of " + listeners + " waiting)");
        }
      }
    } finally {
      release.countDown();
      election.close();
    }
    return new Result(listeners, stuck, changes, histogram, firstCalls, lastCalls);
  }

  private static boolean awaitAll(AtomicInteger remaining, int seconds) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (remaining.get() > 0) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(10)));
    }
    return true;
  }
}
