package io.github.election;

/**
 * A monotonic time source in nanoseconds, injectable so that tests can move time by hand.
 *
 * <p>Only differences between two readings mean anything; the origin is arbitrary. An
 * implementation must never go backwards and must be safe to call from any thread.
 */
@FunctionalInterface
public interface Ticker {

  /** Returns the current reading in nanoseconds. */
  long read();

  /** Returns the ticker of {@link System#nanoTime()}, the default of every election. */
  static Ticker system() {
    return System::nanoTime;
  }
}
