package io.github.election;

import io.github.election.spi.DaemonThreads;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the user's {@link LeaderTask} for each period of leadership (T1-T3): a run starts when
 * the candidate becomes leader, is interrupted when it stops being leader, and the run of a
 * later period starts only after the previous run returned or its drain timeout passed.
 */
final class LeaderWork {

  private static final Logger log = LoggerFactory.getLogger(LeaderWork.class);

  private final LeaderTask task;
  private final LongPredicate leads;
  private final String label;
  private final long drainNanos;
  private final ScheduledExecutorService scheduler;

  // all guarded by this
  private long wantedPeriod = -1;
  private long wantedTerm;
  private long startedPeriod = -1;
  private Thread running;
  private boolean cancelled;

  /**
   * @param leads whether the candidate leads in a term now, by the live view (with its renew
   *     deadline checked): asked on the run's own thread just before the task is called
   */
  LeaderWork(LeaderTask task, LongPredicate leads, String label, Duration drainTimeout,
      ScheduledExecutorService scheduler) {
    this.task = task;
    this.leads = leads;
    this.label = label;
    this.drainNanos = drainTimeout.toNanos();
    this.scheduler = scheduler;
  }

  /** The candidate became leader: period is the sequence of the LEADER event. */
  synchronized void lead(long period, long term) {
    wantedPeriod = period;
    wantedTerm = term;
    startIfDue();
  }

  /** The candidate is no longer leader: interrupt the run, if any. */
  synchronized void stop() {
    wantedPeriod = -1;
    if (running != null && !cancelled) {
      cancelled = true;
      running.interrupt();
      Thread cancelledRun = running;
      if (drainNanos > 0) {
        scheduler.schedule(() -> drainTimedOut(cancelledRun), drainNanos, TimeUnit.NANOSECONDS);
      } else {
        drainTimedOut(cancelledRun);
      }
    }
  }

  /**
   * Waits until no run is active, or the drain timeout passes.
   *
   * @return true if no run is active
   */
  synchronized boolean awaitIdle() throws InterruptedException {
    long deadline = System.nanoTime() + drainNanos;
    while (running != null) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(left / 1_000_000L, (int) (left % 1_000_000L));
    }
    return true;
  }

  /** Whether the calling thread is the current run's. */
  synchronized boolean isRunThread() {
    return running == Thread.currentThread();
  }

  private void startIfDue() {
    if (wantedPeriod < 0 || wantedPeriod == startedPeriod || running != null) {
      return;
    }
    long term = wantedTerm;
    startedPeriod = wantedPeriod;
    cancelled = false;
    Thread t = DaemonThreads.named(label + "-leader-term-" + term).newThread(() -> runOnce(term));
    running = t;
    t.start();
  }

  private void runOnce(long term) {
    try {
      // The thread may start long after it was asked for (a frozen or starved process): the
      // task is called only if leadership of that term still holds now.
      if (!leads.test(term)) {
        log.info("{}: leadership of term {} ended before its leader work could start; the work "
            + "is not started", label, term);
        return;
      }
      log.debug("{}: leader work starts for term {}", label, term);
      task.lead(term);
    } catch (InterruptedException e) {
      log.debug("{}: leader work of term {} interrupted", label, term);
    } catch (Throwable t) {
      log.warn("{}: leader work of term {} failed", label, term, t);
    } finally {
      finished(Thread.currentThread());
      log.debug("{}: leader work of term {} returned", label, term);
    }
  }

  private synchronized void finished(Thread run) {
    if (running == run) {
      running = null;
      notifyAll();
      startIfDue();
    }
  }

  private synchronized void drainTimedOut(Thread run) {
    if (running == run) {
      log.warn("{}: leader work did not return within the drain timeout of {} ms after it was "
          + "interrupted; going on without it", label, drainNanos / 1_000_000L);
      running = null;
      notifyAll();
      startIfDue();
    }
  }
}
