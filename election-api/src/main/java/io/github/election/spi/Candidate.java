package io.github.election.spi;

import java.util.concurrent.CompletionStage;

/**
 * One candidate of one election, as a backend runs it in its store. Made by {@link
 * ElectionBackend#join}; driven by the engine, which does the chores common to every store so
 * that a backend only says what a round, a release and a leave are in its store:
 *
 * <ul>
 *   <li><b>One call at a time.</b> A method is called only after the stage of the previous call
 *       completed or timed out (never two of them concurrently, never one concurrently with
 *       itself).
 *   <li><b>A timeout on every call.</b> The engine bounds each stage with half the renew deadline
 *       (R / 2); one that did not complete by then is a failed round, and the engine cancels it
 *       ({@link java.util.concurrent.CompletableFuture#cancel}), so a backend returns a stage of
 *       its own for each call and may watch it to abandon the call. The request behind it may
 *       still be under way when the next call comes: a backend makes sure that a late answer
 *       changes nothing and that a late enrolment cannot outlive {@link #leave()}.
 *   <li><b>The hold-off after a resign (rule C2).</b> After {@link #release()}, the engine calls
 *       no {@link #poll()} until the retry period P has passed or an {@link
 *       ElectionBackend#inspect} round has shown another candidate leading; so a release only
 *       gives up leadership and must not enrol again by itself. A backend that cannot inspect
 *       keeps the hold-off itself.
 * </ul>
 *
 * <p>Every method returns at once and does its I/O asynchronously; the returned stage completes
 * when the store answered, or exceptionally when it did not. The engine counts the renew
 * deadline from the moment it <em>called</em> {@link #poll()}, which is never later than the send
 * time of the requests the poll makes, so a backend cannot overstate how fresh a confirmation is.
 */
public interface Candidate {

  /**
   * One round with the store: make sure this candidate takes part (enrol it on the first call
   * and after it was dropped, e.g. by a session or lease that expired), acquire or renew
   * leadership where the store's protocol asks the candidate to, and report who leads.
   *
   * <p>Called at start, then every retry period P, and at once after {@link
   * CandidateContext#changed()}. While the backend confirms the candidate by its session or
   * lease ({@link io.github.election.spi.Confirmation}), the timed round runs only when
   * confirmations stop coming (1.5 P after the last one, and before R), so a backend that
   * confirms its candidates costs the store one round per election only when something changed. A stage that completes exceptionally is logged by the engine,
   * which keeps the previous state until its deadline and tries again after P.
   *
   * @return the observation: {@code LEADING(term)} only if the store confirmed, in this round,
   *     that this candidate holds leadership
   */
  CompletionStage<Observation> poll();

  /**
   * Gives up leadership in the store, if this candidate holds it, and stays a candidate; the
   * engine then holds off (see above) so that other open candidates get the chance to lead
   * before this one can win again (rule C2). A candidate that does not lead does nothing. The
   * engine calls it from {@code resign()}, after the candidate's leader work has returned.
   */
  CompletionStage<Void> release();

  /**
   * Gives up leadership in the store so that the candidate named {@code successor} takes over,
   * if this candidate holds it, and stays a candidate (as {@link #release()}). The store's
   * protocol must make sure that, if {@code successor} is an open candidate of the election, it
   * leads next, within the store's handover bound, and no other candidate leads in between;
   * and that, if it is not, another candidate may lead within {@code timeout} plus that bound.
   * The engine calls it from {@code resign(successor)}, after the leader work has returned.
   *
   * <p>By default a plain {@link #release()}: the next candidate in the store's order leads,
   * whoever it is (a backend that keeps this default does not pass the kit's rules H1-H2).
   *
   * @param successor the identity of the candidate to lead next; never this candidate's own
   * @param timeout how long the others may wait for {@code successor} at most
   */
  default CompletionStage<Void> handOver(String successor, java.time.Duration timeout) {
    return release();
  }

  /**
   * Leaves the election for good: gives up leadership if held (so that another candidate takes
   * over within one round trip, rule L2), withdraws the candidacy, and frees everything this
   * candidate holds in the store and in the process (watches, listeners, nodes, keys). Called
   * once, from {@code close()}; no method is called after it.
   */
  CompletionStage<Void> leave();
}
