package io.github.election.benchmarks;

import io.github.election.testing.TcpProxy;
import io.github.election.testing.Timings;
import java.util.function.LongConsumer;

/**
 * One store started on 127.0.0.1 as the tests start it, with two ways to elect on it: this
 * library's backend ({@link #ours()}) and the raw client that backend wraps ({@link #raw()}).
 * Both sides get the same timings, the same server and the same kind of connection.
 */
public interface BenchStore extends AutoCloseable {

  /** The store's short name: {@code zookeeper}, {@code etcd}, {@code kubernetes}. */
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
    Contender join(String election, String identity, LongConsumer onLeader);

    /** Kills the client's connection without any cleanup (its proxy cut, then closed). */
    void crash();

    /** Closes the client. */
    @Override
    void close();

    /**
     * A client made of how it starts a candidacy, the store client it closes, and the TCP proxy
     * in front of it ({@code null} when not proxied: it cannot be crashed then).
     */
    static Client of(Joiner joiner, AutoCloseable storeClient, TcpProxy proxy) {
      return new Client() {
        @Override
        public Contender join(String election, String identity, LongConsumer onLeader) {
          return joiner.join(election, identity, onLeader);
        }

        @Override
        public void crash() {
          if (proxy == null) {
            throw new IllegalStateException("a client without a proxy cannot be crashed");
          }
          proxy.cut();
          proxy.close();
        }

        @Override
        public void close() {
          try {
            storeClient.close();
          } catch (Exception e) {
            throw new IllegalStateException("cannot close " + storeClient, e);
          } finally {
            if (proxy != null) {
              proxy.close();
            }
          }
        }
      };
    }
  }

  /** How a client starts a candidacy (see {@link Client#join}). */
  @FunctionalInterface
  interface Joiner {
    Contender join(String election, String identity, LongConsumer onLeader);
  }

  /** One candidacy. */
  interface Contender {

    String identity();

    /** Whether the client says this candidate leads. */
    boolean isLeader();

    /** Whether this candidate has learnt that {@code leader} leads. */
    boolean follows(String leader);

    /**
     * The graceful hand-over as the client offers it: {@code resign()} for ours, {@code
     * LeaderLatch.close()}, jetcd {@code Election.resign}, cancelling a fabric8 elector with
     * release on cancel.
     */
    void giveUp();

    /** Leaves the election for good (nothing if {@link #giveUp()} already did). */
    void close();
  }
}
