package io.github.election.tck;

import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.LeadershipState;
import io.github.election.spi.ElectionBackend;

/**
 * One candidate that the kit made for a test: its own client of the store, the election built
 * on it, and the log of its notifications. Closed by the kit after the test.
 */
public final class Participant {

  private final String identity;
  private final ElectionBackend backend;
  private final LeaderElection election;
  private final EventLog log;

  Participant(String identity, ElectionBackend backend, LeaderElection election, EventLog log) {
    this.identity = identity;
    this.backend = backend;
    this.election = election;
    this.log = log;
  }

  /** The candidate's identity. */
  public String identity() {
    return identity;
  }

  /** The candidate's own client of the store. */
  public ElectionBackend backend() {
    return backend;
  }

  /** The candidate's election. */
  public LeaderElection election() {
    return election;
  }

  /** The log of every notification the candidate's subscriber got. */
  public EventLog log() {
    return log;
  }

  /** {@code election().isLeader()}. */
  public boolean isLeader() {
    return election.isLeader();
  }

  /** {@code election().state()}. */
  public LeadershipState state() {
    return election.state();
  }

  /** {@code election().current()}. */
  public LeadershipEvent current() {
    return election.current();
  }

  @Override
  public String toString() {
    return identity + "=" + election.current();
  }
}
