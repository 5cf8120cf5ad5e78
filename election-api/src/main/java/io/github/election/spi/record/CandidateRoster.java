package io.github.election.spi.record;

import io.github.election.spi.OpenCandidate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The open candidates of a record store's elections, for priorities ({@link
 * io.github.election.spi.ElectionBackend#candidates}): a record store keeps one record per
 * election, which names the leader only, so a candidate of a priority above 0 also keeps an
 * entry of its own here (a Kubernetes Lease per candidate, a row of a candidates table), written
 * again by its rounds before the entry runs out and removed when it leaves. Candidates of
 * priority 0 write nothing, so that elections without priorities cost no extra write. A backend
 * offers one through {@link RecordElectionBackend#roster()}.
 *
 * <p>Every method returns at once; the stage completes with the store's answer, or
 * exceptionally when it failed or did not answer within the store's own timeout. Thread-safe.
 */
public interface CandidateRoster {

  /**
   * Writes (creates or replaces) the entry of a candidate: its identity and priority, good for
   * {@code ttl} from now.
   */
  CompletionStage<Void> announce(String election, String identity, int priority, Duration ttl);

  /** Removes the entry of a candidate, if any. */
  CompletionStage<Void> withdraw(String election, String identity);

  /**
   * The candidates whose entries have not run out, highest priority first (then by identity):
   * a record store has no queue order.
   */
  CompletionStage<List<OpenCandidate>> list(String election);
}
