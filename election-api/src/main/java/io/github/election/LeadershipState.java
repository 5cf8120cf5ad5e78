package io.github.election;

/**
 * What one candidate knows of its own role in an election.
 *
 * <p>The three states are deliberately not a boolean: a candidate that cannot reach the store
 * does not know whether it leads, and says so with {@link #UNKNOWN} instead of guessing.
 * Code that must act only while it is the single leader checks for {@link #LEADER} and treats
 * the two other states alike.
 */
public enum LeadershipState {

  /**
   * This candidate holds leadership, confirmed by the store less than the renew deadline ago
   * (counted on the local monotonic clock from the moment the confirming request was sent).
   * At most one candidate of an election is in this state at any instant.
   */
  LEADER,

  /**
   * The store was reached recently and says that another candidate leads, or that nobody
   * leads right now and this candidate is waiting its turn. {@link LeaderElection#leader()}
   * names the leader when one is known.
   */
  FOLLOWER,

  /**
   * This candidate cannot tell right now: before its first successful look at the store,
   * while the store is unreachable, after leadership could not be confirmed in time, and after
   * the election was closed. Never a leader.
   */
  UNKNOWN
}
