package io.github.election.spi.record;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * One leadership record of one election in a store that can compare and set it, as one
 * candidate sees it: the store side of the record tier, shaped like client-go's {@code
 * resourcelock.Interface}. A backend implements this and {@link RecordElectionBackend#open};
 * the candidate that runs client-go's algorithm on it is written once, in {@code election-api}.
 *
 * <p><b>Calls.</b> The candidate calls {@link #get}, {@link #create} and {@link #update} one at
 * a time: the next only after the stage of the previous one completed. Every method returns at
 * once and does its I/O asynchronously. Every stage must complete, with the store's answer or
 * with the failure of the request: bound each request with a timeout of the store's own (the
 * candidate waits for it before it sends the next request, so that a late write can never land
 * after the release that follows it). A stage failed with {@link RecordRefusedException}
 * reports {@code UNKNOWN} at once; any other failure is a failed round, which the engine retries.
 *
 * <p><b>Threads.</b> Stages may complete on any thread, also on the calling one. Implementations
 * are thread-safe.
 */
public interface RecordStore {

  /**
   * Reads the record.
   *
   * @return a stage that completes with the record and its version, or empty when there is none
   */
  CompletionStage<Optional<VersionedRecord>> get();

  /**
   * Writes the record where there is none.
   *
   * @return a stage that completes with the record as written and its version, or exceptionally
   *     with {@link RecordConflictException} when a record exists already
   */
  CompletionStage<VersionedRecord> create(LeaderRecord record);

  /**
   * Replaces the record, if it is still at the version of {@code current}.
   *
   * @param current the record as this store last returned it (by {@link #get}, {@link #create}
   *     or {@link #update}), whose version the write must match
   * @param next the record to write
   * @return a stage that completes with the record as written and its new version, or
   *     exceptionally with {@link RecordConflictException} when the record was written or
   *     removed since {@code current}
   */
  CompletionStage<VersionedRecord> update(VersionedRecord current, LeaderRecord next);

  /**
   * Makes sure a watch on the record runs, if the store has one: called at the start of every
   * round of the candidate (so a store restarts here a watch that ended), never after {@link
   * #leave}. The store tells the watcher of each change it sees; the candidate decides which
   * changes matter (a new holder, a release) and has the engine poll at once for those, so a
   * handover waits for no timer; while the watch is healthy ({@link #watchHealthy()}) a
   * follower's poll answers from what it delivered, with no request. Without a watch (the
   * default), handovers wait for the retry period and every poll reads. Returns at once.
   */
  default void watch(Watcher watcher) {
  }

  /**
   * Whether the watch ({@link #watch}) is healthy now, so that the candidate may answer a
   * follower's poll from what the watch last delivered instead of reading the record: the watch
   * is established, has had no error since, and has shown within the store's own bound (at most
   * half the renew deadline R) that it still delivers (an event, or a check of its connection).
   * A store that says {@code true} promises that every change of the record since the watch was
   * established reaches {@link Watcher#recordChangedTo} with its version, in the store's order,
   * and that a watch that ends or starts again calls {@link Watcher#recordMayHaveChanged} (after
   * which the candidate reads once before it trusts the watch again). By default {@code false}:
   * every poll reads. Returns at once, does no I/O; any thread.
   */
  default boolean watchHealthy() {
    return false;
  }

  /**
   * The candidate leaves the election: called once, before its final release is sent, with the
   * stage of that release. Returns a stage that completes once the store has freed what it holds
   * for this candidate (its watch, say); its outcome is not looked at. By default: the release
   * itself.
   *
   * @param released completes when the release was answered (or failed)
   */
  default CompletionStage<Void> leave(CompletionStage<Void> released) {
    return released.handle((v, e) -> (Void) null);
  }

  /** What a watch tells the candidate. Methods return at once; any thread. */
  interface Watcher {

    /**
     * The store shows the record changed, without its version: the candidate cannot keep it as
     * the current record, and reads again at its next poll.
     *
     * @param record the record now, or null when it was removed
     */
    void recordChanged(LeaderRecord record);

    /**
     * The store shows the record changed, with its version (a watch event that carries the
     * whole record): the candidate keeps it as the current record while {@link #watchHealthy()}
     * holds. A store calls this (rather than {@link #recordChanged}) for each change, in the
     * store's order. By default: {@link #recordChanged} with the record.
     *
     * @param current the record now with its version, or null when it was removed
     */
    default void recordChangedTo(VersionedRecord current) {
      recordChanged(current == null ? null : current.record());
    }

    /** The record may have changed unseen: a watch started, restarted or ended. */
    void recordMayHaveChanged();
  }
}
