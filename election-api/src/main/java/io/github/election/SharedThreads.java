package io.github.election;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import io.github.election.spi.DaemonThreads;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads that all elections of the process share: one scheduler for polls and deadlines,
 * and an elastic pool for listeners. Reference-counted: the first election to start makes it,
 * the last one to close shuts it down, so that no thread outlives the elections.
 */
final class SharedThreads {

  private static final Logger log = LoggerFactory.getLogger(SharedThreads.class);

  /** A listener call that runs longer than this counts as stuck, and the pool grows around it. */
  static final long STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** The most threads the pool adds for stuck listeners. */
  static final int MAX_EXTRA_THREADS = 256;

  private static SharedThreads shared;
  private static int users;

  final ScheduledThreadPoolExecutor scheduler;
  final ThreadPoolExecutor notifierPool;
  final Executor notifier;
  private final int parallelism;
  private final Map<Thread, Long> callStarts = new ConcurrentHashMap<>();
  private final ScheduledFuture<?> stallMonitor;

  private SharedThreads() {
    scheduler = new ScheduledThreadPoolExecutor(1, DaemonThreads.numbered("election-scheduler"));
    scheduler.setRemoveOnCancelPolicy(true);
    scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    parallelism = Math.max(2, java.lang.Runtime.getRuntime().availableProcessors());
    notifierPool = new ThreadPoolExecutor(parallelism, parallelism, 10, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), DaemonThreads.numbered("election-notify"));
    notifierPool.allowCoreThreadTimeOut(true);
    notifier = this::executeListenerTask;
    stallMonitor = scheduler.scheduleWithFixedDelay(this::resize, 50, 50, TimeUnit.MILLISECONDS);
  }

  static synchronized SharedThreads acquire() {
    if (shared == null) {
      shared = new SharedThreads();
    }
    users++;
    return shared;
  }

  static synchronized void release(SharedThreads runtime) {
    if (runtime != shared) {
      return;
    }
    if (--users == 0) {
      shared = null;
      runtime.shutdown();
    }
  }

  /** Whether the calling thread is one of the shared threads. */
  boolean ownsCurrentThread() {
    String n = Thread.currentThread().getName();
    return n.startsWith("election-scheduler") || n.startsWith("election-notify");
  }

  private void executeListenerTask(Runnable task) {
    notifierPool.execute(() -> {
      Thread me = Thread.currentThread();
      callStarts.put(me, System.nanoTime());
      try {
        task.run();
      } finally {
        callStarts.remove(me);
      }
    });
  }

  /** Grows the pool by one thread per stuck listener call, and shrinks it when they return. */
  private void resize() {
    long now = System.nanoTime();
    int stuck = 0;
    for (Long started : callStarts.values()) {
      if (now - started > STALL_NANOS) {
        stuck++;
      }
    }
    int wanted = parallelism + Math.min(stuck, MAX_EXTRA_THREADS);
    int current = notifierPool.getCorePoolSize();
    if (wanted > current) {
      notifierPool.setMaximumPoolSize(wanted);
      notifierPool.setCorePoolSize(wanted);
      log.debug("{} listener calls are stuck; notification pool grown to {} threads", stuck, wanted);
    } else if (wanted < current) {
      notifierPool.setCorePoolSize(wanted);
      notifierPool.setMaximumPoolSize(wanted);
    }
  }

  private void shutdown() {
    stallMonitor.cancel(false);
    scheduler.shutdownNow();
    notifierPool.shutdown();
    boolean inside = ownsCurrentThread();
    if (!inside) {
      try {
        if (!notifierPool.awaitTermination(1, TimeUnit.SECONDS)) {
          log.warn("listeners still running 1s after the last election closed; interrupting them");
          notifierPool.shutdownNow();
        }
        scheduler.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
