package io.github.election.spi.record;

import java.time.Duration;
import java.time.Instant;

/**
 * The leadership record of one election, as client-go's {@code LeaderElectionRecord} has it: who
 * holds the lease, for how long, since when, when it was last renewed, and how often it changed
 * hands. Immutable.
 *
 * <p>The times are wall-clock times of the writer, for people and other tools to read; no
 * candidate judges expiry by them (see {@link RecordElectionBackend}).
 *
 * @param holderIdentity the identity of the holder, or null when nobody holds the lease (an
 *     empty string counts as null)
 * @param leaseDuration how long the holder may go without renewing, or null when the record
 *     does not say (a candidate then assumes its own lease duration)
 * @param acquireTime when the holder acquired the lease, or null
 * @param renewTime when the holder last renewed the lease, or null
 * @param leaderTransitions how often the lease was acquired by a candidate that did not hold it
 *     without interruption before; the term of a period is this number plus one
 * @param preferredHolder the candidate that is to take the record next, or null (an empty
 *     string counts as null): written by a release that hands over to a named successor
 *     ({@code resign(successor)}), with no holder and the lease duration set to the handover
 *     timeout; the others leave the record to it until they have seen the record unchanged for
 *     that lease duration (see {@link RecordElectionBackend}); an acquisition clears it
 */
public record LeaderRecord(String holderIdentity, Duration leaseDuration, Instant acquireTime,
    Instant renewTime, long leaderTransitions, String preferredHolder) {

  /** A record without a preferred holder. */
  public LeaderRecord(String holderIdentity, Duration leaseDuration, Instant acquireTime,
      Instant renewTime, long leaderTransitions) {
    this(holderIdentity, leaseDuration, acquireTime, renewTime, leaderTransitions, null);
  }

  /**
   * @throws IllegalArgumentException if the lease duration or the transitions are negative
   */
  public LeaderRecord {
    if (holderIdentity != null && holderIdentity.isEmpty()) {
      holderIdentity = null;
    }
    if (preferredHolder != null && preferredHolder.isEmpty()) {
      preferredHolder = null;
    }
    if (leaseDuration != null && leaseDuration.isNegative()) {
      throw new IllegalArgumentException("leaseDuration must not be negative, got "
          + leaseDuration);
    }
    if (leaderTransitions < 0) {
      throw new IllegalArgumentException("leaderTransitions must not be negative, got "
          + leaderTransitions);
    }
  }

  /** The term of the period this record describes: {@code leaderTransitions + 1}. */
  public long term() {
    return leaderTransitions + 1;
  }
}
