package io.github.election;

/**
 * The link between a {@link LeadershipListener} (or a {@link TransitionRecorder} or {@link
 * RoundRecorder} added to a built election) and its election.
 *
 * <p>{@link #close()} ends it: once it returns, no new call of the listener or recorder starts
 * (a call already running on another thread may still finish). Closing twice, or after the
 * election closed, does nothing.
 */
public interface Subscription extends AutoCloseable {

  /** Stops the calls of this subscription; idempotent, safe from any thread. */
  @Override
  void close();
}
