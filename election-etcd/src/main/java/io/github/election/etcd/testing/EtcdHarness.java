package io.github.election.etcd.testing;

import io.github.election.etcd.EtcdElectionBackend;
import io.github.election.spi.ElectionBackend;
import io.github.election.testing.ProxiedConnection;
import io.github.election.testing.StoreHarness;
import io.github.election.testing.TcpProxy;
import io.github.election.testing.Timings;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link StoreHarness} of etcd: an {@link EtcdCluster} of child processes of {@code
 * /usr/bin/etcd} on 127.0.0.1. A connection reaches every member through a TCP proxy of its own,
 * members in order; its backends take a lease per lease duration (no fixed TTL).
 *
 * <p>Faults: crash (the connection's proxies go silent, then close: keep-alives and requests
 * fail at once and etcd lets the lease run out), cut and heal (proxies), expire (the backend's
 * leases revoked through a member's JSON gateway), restart (every member SIGTERM, then started
 * on the same data), and with three members or more, member loss.
 */
public final class EtcdHarness implements StoreHarness {

  /** D = the lease TTL 3 s, R 2 s, P 500 ms; a handover takes a few ms, 750 ms leaves room. */
  public static final Timings TIMINGS = new Timings(Duration.ofSeconds(3), Duration.ofSeconds(2),
      Duration.ofMillis(500), Duration.ofMillis(750));

  private static final Logger log = LoggerFactory.getLogger(EtcdHarness.class);

  private final EtcdCluster cluster;
  private final List<EtcdCluster.Member> lost = new ArrayList<>();

  private EtcdHarness(EtcdCluster cluster) {
    this.cluster = cluster;
  }

  /**
   * Starts a cluster of {@code members} etcd processes and waits until each is healthy.
   *
   * @throws IllegalStateException if there is no etcd binary (the message says what to install)
   */
  public static EtcdHarness start(int members) {
    return new EtcdHarness(EtcdCluster.start(Math.max(1, members)));
  }

  /**
   * A harness on a running cluster, which its {@link #close()} stops: for a cluster that
   * outlives the harness (shared between tests), do not close the harness.
   */
  public static EtcdHarness on(EtcdCluster cluster) {
    return new EtcdHarness(cluster);
  }

  /**
   * Revokes every lease of an etcd backend through the first member of {@code address} that
   * answers: etcd ends the leases now, as if they had run out.
   *
   * @param backend an etcd backend
   * @param address members' {@code host:port}, comma-separated (plain HTTP)
   * @return how many of the leases etcd still had
   * @throws IllegalStateException if the backend holds no lease yet
   */
  public static int revokeLeases(EtcdElectionBackend backend, String address) {
    List<Long> leases = backend.leaseIds();
    if (leases.isEmpty()) {
      throw new IllegalStateException(backend + " holds no lease yet");
    }
    RuntimeException failure = null;
    for (String member : address.split(",")) {
      int port = Integer.parseInt(member.substring(member.lastIndexOf(':') + 1).trim());
      try {
        int had = 0;
        for (long lease : leases) {
          boolean found = EtcdGateway.revoke(port, lease);
          log.info("revoked lease {} of {} (etcd had it: {})", Long.toHexString(lease), backend,
              found);
          had += found ? 1 : 0;
        }
        return had;
      } catch (RuntimeException e) {
        failure = e;
      }
    }
    throw failure;
  }

  /** The cluster, for looks at the members (ports, metrics). */
  public EtcdCluster cluster() {
    return cluster;
  }

  @Override
  public String scheme() {
    return "etcd";
  }

  @Override
  public int members() {
    return cluster.members().size();
  }

  @Override
  public Timings timings() {
    return TIMINGS;
  }

  /**
   * D 2 s, R 1.3 s, P 800 ms, handover 750 ms. etcd's shortest lease TTL with its default 100
   * ms heartbeat is 2 s. P well above 500 ms: etcd revokes expired leases in a loop that runs
   * every 500 ms, so the key of a dead candidate lasts up to D + 500 ms, and rule L3 (a new
   * leader within D + P) needs P above 500 ms plus the next candidate's round after the
   * deletion. With P 600 ms that left 100 ms for the round, and on a loaded 2-core machine the
   * campaign once measured 2663 ms from a crash to the next leader, against D + P = 2600 ms
   * (seed 11, 2026-12-02): the lease ran out, etcd deleted the key at its next revoke pass, and
   * the follower's round took the rest.
   */
  @Override
  public Timings fastTimings() {
    return new Timings(Duration.ofSeconds(2), Duration.ofMillis(1300), Duration.ofMillis(800),
        Duration.ofMillis(750));
  }

  /**
   * etcd's election timeout (1 s, the default, as {@link EtcdCluster} runs it): when a new raft
   * leader takes over (after a restart, or the loss of the leading member) its lessor extends
   * every lease by the election timeout and gives it its full TTL again ({@code
   * lessor.Promote(ElectionTimeout)}), so the key of a candidate that died just before stays
   * D + 1 s longer.
   */
  @Override
  public Duration livenessAllowance() {
    return Duration.ofSeconds(1);
  }

  @Override
  public String address() {
    return cluster.address();
  }

  @Override
  public Connection connect(boolean proxied) {
    List<Integer> ports = new ArrayList<>();
    cluster.members().forEach(m -> ports.add(m.clientPort()));
    return new Link(proxied ? ProxiedConnection.proxiesTo(ports) : List.of(), address());
  }

  @Override
  public void stopStore() {
    cluster.stopAll();
  }

  @Override
  public void startStore() {
    cluster.startAll();
  }

  @Override
  public synchronized String loseMember(int member) {
    if (members() < 3) {
      return StoreHarness.super.loseMember(member);
    }
    EtcdCluster.Member m = cluster.member(Math.floorMod(member, members()));
    cluster.stop(m);
    lost.add(m);
    return "member " + m.clientPort();
  }

  @Override
  public synchronized void restoreMember() {
    if (members() < 3) {
      StoreHarness.super.restoreMember();
    }
    for (EtcdCluster.Member m : lost) {
      cluster.start(m);
    }
    lost.clear();
  }

  @Override
  public void close() {
    cluster.close();
  }

  @Override
  public String toString() {
    return "EtcdHarness{" + cluster + "}";
  }

  /**
   * A connection through the given proxies (a client's own, one per member, in the order its
   * backend lists the endpoints), whose backend has key prefix {@code base} and a lease per lease
   * duration.
   */
  public static Connection through(List<TcpProxy> proxies) {
    if (proxies.isEmpty()) {
      throw new IllegalArgumentException("no proxies");
    }
    return new Link(proxies, null);
  }

  /** A client's proxies, one per member, or the members' own addresses. */
  private static final class Link extends ProxiedConnection {

    Link(List<TcpProxy> proxies, String direct) {
      super(proxies, direct);
    }

    @Override
    public Optional<URI> uri(String base, Duration leaseDuration) {
      return Optional.of(URI.create("etcd://" + address() + base));
    }

    /** Key prefix {@code base}; a lease per lease duration (the election's D is its TTL). */
    @Override
    protected ElectionBackend newBackend(String base, Duration leaseDuration) {
      List<String> endpoints = new ArrayList<>();
      for (String a : address().split(",")) {
        endpoints.add("http://" + a);
      }
      return EtcdElectionBackend.builder().endpoints(endpoints).keyPrefix(base).build();
    }
  }

  /** Registered for {@link java.util.ServiceLoader}: scheme {@code etcd}. */
  public static final class Provider implements StoreHarness.Provider {

    @Override
    public String scheme() {
      return "etcd";
    }

    @Override
    public StoreHarness start(int members) {
      return EtcdHarness.start(members);
    }

    /** {@link EtcdHarness#revokeLeases}. */
    @Override
    public void expire(ElectionBackend backend, String storeAddress) {
      if (!(backend instanceof EtcdElectionBackend)) {
        throw new IllegalArgumentException("not an etcd backend: " + backend);
      }
      revokeLeases((EtcdElectionBackend) backend, storeAddress);
    }
  }
}
