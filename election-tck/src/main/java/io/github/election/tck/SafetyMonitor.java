package io.github.election.tck;

import io.github.election.LeadershipEvent;
import io.github.election.LeadershipState;
import io.github.election.TransitionRecorder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Records every candidate's {@code LEADER} intervals and terms, and checks the two safety rules:
 * no two candidates lead at once (S1) and terms strictly increase from one leadership period to
 * the next (S3).
 *
 * <p>Attach {@link #recorder()} to each election with {@code
 * LeaderElection.Builder#transitionRecorder}. Intervals run from the {@link
 * LeadershipEvent#sinceNanos()} of a {@code LEADER} view to that of the next view, so all
 * candidates must share one {@link io.github.election.Ticker} (the system's, by default): S1 is
 * "measured on one clock in one process". A candidate whose ticker a test moves by hand is
 * recorded apart ({@link #recorder(boolean)} with {@code false}) and left out of the checks.
 *
 * <p>Thread-safe.
 */
public final class SafetyMonitor {

  /** One period of leadership of one candidate, in ticker nanoseconds. */
  public record Interval(String identity, long term, long start, long end) {

    /** Whether the period has not ended yet. */
    public boolean open() {
      return end == Long.MAX_VALUE;
    }

    @Override
    public String toString() {
      return identity + " term " + term + " [" + start + ", " + (open() ? "open" : end) + "]";
    }
  }

  private final List<Interval> closed = new ArrayList<>();
  private final List<Interval> open = new ArrayList<>();
  private final List<Interval> excluded = new ArrayList<>();
  private volatile long toleratedOverlapNanos;
  /** By identity: since when (ticker) the candidate is not UNKNOWN; MAX_VALUE while it is. */
  private final Map<String, Long> backSince = new HashMap<>();

  /**
   * Lets S1 checks pass overlaps no longer than {@code d}: only for faults outside the contract,
   * such as a store that ends a live session from outside, which its holder learns of only by
   * the store's next notification.
   */
  public void tolerateOverlap(java.time.Duration d) {
    toleratedOverlapNanos = d.toNanos();
  }

  /** A recorder for one election, whose intervals take part in the checks. */
  public TransitionRecorder recorder() {
    return recorder(true);
  }

  /**
   * A recorder for one election.
   *
   * @param checked false for an election on a ticker of its own, whose times cannot be compared
   */
  public TransitionRecorder recorder(boolean checked) {
    return (previous, next) -> record(previous, next, checked);
  }

  private synchronized void record(LeadershipEvent previous, LeadershipEvent next, boolean checked) {
    if (next.state() == LeadershipState.UNKNOWN) {
      backSince.put(next.identity(), Long.MAX_VALUE);
    } else if (previous.state() == LeadershipState.UNKNOWN) {
      backSince.put(next.identity(), next.sinceNanos());
    }
    boolean was = previous.state() == LeadershipState.LEADER;
    boolean is = next.state() == LeadershipState.LEADER;
    if (was && (!is || previous.term() != next.term())) {
      open.removeIf(i -> i.identity().equals(previous.identity()) && i.term() == previous.term());
      Interval done = new Interval(previous.identity(), previous.term(), previous.sinceNanos(),
          next.sinceNanos());
      (checked ? closed : excluded).add(done);
    }
    if (is && (!was || previous.term() != next.term())) {
      Interval started = new Interval(next.identity(), next.term(), next.sinceNanos(), Long.MAX_VALUE);
      if (checked) {
        open.add(started);
      } else {
        excluded.add(started);
      }
    }
  }

  /** Every recorded interval of the checked elections, open ones included, by start. */
  public synchronized List<Interval> intervals() {
    List<Interval> all = new ArrayList<>(closed);
    all.addAll(open);
    all.sort(Comparator.comparingLong(Interval::start).thenComparingLong(Interval::end));
    return all;
  }

  /** The intervals of one candidate, by start. */
  public List<Interval> intervalsOf(String identity) {
    List<Interval> out = new ArrayList<>();
    for (Interval i : intervals()) {
      if (i.identity().equals(identity)) {
        out.add(i);
      }
    }
    return out;
  }

  /**
   * Since when (ticker nanoseconds) the candidate has been {@code FOLLOWER} or {@code LEADER}
   * without interruption, or empty while it is {@code UNKNOWN} (also before its first
   * transition). Rule F4 measures recovery with it.
   */
  public synchronized OptionalLong backSince(String identity) {
    long since = backSince.getOrDefault(identity, Long.MAX_VALUE);
    return since == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(since);
  }

  /** The highest term any checked candidate led with so far, or 0. */
  public long highestTerm() {
    return intervals().stream().mapToLong(Interval::term).max().orElse(0);
  }

  /**
   * Checks S1: no two intervals of different candidates overlap.
   *
   * @throws AssertionError naming the two intervals
   */
  public void assertAtMostOneLeader() {
    List<Interval> all = intervals();
    for (int i = 0; i < all.size(); i++) {
      for (int j = i + 1; j < all.size(); j++) {
        Interval a = all.get(i);
        Interval b = all.get(j);
        if (b.start() >= a.end()) {
          break; // sorted by start: no later interval overlaps a
        }
        long overlap = Math.min(a.end(), b.end()) - b.start();
        if (!a.identity().equals(b.identity()) && overlap > toleratedOverlapNanos) {
          throw new AssertionError("S1 violated: two leaders at once: " + a + " and " + b
              + " overlap by " + (Math.min(a.end(), b.end()) - b.start()) + " ns; history: " + all);
        }
      }
    }
  }

  /**
   * Checks S3: ordered by start, each interval's term is greater than the previous one's; the
   * same candidate may resume the same term (it never lost its lease, only contact).
   *
   * @throws AssertionError naming the two intervals
   */
  public void assertTermsIncrease() {
    List<Interval> all = intervals();
    for (int i = 1; i < all.size(); i++) {
      Interval a = all.get(i - 1);
      Interval b = all.get(i);
      boolean resumed = a.term() == b.term() && Objects.equals(a.identity(), b.identity());
      if (!resumed && b.term() <= a.term()) {
        throw new AssertionError("S3 violated: term " + b.term() + " of " + b
            + " does not exceed term " + a.term() + " of the earlier period " + a
            + "; history: " + all);
      }
    }
  }

  /** Checks S1 and S3. */
  public void assertSafe() {
    assertAtMostOneLeader();
    assertTermsIncrease();
  }

  @Override
  public String toString() {
    return "SafetyMonitor" + intervals();
  }
}
