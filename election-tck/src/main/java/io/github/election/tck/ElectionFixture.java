package io.github.election.tck;

import io.github.election.LeaderElection;
import io.github.election.LeaderTask;
import io.github.election.spi.ElectionBackend;
import io.github.election.testing.Fault;
import io.github.election.testing.Timings;
import java.util.Set;

/**
 * What a backend's test gives the compatibility kit: clients of a running store, the timings
 * the store can honour, and the faults it can inject.
 *
 * <p>The kit asks for one fixture per test ({@link ElectionCompatibilityKit#createFixture()})
 * and closes it after the test. A fixture may share an expensive store between tests (the kit
 * uses a fresh election name in each), but must hand out fresh clients.
 *
 * <p>Every fault method acts on a backend that {@link #newBackend()} made, and returns once
 * the fault is in place. The default implementations throw {@link
 * UnsupportedOperationException}; a fixture lists in {@link #faults()} the ones it implements.
 *
 * <p>A backend that publishes a {@link io.github.election.testing.StoreHarness} gets a fixture
 * from it: {@link HarnessFixture}.
 */
public interface ElectionFixture extends AutoCloseable {

  /** D, R and P that this store honours, and how long a handover may take here. */
  Timings timings();

  /**
   * A new client of the store, independent of every other (its own connection, session or
   * lease), configured for {@link #timings()}. The kit gives each candidate its own and closes
   * them after the test.
   */
  ElectionBackend newBackend();

  /** The faults this fixture can inject. */
  default Set<Fault> faults() {
    return Set.of();
  }

  /**
   * Lets the fixture wrap each election the kit builds. The kit's own tests use it to run
   * deliberately broken handles; a backend's fixture has no reason to override it.
   */
  default LeaderElection decorate(LeaderElection election) {
    return election;
  }

  /**
   * Lets the fixture wrap the leader work the kit hands to each election (rules T1-T3). The
   * kit's own tests use it to run deliberately broken work handling; a backend's fixture has no
   * reason to override it.
   */
  default LeaderTask decorate(LeaderTask work) {
    return work;
  }

  /**
   * Kills the client as a crashed process would: from now on it sends nothing, and nothing it
   * holds in the store is released; the store lets its session or lease run out. Requests the
   * client makes from now on fail quickly.
   */
  default void crash(ElectionBackend client) {
    throw new UnsupportedOperationException("crash");
  }

  /** Cuts the network between the client and the store: requests get no answer. */
  default void cut(ElectionBackend client) {
    throw new UnsupportedOperationException("cut");
  }

  /** Undoes {@link #cut}. */
  default void heal(ElectionBackend client) {
    throw new UnsupportedOperationException("heal");
  }

  /** Stops the store (every member of it), keeping its data. */
  default void stopStore() {
    throw new UnsupportedOperationException("stopStore");
  }

  /** Starts the store again after {@link #stopStore()}, with the data it had. */
  default void startStore() {
    throw new UnsupportedOperationException("startStore");
  }

  /** Makes the store end the client's session or lease now, as if it had timed out. */
  default void expire(ElectionBackend client) {
    throw new UnsupportedOperationException("expire");
  }

  /** Stops a minority of the store's members, including the one the leader talks to if any. */
  default void loseMember() {
    throw new UnsupportedOperationException("loseMember");
  }

  /** Starts the members that {@link #loseMember()} stopped. */
  default void restoreMember() {
    throw new UnsupportedOperationException("restoreMember");
  }

  /**
   * Why the kit's tests that hold a fault for 30 s (tagged {@value
   * ElectionCompatibilityKit#SLOW}, rule F4) are left out on this fixture, or empty to run them
   * (the default). A backend passes the kit only when they run on one of its fixtures; another
   * fixture of the same backend (a cluster of the same store, say) may leave them to that one.
   */
  default java.util.Optional<String> slowTestsRunElsewhere() {
    return java.util.Optional.empty();
  }

  /**
   * Election names that this store cannot hold; the kit checks that the builder refuses each
   * with an {@link IllegalArgumentException} naming it (rule C4).
   */
  default java.util.List<String> invalidElectionNames() {
    return java.util.List.of();
  }

  /**
   * How many records (nodes, keys, lease holders) of an election are in the store now, if the
   * fixture can look; the kit expects none once every candidate closed (rule C3).
   */
  default java.util.Optional<Integer> recordsOf(String electionName) {
    return java.util.Optional.empty();
  }

  /**
   * Whether a thread belongs to the store itself (an in-process server, a mock API server, a
   * proxy of the fixture), not to the clients: the kit's check of rule C3 ignores such threads.
   */
  default boolean isStoreThread(Thread thread) {
    return thread.getName().startsWith("tcp-proxy-");
  }

  /** Stops the store and frees what the fixture holds. */
  @Override
  void close();
}
