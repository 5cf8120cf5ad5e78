package io.github.election.campaign;

import io.github.election.testing.Timings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * A store under test, as the campaign drives it: started on 127.0.0.1 by the campaign itself,
 * it makes candidates and injects the faults of the whole store. The faults of one candidate are
 * the candidate's ({@link Contender}).
 */
interface Store extends AutoCloseable {

  /** The backend's scheme, such as {@code zookeeper}. */
  String name();

  /** The faults this store can inject; the others are left out of its campaign. */
  Set<FaultKind> faults();

  /** D, R and P that this store honours well on a small machine. */
  Timings timings();

  /**
   * How much longer than D + P the store itself may take, after a restart or the loss of a
   * member, before it lets the lease of a candidate that died meanwhile run out (zero unless the
   * store extends leases on its own failover). Documented per store; rule L4 allows it.
   */
  default Duration livenessAllowance() {
    return Duration.ZERO;
  }

  /**
   * Starts a candidate of an election.
   *
   * @param who the instance name, unique in the campaign
   * @param identity the candidate's identity in the election
   * @param logDir where the candidate's log goes
   */
  Contender spawn(String who, String identity, String election, Timings timings,
      History history, Path logDir);

  /** Stops every member of the store, keeping the data. */
  default void stop() {
    throw new UnsupportedOperationException("restart");
  }

  /** Starts the store after {@link #stop()}; returns once it serves. */
  default void start() {
    throw new UnsupportedOperationException("restart");
  }

  /**
   * Stops one member of a clustered store.
   *
   * @param pick a random number that chooses the member
   * @return which member
   */
  default String loseMember(int pick) {
    throw new UnsupportedOperationException("member");
  }

  /** Starts the member that {@link #loseMember} stopped; returns once it serves. */
  default void restoreMember() {
    throw new UnsupportedOperationException("member");
  }

  /** Stops the store and frees what it holds. */
  @Override
  void close();
}
