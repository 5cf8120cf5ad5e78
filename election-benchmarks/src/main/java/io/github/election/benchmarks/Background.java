package io.github.election.benchmarks;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes clients off the measuring thread: a crashed client may take its session timeout to
 * close, and the next runs need not wait for it.
 */
public final class Background {

  private static final Logger log = LoggerFactory.getLogger(Background.class);
  private static final ExecutorService CLOSER = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "bench-closer");
    t.setDaemon(true);
    return t;
  });

  private Background() {
  }

  /** Runs a close in the background, logging what it throws. */
  public static void close(AutoCloseable c) {
    CLOSER.execute(() -> {
      try {
        c.close();
      } catch (Exception e) {
        log.debug("closing {} failed: {}", c, e.toString());
      }
    });
  }

  /** Waits up to {@code seconds} for the background closes under way. */
  static void drain(int seconds) {
    CLOSER.shutdown();
    try {
      CLOSER.awaitTermination(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Sleeps, for the harness's settle times (never in library code). */
  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
