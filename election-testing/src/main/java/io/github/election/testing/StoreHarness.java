package io.github.election.testing;

import io.github.election.spi.ElectionBackend;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.EnumSet;
import java.util.Set;

/**
 * A store of one backend, started on 127.0.0.1 by tooling (the fault campaign, the benchmarks,
 * a test), with its fault hooks: clients that reach it through connections of their own, which
 * can be cut, healed and crashed alone, and faults of the whole store. Each backend publishes
 * one in its own artifact (package {@code ...testing}), registered for {@link ServiceLoader} as
 * a {@link Provider}; {@link #start(String, int)} finds it by the backend's scheme.
 *
 * <pre>{@code
 * try (StoreHarness store = StoreHarness.start("etcd", 3);
 *      StoreHarness.Connection link = store.connect(true)) {
 *   ElectionBackend client = link.backend("/elections", store.timings().leaseDuration());
 *   ...
 *   link.cut();              // the client's network goes silent
 *   store.loseMember(0);     // member 0 stops
 * }
 * }</pre>
 *
 * <p>Every fault method returns once the fault is in place; one a store cannot inject (not in
 * {@link #faults()}) throws {@link UnsupportedOperationException}. Thread-safe.
 */
public interface StoreHarness extends AutoCloseable {

  /**
   * Starts a store of the backend with this scheme, through the provider on the class path.
   *
   * @param members how many members the store should have where it can have several (ZooKeeper,
   *     etcd); a store of one process (the in-memory store, a mock API server) has one
   * @throws IllegalArgumentException if no provider serves the scheme (the message lists those
   *     found)
   */
  static StoreHarness start(String scheme, int members) {
    return provider(scheme).start(members);
  }

  /**
   * The provider of the harnesses of a scheme.
   *
   * @throws IllegalArgumentException if there is none on the class path, listing those found
   */
  static Provider provider(String scheme) {
    List<String> found = new ArrayList<>();
    for (Provider p : ServiceLoader.load(Provider.class, StoreHarness.class.getClassLoader())) {
      if (p.scheme().equals(scheme)) {
        return p;
      }
      found.add(p.scheme());
    }
    throw new IllegalArgumentException("no store harness for '" + scheme + "' on the class path"
        + " (found: " + (found.isEmpty() ? "none" : String.join(", ", found)) + "); add the "
        + "backend's artifact, whose package ...testing has it");
  }

  /** The schemes of the harnesses on the class path. */
  static List<String> schemes() {
    List<String> out = new ArrayList<>();
    ServiceLoader.load(Provider.class, StoreHarness.class.getClassLoader())
        .forEach(p -> out.add(p.scheme()));
    return out;
  }

  /** The backend's scheme, such as {@code etcd}. */
  String scheme();

  /** How many members the store has. */
  int members();

  /**
   * The faults this harness injects: through its connections ({@link Fault#CRASH}, {@link
   * Fault#CUT}) and on the store ({@link Fault#EXPIRE}, {@link Fault#RESTART}, {@link
   * Fault#MEMBER}). {@link Fault#PAUSE} and {@link Fault#RESIGN} act on candidates, not on the
   * store, and are never listed. By default those of a store whose candidates hold sessions or
   * leases ({@link #sessionStoreFaults}).
   */
  default Set<Fault> faults() {
    return sessionStoreFaults(members());
  }

  /**
   * The faults of a store whose candidates hold sessions or leases, started with {@code
   * members} members: {@link Fault#CRASH}, {@link Fault#CUT}, {@link Fault#RESTART}, {@link
   * Fault#EXPIRE}, and {@link Fault#MEMBER} from three members on (one can be lost).
   */
  static Set<Fault> sessionStoreFaults(int members) {
    Set<Fault> faults = EnumSet.of(Fault.CRASH, Fault.CUT, Fault.RESTART, Fault.EXPIRE);
    if (members >= 3) {
      faults.add(Fault.MEMBER);
    }
    return faults;
  }

  /**
   * D, R and P that this store honours on a test machine, and its handover and recovery bounds:
   * what the compatibility kit's fixture of the backend and the benchmarks use.
   */
  Timings timings();

  /**
   * The shortest timings this store honours well on a small machine, for runs that want many
   * faults per minute (the fault campaign). By default D 2 s, R 1.3 s, P 400 ms, handover
   * 500 ms.
   */
  default Timings fastTimings() {
    return new Timings(Duration.ofSeconds(2), Duration.ofMillis(1300), Duration.ofMillis(400),
        Duration.ofMillis(500));
  }

  /**
   * How much longer than D + P the store itself may take, after a restart or the loss of a
   * member, before it lets the lease of a candidate that died meanwhile run out (zero unless the
   * store extends leases on its own failover).
   */
  default Duration livenessAllowance() {
    return Duration.ZERO;
  }

  /**
   * Whether clients in other processes can reach the store ({@link Connection#uri} gives them
   * a URI); false for a store that lives in this process only (the in-memory store).
   */
  default boolean reachableFromOtherProcesses() {
    return true;
  }

  /**
   * The store's own address, not through any connection, in the form {@link
   * Provider#expire(ElectionBackend, String)} takes: for a process that holds a backend of this
   * store and is asked to end its session.
   */
  String address();

  /**
   * A new connection to the store for one client.
   *
   * @param proxied through TCP proxies of its own (one per member), so that it can be cut and
   *     crashed alone; else straight to the store (it can then be neither)
   */
  Connection connect(boolean proxied);

  /**
   * Makes the store end the session or lease of a backend of this store now, as if it had
   * timed out ({@link Fault#EXPIRE}).
   *
   * @param backend a backend that a {@link Connection} of this harness made, or that was opened
   *     in this process on a connection's {@link Connection#uri URI}
   */
  default void expire(ElectionBackend backend) {
    provider(scheme()).expire(backend, address());
  }

  /** Stops every member of the store, keeping the data ({@link Fault#RESTART}). */
  void stopStore();

  /** Starts the store again after {@link #stopStore()}; returns once it serves. */
  void startStore();

  /**
   * Stops one member of the store ({@link Fault#MEMBER}).
   *
   * @param member which member, modulo {@link #members()}
   * @return a description of the member, for logs
   */
  default String loseMember(int member) {
    throw new UnsupportedOperationException("member: " + scheme() + " with " + members()
        + " member(s)");
  }

  /** Starts the members that {@link #loseMember} stopped; returns once they serve. */
  default void restoreMember() {
    throw new UnsupportedOperationException("member: " + scheme() + " with " + members()
        + " member(s)");
  }

  /**
   * Whether a thread belongs to the store or to the harness (an in-process server, a mock API
   * server, a proxy), not to a client.
   */
  default boolean isStoreThread(Thread thread) {
    return thread.getName().startsWith("tcp-proxy-");
  }

  /** Stops the store and everything the harness holds. */
  @Override
  void close();

  /**
   * One client's way to the store: TCP proxies of its own (or the store's own address when not
   * proxied), and how a client is configured to use it, in this process or in another one.
   */
  interface Connection extends AutoCloseable {

    /** The {@code host:port} addresses a client connects to, comma-separated, member order. */
    String address();

    /**
     * The backend URI of a client on this connection, for {@code ElectionBackends.open} in this
     * or another process (with {@link #environment()}), or empty when the store lives in this
     * process only (the in-memory store).
     *
     * @param base where the elections live: a base path or key prefix (ignored by stores
     *     without one)
     * @param leaseDuration D, where the store's client takes it at connection time (ZooKeeper's
     *     session timeout)
     */
    Optional<URI> uri(String base, Duration leaseDuration);

    /** Environment variables a client in another process needs besides the URI. */
    default Map<String, String> environment() {
      return Map.of();
    }

    /**
     * The backend of this library in this process on this connection: made on the first call,
     * the same one on later calls (their arguments are then ignored), closed with the
     * connection. Its faults are the connection's.
     *
     * @param base as for {@link #uri}
     * @param leaseDuration as for {@link #uri}
     */
    ElectionBackend backend(String base, Duration leaseDuration);

    /** Silences the connection: nothing passes either way until {@link #heal()} ({@link Fault#CUT}). */
    void cut();

    /** Undoes {@link #cut()}. */
    void heal();

    /**
     * Ends the connection as a crash of its client would ({@link Fault#CRASH}): whatever it
     * holds in the store is left to run out, and its requests fail from now on.
     */
    void crash();

    /** Closes the backends made on it and the connection. */
    @Override
    void close();
  }

  /** Starts the harnesses of one backend; registered in {@code META-INF/services}. */
  interface Provider {

    /** The backend's scheme. */
    String scheme();

    /** Starts a store; see {@link StoreHarness#start(String, int)}. */
    StoreHarness start(int members);

    /**
     * Makes the store end the session or lease of a backend of this scheme now, from any
     * process that holds the backend.
     *
     * @param backend a backend of this scheme
     * @param storeAddress the store's own {@link StoreHarness#address() address}
     * @throws UnsupportedOperationException if the store has no sessions or leases to end
     */
    default void expire(ElectionBackend backend, String storeAddress) {
      throw new UnsupportedOperationException("expire: " + scheme() + " has no session or "
          + "lease that the store ends");
    }
  }
}
