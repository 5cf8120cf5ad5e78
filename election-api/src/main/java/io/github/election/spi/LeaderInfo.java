package io.github.election.spi;

import io.github.election.LeadershipEvent;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Who leads an election, as a look at the store shows it to an onlooker that does not take
 * part ({@link ElectionBackend#inspect}). Immutable.
 */
public final class LeaderInfo {

  private final String election;
  private final String leader;
  private final long term;
  private final Instant since;

  /**
   * @param election the election's name
   * @param leader the leader's identity, or null when nobody leads
   * @param term the term of the leader's period, or {@link LeadershipEvent#NO_TERM}
   * @param since when the store recorded the start of that period, or null when it does not say
   */
  public LeaderInfo(String election, String leader, long term, Instant since) {
    this.election = Objects.requireNonNull(election, "election");
    this.leader = leader;
    this.term = term;
    this.since = since;
  }

  /** The election's name. */
  public String election() {
    return election;
  }

  /** The leader's identity; empty when nobody leads. */
  public Optional<String> leader() {
    return Optional.ofNullable(leader);
  }

  /** The term of the leader's period, or {@link LeadershipEvent#NO_TERM}. */
  public long term() {
    return term;
  }

  /** The store's time of the start of the period (wall clock of the store), when it records one. */
  public Optional<Instant> since() {
    return Optional.ofNullable(since);
  }

  @Override
  public String toString() {
    return "LeaderInfo{" + election + ": " + (leader == null ? "no leader" : leader + ", term "
        + term + (since == null ? "" : ", since " + since)) + "}";
  }
}
