package io.github.election;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscription: a coalescing mailbox of at most one pending notification. {@link #signal()}
 * never blocks and never queues more than one run; the run reads the live view when it
 * delivers, so the pending notification always carries the newest state (N3). A run delivers a
 * view only if its sequence is newer than the last one delivered (N5, N7), and loops while
 * signals arrived during the call (N2).
 */
final class Mailbox implements Subscription, Runnable {

  private static final Logger log = LoggerFactory.getLogger(Mailbox.class);

  private static final int IDLE = 0;
  private static final int SCHEDULED = 1;
  private static final int RUNNING = 2;
  private static final int RUNNING_SIGNALLED = 3;

  private final Engine election;
  private final LeadershipListener listener;
  private final Executor executor;
  private final AtomicInteger status = new AtomicInteger(IDLE);
  private long delivered = -1; // guarded by this
  private boolean closed; // guarded by this
  private Thread caller; // guarded by this; the thread inside the listener, if any

  Mailbox(Engine election, LeadershipListener listener, Executor executor) {
    this.election = election;
    this.listener = listener;
    this.executor = executor;
  }

  /** Makes sure a run will read the view after this call. Never blocks. */
  void signal() {
    for (;;) {
      int s = status.get();
      if (s == IDLE) {
        if (status.compareAndSet(IDLE, SCHEDULED)) {
          try {
            executor.execute(this);
          } catch (RejectedExecutionException e) {
            status.set(IDLE);
            log.debug("notification of {} not scheduled: executor shut down", election.name());
          }
          return;
        }
      } else if (s == RUNNING) {
        if (status.compareAndSet(RUNNING, RUNNING_SIGNALLED)) {
          return;
        }
      } else {
        return; // a run that has yet to read the view is coming
      }
    }
  }

  @Override
  public void run() {
    status.set(RUNNING);
    for (;;) {
      LeadershipEvent event = election.current();
      boolean call;
      synchronized (this) {
        call = !closed && event.sequence() > delivered;
        if (call) {
          delivered = event.sequence();
          caller = Thread.currentThread();
        }
      }
      if (call) {
        try {
          listener.onChange(event);
        } catch (Throwable t) {
          log.warn("listener {} of election {} threw; it stays subscribed", listener,
              election.name(), t);
        } finally {
          synchronized (this) {
            caller = null;
            notifyAll();
          }
        }
      }
      if (status.compareAndSet(RUNNING, IDLE)) {
        return;
      }
      status.set(RUNNING);
    }
  }

  /** Whether the calling thread is inside this mailbox's listener. */
  synchronized boolean isCallerThread() {
    return caller == Thread.currentThread();
  }

  /**
   * Waits until a view of at least {@code sequence} was delivered, the mailbox closed, or the
   * deadline (System.nanoTime) passed.
   */
  synchronized boolean awaitDelivered(long sequence, long deadlineNanos) throws InterruptedException {
    while (!closed && delivered < sequence) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(left / 1_000_000L, (int) (left % 1_000_000L));
    }
    return true;
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      notifyAll();
    }
    election.remove(this);
  }

  @Override
  public String toString() {
    return "Subscription{" + election.name() + "/" + election.identity() + " -> " + listener + "}";
  }
}
