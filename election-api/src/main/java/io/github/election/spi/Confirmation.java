package io.github.election.spi;

/**
 * A confirmation of one candidate by a request that serves many at once: a session heartbeat
 * (ZooKeeper), a lease keep-alive (etcd). Made by {@link CandidateContext#confirmation()} right
 * before the request is sent, so that the engine reads its clock no later than the send time;
 * completed with {@link #confirmed()} once the store answered. A confirmation that is never
 * completed (the request failed) changes nothing and needs no clean-up.
 *
 * <p>With confirmations a backend's candidates need no round per election while nothing changes:
 * a leader's renew deadline R counts from the send time of the last confirmed heartbeat (rule
 * S2 unchanged), and a follower's view is kept alive the same way; the engine's timed round runs
 * only when confirmations stop coming. The engine applies a confirmation only when all of these
 * hold, and else ignores it (rule S5):
 *
 * <ul>
 *   <li>the candidate's current view ({@code LEADER} or {@code FOLLOWER}) came from a round, and
 *       that round was sent no later than this confirmation's request: a heartbeat sent before
 *       the round that put the candidate where it is confirms nothing;
 *   <li>no change was reported ({@link CandidateContext#changed()}, {@link
 *       CandidateContext#observed}) since that round was sent: a change awaits the next round;
 *   <li>the view has not lapsed, the candidate is not giving leadership up, and no round is
 *       under way for {@link #leading}.
 * </ul>
 *
 * <p>The backend's part: confirm a candidate only with a request on the session or lease that
 * holds its node or key (never with a stale or a new session's), and only while its watch is
 * established, so that a change of who leads reaches the engine as a {@link
 * CandidateContext#changed()} before a later confirmation (ZooKeeper delivers watch events before
 * the answers of later requests of the same session).
 *
 * <p>Thread-safe; both methods return at once.
 */
public interface Confirmation {

  /** A confirmation that is never applied (of a context that does not take confirmations). */
  Confirmation NONE = new Confirmation() {
    @Override
    public boolean confirmed() {
      return false;
    }

    @Override
    public boolean leading(long term) {
      return false;
    }
  };

  /**
   * The store answered the request: extends the deadline of the candidate's current view to
   * R after this request's send time, if the conditions above hold.
   *
   * @return whether the engine applied it
   */
  boolean confirmed();

  /**
   * The store's watch showed, after the round that made this candidate a follower, that the
   * candidate's node or key is now the first one and nothing earlier can appear (its only
   * predecessor was deleted): the candidate leads in {@code term}, confirmed from this
   * request's send time, without another round. Only for a confirmation already {@linkplain
   * #confirmed() confirmed} by the store, on the session or lease of the candidate's node or
   * key; applied under the conditions above, when the current view is {@code FOLLOWER}. When it
   * returns false the backend asks for a round ({@link CandidateContext#changed()}).
   *
   * @param term the term of the new period
   * @return whether the engine applied it
   * @throws IllegalArgumentException if term is not positive
   */
  boolean leading(long term);
}
