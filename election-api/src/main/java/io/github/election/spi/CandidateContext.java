package io.github.election.spi;

import io.github.election.Ticker;

/**
 * What the engine gives a backend for one candidate: its settings, the clock, and two ways to
 * report what the store says between polls.
 *
 * <p>Both report methods are safe to call from any thread, never block, and may be called
 * after the candidate was closed (they then do nothing). They are meant for the store's change
 * notifications (watches, connection-state listeners), so that handovers do not wait for the
 * next poll.
 */
public interface CandidateContext {

  /** The candidate's settings. */
  ElectionSettings settings();

  /**
   * The election's monotonic clock. A backend that measures time for the election (e.g. how
   * long a lease record has been unchanged) reads this one, so that tests can move it.
   */
  Ticker ticker();

  /**
   * Tells the engine that the store reported a change that may concern this candidate: the
   * engine runs a {@link Candidate#poll()} at once (or right after the one under way).
   */
  void changed();

  /**
   * Reports what the store said outside a poll. An {@code UNKNOWN} observation is applied at
   * once, and so is a {@code FOLLOWING} one unless the candidate is {@code UNKNOWN} (leaving
   * {@code LEADER} early is always safe; leaving {@code UNKNOWN} takes a poll's answer); a
   * {@code LEADING} one is never applied as such, since its send time is unknown: it counts as
   * {@link #changed()}. Every observation is followed by a poll. The answer of a poll that was
   * already under way when an {@code UNKNOWN} or {@code FOLLOWING} observation came is ignored:
   * it may describe the store as it was before what the observation reports (a poll that read
   * our key just before the store deleted it must not make us {@code LEADER} again).
   */
  void observed(Observation observation);

  /**
   * Starts a confirmation of this candidate by a request about to be sent that confirms many
   * candidates at once (a session heartbeat, a lease keep-alive): call it right before sending,
   * and complete it when the store answered (see {@link Confirmation}). Without confirmations a
   * candidate is confirmed by its rounds alone, every P.
   *
   * <p>By default (a context that does not take confirmations) one that changes nothing.
   *
   * @return the confirmation; one of a closed candidate does nothing
   */
  default Confirmation confirmation() {
    return Confirmation.NONE;
  }

  /**
   * The store asks this candidate, while it leads, to hand its leadership to {@code successor}
   * (another party set the record's preferred holder, as Kubernetes' coordinated leader election
   * does with {@code spec.preferredHolder}): the engine hands over as {@code resign(successor)}
   * does, leaving {@code LEADER} first, on a thread of its own, if the candidate still leads the
   * term it leads now. Never blocks; ignored when the candidate does not lead, is already giving
   * up, or is named itself. By default (a context that does not take requests) ignored.
   *
   * @param successor the identity of the candidate the store prefers
   */
  default void handOverRequested(String successor) {
  }
}
