package io.github.election.etcd;

import io.github.election.etcd.testing.EtcdCluster;
import io.github.election.etcd.testing.EtcdGateway;
import io.github.election.etcd.testing.EtcdHarness;
import io.github.election.spi.ElectionBackend;
import io.github.election.tck.ElectionFixture;
import io.github.election.tck.ForwardingElectionBackend;
import io.github.election.testing.Fault;
import io.github.election.testing.ProxiedConnection;
import io.github.election.testing.StoreHarness;
import io.github.election.testing.Timings;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kit's fixture on a running {@link EtcdCluster}: each backend is a client of its own (own
 * jetcd client, own lease) that reaches every member through TCP proxies of its own, so that
 * one client can be cut off or crashed alone. Client {@code i} lists the members starting with
 * member {@code i mod n}, which it talks to first (jetcd picks the first reachable endpoint).
 *
 * <p>Faults: crash (the client's proxies close: its keep-alives and requests fail at once and
 * its lease runs out in etcd), partition (proxies silent), store restart (every member SIGTERM,
 * then started on the same data), lease expiry (the lease revoked through another connection),
 * and with three members or more, member loss (the member the leader's client talks to).
 */
final class EtcdFixture implements ElectionFixture {

  private static final Logger log = LoggerFactory.getLogger(EtcdFixture.class);

  /** The harness's: D = the lease TTL 3 s, R 2 s, P 500 ms, handover 750 ms. */
  static final Timings TIMINGS = EtcdHarness.TIMINGS;

  static final String PREFIX = "/tck";

  private final EtcdCluster cluster;
  private final Timings timings;
  private final boolean pinned;
  private final Map<ElectionBackend, Client> clients = new LinkedHashMap<>();
  private final List<EtcdCluster.Member> lost = new CopyOnWriteArrayList<>();
  private final AtomicInteger next = new AtomicInteger();

  /**
   * One client: the backend, its connection (proxies, one per member, in its order) and its
   * first member.
   */
  private static final class Client extends ForwardingElectionBackend {
    final EtcdElectionBackend backend;
    final StoreHarness.Connection link;
    final EtcdCluster.Member primary;

    Client(EtcdElectionBackend backend, StoreHarness.Connection link, EtcdCluster.Member primary) {
      super(backend);
      this.backend = backend;
      this.link = link;
      this.primary = primary;
    }

    @Override
    public void close() {
      link.close(); // the backend, then the proxies, whose threads end with the client
    }

    @Override
    public String toString() {
      return backend + " via " + link;
    }
  }

  EtcdFixture(EtcdCluster cluster) {
    this(cluster, false);
  }

  /**
   * A fixture whose clients list every member ({@code pinned} false), or only their first one
   * ({@code pinned} true: losing that member cuts the client off, as a partition would).
   */
  EtcdFixture(EtcdCluster cluster, boolean pinned) {
    this.cluster = cluster;
    this.timings = TIMINGS;
    this.pinned = pinned;
    cluster.ensureRunning();
  }

  @Override
  public Timings timings() {
    return timings;
  }

  @Override
  public synchronized ElectionBackend newBackend() {
    List<EtcdCluster.Member> members = cluster.members();
    int first = next.getAndIncrement() % members.size();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < (pinned ? 1 : members.size()); i++) {
      ports.add(members.get((first + i) % members.size()).clientPort());
    }
    StoreHarness.Connection link = EtcdHarness.through(ProxiedConnection.proxiesTo(ports));
    // no fixed leaseTtl: each election's lease duration is its lease's TTL (the kit also builds
    // elections with the default durations, 15 s and 10 s, on these clients)
    EtcdElectionBackend backend = (EtcdElectionBackend) link.backend(PREFIX,
        timings.leaseDuration());
    Client c = new Client(backend, link, members.get(first));
    clients.put(c, c);
    return c;
  }

  @Override
  public Set<Fault> faults() {
    Set<Fault> faults = EnumSet.of(Fault.CRASH, Fault.CUT, Fault.RESTART,
        Fault.EXPIRE);
    if (cluster.members().size() >= 3) {
      faults.add(Fault.MEMBER);
    }
    return faults;
  }

  private synchronized Client own(ElectionBackend b) {
    Client c = clients.get(b);
    if (c == null) {
      throw new IllegalArgumentException("not a client of this fixture: " + b);
    }
    return c;
  }

  /** The fixture's backend behind a client it handed out (for tests of this module). */
  EtcdElectionBackend unwrap(ElectionBackend b) {
    return own(b).backend;
  }

  @Override
  public void crash(ElectionBackend client) {
    Client c = own(client);
    // A crashed process sends nothing more: with its proxies gone its keep-alives and requests
    // fail at once (connection refused), and etcd lets its lease run out; the connection's
    // proxies all go silent before they close (see ProxiedConnection.crash).
    c.link.crash();
    log.info("crashed {}", c);
  }

  @Override
  public void cut(ElectionBackend client) {
    own(client).link.cut();
  }

  @Override
  public void heal(ElectionBackend client) {
    own(client).link.heal();
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
  public void expire(ElectionBackend client) {
    EtcdHarness.revokeLeases(own(client).backend, cluster.address());
  }

  /**
   * Stops the member that the current leader's client talks to first: the leader is the first
   * key (lowest create revision) of the most recently active election under the fixture's
   * prefix, its client the one holding that key's lease.
   */
  @Override
  public void loseMember() {
    EtcdCluster.Member victim = leaderMember().orElse(cluster.member(0));
    cluster.stop(victim);
    lost.add(victim);
    log.info("lost member {}", victim);
  }

  @Override
  public void restoreMember() {
    for (EtcdCluster.Member m : lost) {
      cluster.start(m);
    }
    lost.clear();
  }

  private Optional<EtcdCluster.Member> leaderMember() {
    List<EtcdGateway.Kv> keys = EtcdGateway.keys(cluster.anyClientPort(), PREFIX + "/");
    if (keys.isEmpty()) {
      return Optional.empty();
    }
    // the election of the newest key; its first key leads
    EtcdGateway.Kv newest = keys.get(keys.size() - 1);
    String election = newest.key().substring(0, newest.key().lastIndexOf('/') + 1);
    long leaderLease = keys.stream().filter(k -> k.key().startsWith(election)).findFirst()
        .orElseThrow().lease();
    synchronized (this) {
      for (Client c : clients.values()) {
        if (c.backend.leaseIds().contains(leaderLease)) {
          return Optional.of(c.primary);
        }
      }
    }
    return Optional.empty();
  }

  /** On a cluster the 30 s tests are left to the one-member fixture: the same client code. */
  @Override
  public Optional<String> slowTestsRunElsewhere() {
    return cluster.members().size() > 1
        ? Optional.of("they run against one etcd member (EtcdCompatibilityTest); the backend's "
            + "client code is the same on a cluster, which the other F4 tests cover")
        : Optional.empty();
  }

  @Override
  public List<String> invalidElectionNames() {
    return List.of("jobs/eu", "/jobs", "jobs/");
  }

  @Override
  public Optional<Integer> recordsOf(String electionName) {
    return Optional.of(EtcdGateway.count(cluster.anyClientPort(), PREFIX + "/" + electionName + "/"));
  }

  /** Closes what the kit did not (clients, proxies) and leaves every member running. */
  @Override
  public void close() {
    List<Client> all;
    synchronized (this) {
      all = new ArrayList<>(clients.values());
      clients.clear();
    }
    for (Client c : all) {
      c.close();
    }
    cluster.ensureRunning();
  }
}
