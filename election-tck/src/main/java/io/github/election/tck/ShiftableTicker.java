package io.github.election.tck;

import io.github.election.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The system's monotonic clock plus an offset that a test moves forward, to make a deadline
 * pass at once without waiting for it. Thread-safe; never goes backwards.
 */
public final class ShiftableTicker implements Ticker {

  private final AtomicLong offset = new AtomicLong();

  @Override
  public long read() {
    return System.nanoTime() + offset.get();
  }

  /**
   * Moves the clock forward.
   *
   * @throws IllegalArgumentException if the duration is negative
   */
  public void advance(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("a ticker cannot go back: " + d);
    }
    offset.addAndGet(d.toNanos());
  }
}
