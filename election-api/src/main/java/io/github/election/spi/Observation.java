package io.github.election.spi;

import io.github.election.LeadershipEvent;
import java.util.Objects;
import java.util.Optional;

/**
 * What a backend saw in the store about one candidate's election: this candidate leads, another
 * (or nobody) leads, or the store cannot tell. Immutable.
 *
 * <p>The engine turns observations into states; a backend never sets a state itself. Only an
 * observation returned by {@link Candidate#poll()} can make a candidate {@code LEADER}, because
 * only there does the engine know when the confirming request was sent.
 */
public final class Observation {

  /** The three kinds of observation. */
  public enum Kind {
    /** This candidate holds leadership in the store. */
    LEADING,
    /** Another candidate holds leadership, or nobody does and this candidate waits its turn. */
    FOLLOWING,
    /** The store could not be read or gave no answer that can be trusted. */
    UNKNOWN
  }

  private final Kind kind;
  private final String leader;
  private final long term;
  private final String reason;

  private Observation(Kind kind, String leader, long term, String reason) {
    this.kind = kind;
    this.leader = leader;
    this.term = term;
    this.reason = reason;
  }

  /**
   * This candidate leads, in the period numbered {@code term}.
   *
   * @param term a positive number that strictly increases from one leadership period of the
   *     election to the next, whoever leads
   * @throws IllegalArgumentException if term is not positive
   */
  public static Observation leading(long term) {
    requireTerm(term);
    return new Observation(Kind.LEADING, null, term, null);
  }

  /**
   * Another candidate leads, or nobody does.
   *
   * @param leader the identity of the leader, or null when nobody leads or it cannot be read
   * @param term the term of that leader's period, or {@link LeadershipEvent#NO_TERM} when none
   * @throws IllegalArgumentException if term is negative
   */
  public static Observation following(String leader, long term) {
    if (term < 0) {
      throw new IllegalArgumentException("term must not be negative, got " + term);
    }
    return new Observation(Kind.FOLLOWING, leader, term, null);
  }

  /**
   * The store cannot tell right now.
   *
   * @param reason a sentence for the log, naming what failed (e.g. "connection SUSPENDED")
   */
  public static Observation unknown(String reason) {
    return new Observation(Kind.UNKNOWN, null, LeadershipEvent.NO_TERM,
        Objects.requireNonNull(reason, "reason"));
  }

  private static void requireTerm(long term) {
    if (term <= 0) {
      throw new IllegalArgumentException("term must be positive, got " + term);
    }
  }

  /** The kind of observation. */
  public Kind kind() {
    return kind;
  }

  /** The leader's identity of a {@link Kind#FOLLOWING} observation, when known. */
  public Optional<String> leader() {
    return Optional.ofNullable(leader);
  }

  /** The term, or {@link LeadershipEvent#NO_TERM}. */
  public long term() {
    return term;
  }

  /** Why the store cannot tell, for an {@link Kind#UNKNOWN} observation. */
  public Optional<String> reason() {
    return Optional.ofNullable(reason);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Observation)) {
      return false;
    }
    Observation other = (Observation) o;
    return kind == other.kind && term == other.term && Objects.equals(leader, other.leader)
        && Objects.equals(reason, other.reason);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, leader, term, reason);
  }

  @Override
  public String toString() {
    switch (kind) {
      case LEADING:
        return "LEADING(term=" + term + ")";
      case FOLLOWING:
        return "FOLLOWING(leader=" + leader + ", term=" + term + ")";
      default:
        return "UNKNOWN(" + reason + ")";
    }
  }
}
