package io.github.election.spi;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for backends and the engine: daemon threads (an election never keeps a JVM
 * alive on its own; {@code close()} ends them) with names that say whose they are.
 */
public final class DaemonThreads {

  private DaemonThreads() {
  }

  /** Daemon threads named {@code prefix-1}, {@code prefix-2}, and so on. */
  public static ThreadFactory numbered(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> daemon(r, prefix + "-" + n.incrementAndGet());
  }

  /** Daemon threads all named {@code name} (for a pool of one). */
  public static ThreadFactory named(String name) {
    return r -> daemon(r, name);
  }

  /**
   * A scheduler with one daemon thread named {@code name}: a cancelled task leaves its queue at
   * once (timeouts are mostly cancelled), and delayed tasks are dropped on shutdown.
   */
  public static ScheduledThreadPoolExecutor scheduler(String name) {
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, named(name));
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    return executor;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
