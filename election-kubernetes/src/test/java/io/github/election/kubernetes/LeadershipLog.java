package io.github.election.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.election.LeadershipEvent;
import io.github.election.LeadershipState;
import io.github.election.TransitionRecorder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Records every candidate's LEADER periods (on the elections' common ticker, System.nanoTime)
 * through transition recorders, and checks S1 (no two overlap) and S3 (terms grow period after
 * period).
 */
final class LeadershipLog {

  /** One LEADER period; end is Long.MAX_VALUE while it lasts. */
  record Period(String identity, long term, long start, long end) {
  }

  private final List<Period> periods = new ArrayList<>();

  TransitionRecorder recorder(String identity) {
    return (previous, next) -> {
      synchronized (this) {
        if (previous.state() == LeadershipState.LEADER) {
          for (int i = periods.size() - 1; i >= 0; i--) {
            Period p = periods.get(i);
            if (p.identity().equals(identity) && p.end() == Long.MAX_VALUE) {
              periods.set(i, new Period(identity, p.term(), p.start(), next.sinceNanos()));
              break;
            }
          }
        }
        if (next.state() == LeadershipState.LEADER) {
          periods.add(new Period(identity, next.term(), next.sinceNanos(), Long.MAX_VALUE));
        }
      }
    };
  }

  /** A LEADER period of an elector outside the engine (fabric8's), started now; term unknown. */
  synchronized void externalStart(String identity) {
    periods.add(new Period(identity, 0, System.nanoTime(), Long.MAX_VALUE));
  }

  /** Ends the open period of an outside elector now. */
  synchronized void externalStop(String identity) {
    long now = System.nanoTime();
    for (int i = periods.size() - 1; i >= 0; i--) {
      Period p = periods.get(i);
      if (p.identity().equals(identity) && p.end() == Long.MAX_VALUE) {
        periods.set(i, new Period(identity, p.term(), p.start(), now));
        return;
      }
    }
  }

  synchronized List<Period> periods() {
    return new ArrayList<>(periods);
  }

  /**
   * S1 and S3 over everything recorded so far: no two periods overlap, and the terms of the
   * engine's periods grow (outside electors' periods have no term and are only checked for S1).
   */
  synchronized void assertSafe() {
    List<Period> sorted = new ArrayList<>(periods);
    sorted.sort(Comparator.comparingLong(Period::start));
    Period lastWithTerm = null;
    for (int i = 0; i < sorted.size(); i++) {
      Period after = sorted.get(i);
      if (i > 0) {
        Period before = sorted.get(i - 1);
        assertThat(after.start())
            .as("S1: %s began before %s ended", after, before)
            .isGreaterThanOrEqualTo(before.end());
      }
      if (after.term() > 0) {
        if (lastWithTerm != null) {
          assertThat(after.term())
              .as("S3: term of %s after %s", after, lastWithTerm)
              .isGreaterThan(lastWithTerm.term());
        }
        lastWithTerm = after;
      }
    }
  }

  static boolean isLeader(LeadershipEvent e) {
    return e.state() == LeadershipState.LEADER;
  }
}
