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
   * Lists the open candidates of an election with the priorities they published ({@link
   * ElectionSettings#priority()}), for the engine's choice of a successor: on {@code resign()}
   * and {@code close()} a leader hands over to the candidate of the highest priority, a candidate
   * that takes over hands over at once to one of a higher priority than its own, and a leader
   * built with {@code preemptAfter} hands over to one that it has seen listed for that long. Only
   * candidates whose session, lease or entry is alive in the store are listed, in the order in
   * which the store would let them lead, where it keeps one (a queue store: first the leader,
   * then the next in line); a candidate of priority 0 may be left out where listing it would cost
   * writes (a record store), so a missing candidate counts as priority 0. The answer is a
   * snapshot and may be stale by the time it is read; the engine only uses it to choose whom to
   * name in a handover ({@link Candidate#handOver}), so a stale answer costs time, never safety.
   *
   * <p>By default the backend cannot list: the engine then releases as {@code resign()} does,
   * and priorities have no effect.
   *
   * @return a stage that completes with the candidates, or exceptionally when the store cannot
   *     be read or this backend cannot list ({@link UnsupportedOperationException})
   */
  default CompletionStage<java.util.List<OpenCandidate>> candidates(String election) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException(
        "backend " + name() + " cannot list the candidates of an election"));
  }

  /**
   * Frees what the backend holds (clients, sessions, leases, threads) that it made itself; a
   * client the user passed in stays open. Idempotent.
   */
  @Override
  void close();
}
