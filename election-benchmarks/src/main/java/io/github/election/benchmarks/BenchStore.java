package io.github.election.benchmarks;

import io.github.election.testing.StoreHarness;
import io.github.election.testing.Timings;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.IntSupplier;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * One store started on 127.0.0.1 by its {@link StoreHarness}, as the tests start it, with two
 * ways to elect on it: this library's backend ({@link #ours()}) and the raw client that backend
 * wraps ({@link #raw()}). Both sides get the same timings, the same server and the same kind of
 * connection. Each store's is found by name through {@link ServiceLoader} ({@link Provider}).
 */
public interface BenchStore extends AutoCloseable {

  /**
   * The provider of a store's benchmarks.
   *
   * @throws IllegalArgumentException if none is on the class path, listing those found
   */
  static Provider provider(String store) {
    StringBuilder found = new StringBuilder();
    for (Provider p : ServiceLoader.load(Provider.class, BenchStore.class.getClassLoader())) {
      if (p.store().equals(store)) {
        return p;
      }
      found.append(found.length() == 0 ? "" : ", ").append(p.store());
    }
    throw new IllegalArgumentException("unknown store '" + store + "'; expected one of " + found);
  }

  /** The stores whose benchmarks are on the class path, in the order they are registered. */
  static List<String> stores() {
    List<String> out = new ArrayList<>();
    ServiceLoader.load(Provider.class, BenchStore.class.getClassLoader())
        .forEach(p -> out.add(p.store()));
    return out;
  }

  /** Starts a store's benchmarks; registered in {@code META-INF/services}. */
  interface Provider {

    /** The store's short name, its backend's scheme. */
    String store();

    /** Starts the store. */
    BenchStore open();

    /**
     * A fleet for a scale run in a child JVM ({@link ScaleChild}): {@code n} elections of one
     * candidate each, of one side ({@code ours} or {@code raw}), on one client of the store at
     * {@code target} (what {@link Scale#target()} gave), with the library's default timings.
     */
    Fleet fleet(String side, String target, int n);
  }

  /** What a scale run (P4) of one side needs from the store. */
  interface Scale {

    /** What the child JVM is told to connect to. */
    String target();

    /** A counter of the requests the store received (it only grows). */
    long requests();

    /** A counter of the store's writes, or -1 when the store does not count them. */
    long writes();

    /** The sessions, leases or Lease objects that hold the side's candidates now. */
    int holders();

    /** The candidates' records (nodes, keys, Leases) in the store now. */
    int records();

    /**
     * Counters of parts of {@link #requests()} by label (such as the requests of the fleet's
     * leaders and of its followers), which the scale table shows per second beside the total;
     * none by default.
     */
    default java.util.Map<String, Long> parts() {
      return java.util.Map.of();
    }

    /** A scale run's probes made of their parts. */
    static Scale of(String target, LongSupplier requests, LongSupplier writes,
        IntSupplier holders, IntSupplier records) {
      return new Scale() {
        @Override
        public String target() {
          return target;
        }

        @Override
        public long requests() {
          return requests.getAsLong();
        }

        @Override
        public long writes() {
          return writes.getAsLong();
        }

        @Override
        public int holders() {
          return holders.getAsInt();
        }

        @Override
        public int records() {
          return records.getAsInt();
        }
      };
    }
  }

  /** The scale run of one side ({@code ours} or {@code raw}) on this store. */
  Scale scale(String side);

  /** What {@link Scale#holders()} counts, in the tables: {@code session(s)}, ... */
  String holdersUnit();

  /**
   * What {@link Scale#requests()} and {@link Scale#writes()} count on this store, for the note
   * of the scale table, such as {@code requests: packets received (mntr)}.
   */
  String loadMeasures();

  /**
   * The targets of this store's figures, as the issue that added the store states them; issue
   * 8's by default.
   */
  default Targets targets() {
    return Targets.ISSUE_8;
  }

  /**
   * The targets of one store.
   *
   * @param handoverVsRaw the largest ratio of our median graceful handover (P1) to the raw
   *     side's that meets the target
   * @param handoverRoundTrips how many plain round trips to the store ({@link #roundTrip()}) our
   *     median handover may take at most, or 0 when the store states no such target
   * @param elections how many elections the scale run (P4) starts
   * @param maxHolders how many {@link Scale#holders()} our scale run may use at most, or 0 when
   *     the store states no such target
   */
  record Targets(double handoverVsRaw, int handoverRoundTrips, int elections, int maxHolders) {

    /** Issue 8's: median handover at most 1.2x the raw client's; 1,000 elections on one holder. */
    public static final Targets ISSUE_8 = new Targets(1.2, 0, 1000, 1);
  }

  /**
   * Times one plain round trip to the store on a connection it keeps open for this, straight to
   * the store (PostgreSQL: {@code SELECT 1}), for the targets stated in round trips ({@link
   * Targets#handoverRoundTrips()}).
   *
   * @return nanoseconds, or -1 when this store has no such probe
   */
  default long roundTrip() {
    return -1;
  }

  /** How many elections of each side a crash-failover batch (P2) starts. */
  default int failoverBatch() {
    return 5;
  }

  /** The store server's version, for the report; empty when the report has it otherwise. */
  default String storeVersion() {
    return "";
  }

  /** The store's short name, its backend's scheme: {@code zookeeper}, {@code etcd}, ... */
  String store();

  /** The timings of the handover and failover runs (the module's test fixture's). */
  Timings timings();

  /**
   * Whether each measured run needs a store of its own ({@link #renew()}): fabric8's mock API
   * server, after a watch was closed while an event was being sent down it, keeps a broken
   * listener that makes later updates of that Lease time out; so every run starts on a new
   * server with new Leases and clients.
   */
  default boolean storePerRun() {
    return false;
  }

  /** Replaces the store by a new one; the old one is stopped in the background. */
  default void renew() {
  }

  /** This library's backend on the store. */
  Side ours();

  /** The raw client's own election recipe on the store. */
  Side raw();

  /** Stops the store. */
  @Override
  void close();

  /** One way to elect: our backend, or the raw client's recipe. */
  interface Side {

    /** What this side is, such as {@code Curator LeaderLatch 5.9.0}. */
    String label();

    /**
     * The settings this side runs with where they are not the client's own defaults or where
     * the report must state them (timeouts, poll periods, pool sizes); empty when there is
     * nothing to state.
     */
    default String settings() {
      return "";
    }

    /**
     * A new client of the store: its own connection (and session or lease), through its own TCP
     * proxy when {@code proxied}, so that it can be crashed alone.
     */
    Client newClient(boolean proxied);

    /**
     * How many candidates of an election the store holds now (keys, nodes), or -1 when the
     * store does not record followers (a Kubernetes Lease names the holder only).
     */
    int enrolled(String election);

  }

  /** One client of the store. */
  interface Client extends AutoCloseable {

    /**
     * Starts a candidacy in an election. {@code onLeader} gets {@link System#nanoTime()} read
     * in the callback by which the client tells its user that this candidate leads.
     */
    Candidate join(String election, String identity, LongConsumer onLeader);

    /** Kills the client's connection without any cleanup (its proxies cut, then closed). */
    void crash();

    /** Closes the client. */
    @Override
    void close();

    /**
     * A client made of how it starts a candidacy, the raw store client it closes (null for
     * ours: the backend is the connection's), and its connection to the store (a connection
     * without proxies cannot be crashed).
     */
    static Client of(Joiner joiner, AutoCloseable storeClient, StoreHarness.Connection link) {
      return new Client() {
        @Override
        public Candidate join(String election, String identity, LongConsumer onLeader) {
          return joiner.join(election, identity, onLeader);
        }

        @Override
        public void crash() {
          link.crash();
        }

        @Override
        public void close() {
          try {
            if (storeClient != null) {
              storeClient.close();
            }
          } catch (Exception e) {
            throw new IllegalStateException("cannot close " + storeClient, e);
          } finally {
            link.close();
          }
        }
      };
    }
  }

  /** How a client starts a candidacy (see {@link Client#join}). */
  @FunctionalInterface
  interface Joiner {
    Candidate join(String election, String identity, LongConsumer onLeader);
  }

  /** One candidacy. */
  interface Candidate {

    String identity();

    /** Whether the client says this candidate leads. */
    boolean isLeader();

    /** Whether this candidate has learnt that {@code leader} leads. */
    boolean follows(String leader);

    /**
     * The graceful hand-over as the client offers it: {@code resign()} for ours, {@code
     * LeaderLatch.close()}, jetcd {@code Election.resign}, cancelling a fabric8 elector with
     * release on cancel, stopping Spring Integration's {@code LockRegistryLeaderInitiator}.
     */
    void giveUp();

    /**
     * Hands leadership over to the candidate of identity {@code successor} (ours: {@code
     * resign(successor)}); the raw clients have no such call.
     */
    default void giveUpTo(String successor) {
      throw new UnsupportedOperationException("no handover to a named candidate");
    }

    /** Leaves the election for good (nothing if {@link #giveUp()} already did). */
    void close();
  }
}
