package io.github.election.tck;

import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.LeadershipListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A listener that records each call it gets, with what the election's getters showed at the
 * start of the call, and whether calls overlapped. The kit subscribes one to every candidate.
 * Thread-safe.
 */
public final class EventLog implements LeadershipListener {

  /**
   * One call of the listener.
   *
   * @param event the event it was given
   * @param seen {@code current()} of the election, read first thing in the call
   * @param startNanos System.nanoTime() at the start of the call
   */
  public record Call(LeadershipEvent event, LeadershipEvent seen, long startNanos) {
  }

  private final java.util.function.Supplier<LeadershipEvent> current;
  private final List<Call> calls = new ArrayList<>();
  private final AtomicInteger inside = new AtomicInteger();
  private volatile int maxConcurrent;

  /** A log for the calls of one election's notifications. */
  public EventLog(LeaderElection election) {
    this.current = election::current;
  }

  /** A log for the calls of one observer's notifications. */
  public EventLog(io.github.election.LeaderObserver observer) {
    this.current = observer::current;
  }

  @Override
  public void onChange(LeadershipEvent event) {
    int now = inside.incrementAndGet();
    try {
      if (now > maxConcurrent) {
        maxConcurrent = now;
      }
      LeadershipEvent seen = current.get();
      synchronized (this) {
        calls.add(new Call(event, seen, System.nanoTime()));
      }
    } finally {
      inside.decrementAndGet();
    }
  }

  /** The calls so far, in the order they started. */
  public synchronized List<Call> calls() {
    return new ArrayList<>(calls);
  }

  /** The events so far, in the order of the calls. */
  public synchronized List<LeadershipEvent> events() {
    List<LeadershipEvent> out = new ArrayList<>();
    calls.forEach(c -> out.add(c.event()));
    return out;
  }

  /** The last event received, if any. */
  public synchronized Optional<LeadershipEvent> last() {
    return calls.isEmpty() ? Optional.empty() : Optional.of(calls.get(calls.size() - 1).event());
  }

  /** The most calls that were ever under way at once (1 for a correct election). */
  public int maxConcurrent() {
    return maxConcurrent;
  }
}
