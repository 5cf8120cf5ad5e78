package io.github.election;

import java.util.Objects;
import java.util.Optional;

/**
 * An immutable view of one candidate's leadership at one moment: its state, who leads, and the
 * term of that leader's period. Both the notifications of {@link LeadershipListener} and
 * {@link LeaderElection#current()} hand these out.
 *
 * <p>Every change of state, leader or term gets a higher {@link #sequence()}, so two events of
 * one election compare by sequence: the higher one is newer. An event is a snapshot: by the
 * time it is read the election may have moved on, and {@link LeaderElection#current()} tells
 * the live view.
 */
public final class LeadershipEvent {

  /** The term of an event that knows of no leadership period. Real terms are positive. */
  public static final long NO_TERM = 0L;

  private final String election;
  private final String identity;
  private final LeadershipState state;
  private final String leader;
  private final long term;
  private final long sequence;
  private final long sinceNanos;

  LeadershipEvent(String election, String identity, LeadershipState state, String leader,
      long term, long sequence, long sinceNanos) {
    this.election = Objects.requireNonNull(election, "election");
    this.identity = Objects.requireNonNull(identity, "identity");
    this.state = Objects.requireNonNull(state, "state");
    this.leader = leader;
    this.term = term;
    this.sequence = sequence;
    this.sinceNanos = sinceNanos;
  }

  /** The name of the election. */
  public String election() {
    return election;
  }

  /** The identity of the candidate this event belongs to. */
  public String identity() {
    return identity;
  }

  /** The state of the candidate. */
  public LeadershipState state() {
    return state;
  }

  /** Whether the state is {@link LeadershipState#LEADER}. */
  public boolean isLeader() {
    return state == LeadershipState.LEADER;
  }

  /**
   * The identity of the leader, when one is known: this candidate's own identity while it is
   * {@code LEADER}, another's while it follows a known leader, empty while nobody leads or the
   * state is {@code UNKNOWN}.
   */
  public Optional<String> leader() {
    return Optional.ofNullable(leader);
  }

  /**
   * The term (fencing token) of the leadership period this event reports, or {@link #NO_TERM}
   * when there is none. Terms of one election strictly increase from one period to the next,
   * across candidates and restarts, so a store that records the highest term it has seen can
   * refuse the writes of an old leader.
   */
  public long term() {
    return term;
  }

  /**
   * The position of this event in the candidate's history of changes; every change of state,
   * leader or term increments it. The event of a candidate that has not started is number 0.
   */
  public long sequence() {
    return sequence;
  }

  /**
   * The reading of the election's {@link Ticker} at which this view (state, leader and term)
   * began: a new leader or term within the same state starts a new view. When leadership
   * ran out because it was not confirmed in time, this is the deadline itself, even if the
   * expiry was noticed later.
   */
  public long sinceNanos() {
    return sinceNanos;
  }

  /** Whether state, leader and term are the same as in {@code other} (sequence and time aside). */
  boolean sameView(LeadershipEvent other) {
    return state == other.state && term == other.term && Objects.equals(leader, other.leader);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof LeadershipEvent)) {
      return false;
    }
    LeadershipEvent e = (LeadershipEvent) o;
    return sequence == e.sequence && sinceNanos == e.sinceNanos && term == e.term
        && state == e.state && election.equals(e.election) && identity.equals(e.identity)
        && Objects.equals(leader, e.leader);
  }

  @Override
  public int hashCode() {
    return Objects.hash(election, identity, state, leader, term, sequence);
  }

  @Override
  public String toString() {
    return "LeadershipEvent{" + election + "/" + identity + " " + state
        + (leader == null ? "" : " leader=" + leader)
        + (term == NO_TERM ? "" : " term=" + term)
        + " #" + sequence + "}";
  }
}
