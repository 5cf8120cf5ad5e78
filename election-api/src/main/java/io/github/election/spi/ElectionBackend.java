package io.github.election.spi;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A coordination store, as the engine of {@code LeaderElection} uses it: the service provider
 * interface that a backend (ZooKeeper, etcd, Kubernetes, in-memory, your own) implements.
 *
 * <p>A backend only talks to its store. The engine, which lives once in {@code election-api},
 * owns the state of every candidate, the renew deadline, the order "state first, then
 * notify", coalescing and the leader work; a backend reports what it sees through {@link
 * Observation}s and never re-implements those.
 *
 * <p>One backend instance serves many elections and candidates (one client, one session or
 * lease for all). Implementations are thread-safe. The user who made a backend closes it, after
 * the elections that use it.
 */
public interface ElectionBackend extends AutoCloseable {

  /** A short name for logs and messages, such as {@code zookeeper}. */
  String name();

  /**
   * Checks, at build time, that this store can hold the election these settings describe, and
   * refuses what it cannot with an {@link IllegalArgumentException} naming the setting and the
   * value (an election name the store cannot use as a key, a lease duration the store cannot
   * honour, a renew deadline not shorter than the session timeout). Does no I/O.
   *
   * @throws IllegalArgumentException when the settings do not fit this store
   */
  default void validate(ElectionSettings settings) {
  }

  /**
   * Adds a candidate to an election. Does no I/O: the first {@link Candidate#poll()} enrols it.
   *
   * @param context the engine's side of the candidate; keep it to report changes
   * @return the new candidate
   * @throws IllegalStateException if this backend was closed
   */
  Candidate join(CandidateContext context);

  /**
   * Follows an election without taking part, for a {@code LeaderObserver}: a candidate that
   * never enrols and never writes to the store, whose every round reports {@code
   * FOLLOWING(leader, term)} of the election's current leader (or of nobody), and which tells
   * the engine of changes between rounds through {@link CandidateContext#changed()} from a
   * watch, so that an observer sees a handover within the store's handover bound. The engine
   * drives it as it drives a candidate (one call at a time, bounded, {@code leave()} once), and
   * never calls {@code release()}.
   *
   * <p>By default an {@link Onlooker} without a watch: each round is one {@link #inspect}, so
   * changes are seen at the next round (every P). A backend with watches overrides this.
   *
   * @param context the observer's side of the engine; its identity only names it in logs
   * @return the observing candidate
   * @throws IllegalStateException if this backend was closed
   */
  default Candidate observe(CandidateContext context) {
    return new Onlooker(this, context, () -> { }, () -> { });
  }

  /**
   * Looks at who leads an election without taking part in it (for status commands and
   * dashboards). The answer is a snapshot and may be stale by the time it is read.
   *
   * @return a stage that completes with what the store says, or exceptionally when the store
   *     cannot be read or this backend cannot look ({@link UnsupportedOperationException})
   */
  default CompletionStage<LeaderInfo> inspect(String election) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException(
        "backend " + name() + " cannot inspect an election without taking part"));
  }

  /**
   * Frees what the backend holds (clients, sessions, leases, threads) that it made itself; a
   * client the user passed in stays open. Idempotent.
   */
  @Override
  void close();
}
