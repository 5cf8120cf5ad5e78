package io.github.election;

import java.util.Objects;
import java.util.Optional;

/**
 * One round of a candidate with its store, as the engine saw it: when it was sent, when its
 * answer came (or the engine gave up on it), and what became of it. Handed to {@link
 * RoundRecorder}s; immutable.
 *
 * <p>A round is a poll (the candidate's regular look at the store, every retry period P or at
 * once after a change) or, in the hold-off after a {@linkplain LeaderElection#resign() resign},
 * an inspection of who leads. Both times are readings of the election's {@link Ticker}, the
 * clock of {@link LeadershipEvent#sinceNanos()}.
 */
public final class StoreRound {

  /** What became of a round. */
  public enum Outcome {
    /**
     * The store confirmed that this candidate leads: the renew deadline now counts from {@link
     * #sentNanos()} (unless the candidate is giving leadership up, on resign or close).
     */
    LEADING,
    /** The store answered that another candidate leads, or nobody. */
    FOLLOWING,
    /**
     * The store answered, but the backend had pushed a newer notice (a deleted key, a lost
     * session) after the round was sent: its answer may predate that notice and was ignored.
     */
    SUPERSEDED,
    /**
     * Failed: the backend answered that it cannot tell (a suspended session, a refused
     * request).
     */
    UNKNOWN,
    /** Failed: no answer within half the renew deadline; the engine gave up on the call. */
    TIMEOUT,
    /** Failed: the call threw or its stage completed exceptionally. */
    ERROR,
    /**
     * Failed: the answer came after the renew deadline of its send time and vouches for
     * nothing.
     */
    LATE;

    /** Whether a round with this outcome failed (the store gave no usable answer). */
    public boolean failed() {
      return this == UNKNOWN || this == TIMEOUT || this == ERROR || this == LATE;
    }
  }

  private final long sentNanos;
  private final long answeredNanos;
  private final Outcome outcome;
  private final String reason;
  private final Throwable error;

  StoreRound(long sentNanos, long answeredNanos, Outcome outcome, String reason, Throwable error) {
    this.sentNanos = sentNanos;
    this.answeredNanos = answeredNanos;
    this.outcome = Objects.requireNonNull(outcome, "outcome");
    this.reason = reason;
    this.error = error;
  }

  /** The reading of the election's ticker just before the call to the backend. */
  public long sentNanos() {
    return sentNanos;
  }

  /**
   * The reading of the election's ticker when the engine took the answer, or gave up on the
   * call ({@link Outcome#TIMEOUT}).
   */
  public long answeredNanos() {
    return answeredNanos;
  }

  /** How long the round took: {@code answeredNanos() - sentNanos()}, in nanoseconds. */
  public long latencyNanos() {
    return answeredNanos - sentNanos;
  }

  /** What became of the round. */
  public Outcome outcome() {
    return outcome;
  }

  /** Whether the round failed; the same as {@code outcome().failed()}. */
  public boolean failed() {
    return outcome.failed();
  }

  /**
   * Why the store could not tell ({@link Outcome#UNKNOWN}: the backend's reason, as it gave it;
   * it may contain text from the store), or the error's message; empty for other outcomes.
   */
  public Optional<String> reason() {
    return Optional.ofNullable(reason);
  }

  /**
   * The exception of a round that failed with {@link Outcome#ERROR} or {@link Outcome#TIMEOUT}
   * (unwrapped from a {@code CompletionException}); empty otherwise.
   */
  public Optional<Throwable> error() {
    return Optional.ofNullable(error);
  }

  @Override
  public String toString() {
    return "StoreRound{" + outcome + " in " + latencyNanos() / 1_000 + "us"
        + (reason == null ? "" : ": " + reason) + "}";
  }
}
