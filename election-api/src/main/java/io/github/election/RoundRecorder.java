package io.github.election;

/**
 * Sees every round of one candidate with its store, in order: for metrics of the store's
 * latency and failures (the {@code election-micrometer} module binds one), and for audits.
 *
 * <p><b>Ordering.</b> Rounds of one candidate never overlap, and each is recorded once, after
 * the engine applied its answer: a transition that the round caused is recorded by the
 * {@link TransitionRecorder}s first. A round answered after the election closed is not
 * recorded.
 *
 * <p><b>Threading.</b> Called synchronously on the thread that completed the round (the
 * backend's client thread, or the election's scheduler thread for a round it gave up on), while
 * the election holds its internal lock. It must return quickly, must not block, and must not
 * call the election. Exceptions are logged and ignored.
 *
 * @see LeaderElection#recordRounds(RoundRecorder)
 */
@FunctionalInterface
public interface RoundRecorder {

  /**
   * Records one round.
   *
   * @param round what the round was and what became of it
   */
  void record(StoreRound round);
}
