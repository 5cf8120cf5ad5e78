package io.github.election.etcd;

import io.github.election.etcd.testing.EtcdCluster;
import io.github.election.etcd.testing.EtcdGateway;
import io.github.election.etcd.testing.EtcdHarness;
import io.github.election.spi.ElectionBackend;
import io.github.election.tck.HarnessFixture;
import io.github.election.testing.ProxiedConnection;
import io.github.election.testing.StoreHarness;
import io.github.election.testing.Timings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kit's fixture on a running {@link EtcdCluster}, through its {@link EtcdHarness}: each
 * backend is a client of its own (own jetcd client, own lease) that reaches every member through
 * TCP proxies of its own, so that one client can be cut off or crashed alone. Client {@code i}
 * lists the members starting with member {@code i mod n}, which it talks to first (jetcd picks
 * the first reachable endpoint).
 *
 * <p>Faults: crash (the client's proxies close: its keep-alives and requests fail at once and
 * its lease runs out in etcd), cut (proxies silent), store restart (every member SIGTERM,
 * then started on the same data), lease expiry (the lease revoked through another connection),
 * and with three members or more, member loss (the member the leader's client talks to).
 */
final class EtcdFixture extends HarnessFixture {

  private static final Logger log = LoggerFactory.getLogger(EtcdFixture.class);

  /** The harness's: D = the lease TTL 3 s, R 2 s, P 500 ms, handover 750 ms. */
  static final Timings TIMINGS = EtcdHarness.TIMINGS;

  static final String PREFIX = "/tck";

  private final EtcdCluster cluster;
  private final boolean pinned;
  /** The first member of each client's backend. */
  private final Map<EtcdElectionBackend, EtcdCluster.Member> primaries = new LinkedHashMap<>();
  private final List<EtcdCluster.Member> lost = new CopyOnWriteArrayList<>();
  private final AtomicInteger next = new AtomicInteger();
  private EtcdCluster.Member primary; // of the client being made

  EtcdFixture(EtcdCluster cluster) {
    this(cluster, false);
  }

  /**
   * A fixture whose clients list every member ({@code pinned} false), or only their first one
   * ({@code pinned} true: losing that member cuts the client off, as a partition would).
   */
  EtcdFixture(EtcdCluster cluster, boolean pinned) {
    super(EtcdHarness.on(cluster), TIMINGS, PREFIX);
    this.cluster = cluster;
    this.pinned = pinned;
    cluster.ensureRunning();
  }

  /**
   * Proxies to the members starting with member {@code i mod n} for the {@code i}th client (only
   * to that one when pinned). No fixed leaseTtl on its backend: each election's lease duration
   * is its lease's TTL (the kit also builds elections with the default durations, 15 s and 10 s,
   * on these clients).
   */
  @Override
  protected StoreHarness.Connection connect() {
    List<EtcdCluster.Member> members = cluster.members();
    int first = next.getAndIncrement() % members.size();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < (pinned ? 1 : members.size()); i++) {
      ports.add(members.get((first + i) % members.size()).clientPort());
    }
    primary = members.get(first);
    return EtcdHarness.through(ProxiedConnection.proxiesTo(ports));
  }

  @Override
  public synchronized ElectionBackend newBackend() {
    ElectionBackend client = super.newBackend();
    primaries.put(unwrap(client), primary);
    return client;
  }

  /** The fixture's backend behind a client it handed out (for tests of this module). */
  EtcdElectionBackend unwrap(ElectionBackend b) {
    return (EtcdElectionBackend) backendOf(b);
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
      for (Map.Entry<EtcdElectionBackend, EtcdCluster.Member> e : primaries.entrySet()) {
        if (e.getKey().leaseIds().contains(leaderLease)) {
          return Optional.of(e.getValue());
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

  /**
   * Closes what the kit did not (clients, proxies) and leaves every member running: the
   * cluster belongs to the test class.
   */
  @Override
  public void close() {
    closeClients();
    cluster.ensureRunning();
  }
}
