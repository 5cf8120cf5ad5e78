package io.github.election.spi;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The candidate of an observer ({@link ElectionBackend#observe}): it never enrols and never
 * writes. A round is one {@link ElectionBackend#inspect} of the election, reported as {@code
 * FOLLOWING(leader, term)} ({@code FOLLOWING(null, 0)} when nobody leads); a failed look fails
 * the round, so the engine reports {@code UNKNOWN} once R passed without an answer, as for a
 * candidate. The backend's watch, if it has one, tells the engine of changes between rounds: a
 * backend passes what starts it (called at the start of every round, so it can restart a watch
 * that ended; it must return at once and be cheap when the watch runs) and what stops it
 * (called once, from {@link #leave()}).
 *
 * <p>Thread-safe; the engine calls one method at a time.
 */
public final class Onlooker implements Candidate {

  private static final Logger log = LoggerFactory.getLogger(Onlooker.class);

  private final ElectionBackend backend;
  private final String election;
  private final Runnable eachRound;
  private final Runnable onLeave;
  private volatile boolean left;

  /**
   * @param backend whose {@link ElectionBackend#inspect} makes the rounds
   * @param context the observer's side of the engine: its settings name the election
   * @param eachRound starts the backend's watch if it is not running (it calls {@link
   *     CandidateContext#changed()} on a change); may be a no-op
   * @param onLeave stops the watch; may be a no-op
   */
  public Onlooker(ElectionBackend backend, CandidateContext context, Runnable eachRound,
      Runnable onLeave) {
    this.backend = Objects.requireNonNull(backend, "backend");
    this.election = context.settings().name();
    this.eachRound = Objects.requireNonNull(eachRound, "eachRound");
    this.onLeave = Objects.requireNonNull(onLeave, "onLeave");
  }

  /** Looks at the store once (after making sure the watch runs). */
  @Override
  public CompletionStage<Observation> poll() {
    if (left) {
      return CompletableFuture.failedFuture(new IllegalStateException("observer of " + election
          + " left"));
    }
    try {
      eachRound.run();
    } catch (RuntimeException e) {
      log.debug("observer of {} on {}: cannot watch: {}", election, backend.name(), e.toString());
    }
    CompletionStage<LeaderInfo> look;
    try {
      look = Objects.requireNonNull(backend.inspect(election), "inspect returned null");
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return look.thenApply(info -> Observation.following(info.leader().orElse(null),
        info.leader().isPresent() ? info.term() : 0));
  }

  /** An observer holds nothing: does nothing. */
  @Override
  public CompletionStage<Void> release() {
    return CompletableFuture.completedFuture(null);
  }

  /** Stops the watch. */
  @Override
  public CompletionStage<Void> leave() {
    if (!left) {
      left = true;
      try {
        onLeave.run();
      } catch (RuntimeException e) {
        log.debug("observer of {} on {}: stopping the watch failed: {}", election,
            backend.name(), e.toString());
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public String toString() {
    return "Onlooker{" + election + " on " + backend.name() + "}";
  }
}
