package io.github.election;

/**
 * Work that an election runs only while its candidate is {@link LeadershipState#LEADER}.
 *
 * <p>The election starts {@link #lead} on a thread of its own each time the candidate becomes
 * leader, and interrupts that thread as soon as the candidate stops being leader, for any
 * reason. One run at a time: a run for a later term starts only after the previous run has
 * returned or its drain timeout has passed. Before the candidate gives up its lease on
 * purpose ({@link LeaderElection#resign()}, {@link LeaderElection#close()}) it waits for the
 * run to return, up to the drain timeout, so that no other candidate leads while this one
 * still works.
 *
 * <p>A well-behaved task checks {@link Thread#isInterrupted()} (or uses interruptible calls)
 * and returns promptly once interrupted. Returning early is allowed; the candidate stays leader
 * until the store says otherwise, and no new run starts before leadership is lost and won again.
 */
@FunctionalInterface
public interface LeaderTask {

  /**
   * Does the leader's work.
   *
   * @param term the term of the leadership period this run belongs to; pass it to the systems
   *     the work writes to, so that they can refuse the writes of an older leader
   * @throws Exception anything; it is logged and ends this run only
   */
  void lead(long term) throws Exception;
}
