package io.github.election;

/**
 * Sees every change of one election, in order, without coalescing: for audit logs, metrics
 * that count transitions, and the compatibility kit's safety monitor.
 *
 * <p><b>Threading.</b> Called synchronously on the thread that makes the change, while the
 * election holds its internal lock, before any {@link LeadershipListener} hears of it. It must
 * return quickly, must not block, and must not call the election. Exceptions are logged and
 * ignored. For anything slower, subscribe a {@link LeadershipListener} instead.
 *
 * <p>Given to the builder ({@link LeaderElection.Builder#transitionRecorder}) or added to a
 * built election ({@link LeaderElection#recordTransitions}); the builder's is called first.
 */
@FunctionalInterface
public interface TransitionRecorder {

  /**
   * Records one change.
   *
   * @param previous the view before the change
   * @param next the view after it; {@code next.sequence() == previous.sequence() + 1}
   */
  void record(LeadershipEvent previous, LeadershipEvent next);
}
