package io.github.election.campaign;

import io.github.election.etcd.CampaignEtcd;
import io.github.election.testing.TcpProxy;
import io.github.election.testing.Timings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * A three-member etcd cluster of child processes ({@code /usr/bin/etcd}, the etcd module's
 * {@code EtcdCluster}). Each candidate reaches every member through a {@link TcpProxy} of its
 * own; its lease TTL is D (whole seconds). Lease expiry is the kit's: the lease is revoked
 * through a member's gateway.
 */
final class EtcdStore implements Store {

  private final CampaignEtcd cluster = CampaignEtcd.start(3);
  private int lost = -1;

  @Override
  public String name() {
    return "etcd";
  }

  @Override
  public Set<FaultKind> faults() {
    return EnumSet.allOf(FaultKind.class);
  }

  @Override
  public Timings timings() {
    // etcd's shortest lease TTL with its default 100 ms heartbeat is 2 s. P above 500 ms: etcd
    // revokes expired leases in a loop that runs every 500 ms, so the key of a dead candidate
    // lasts up to D + 500 ms, and rule L3 (a new leader within D + P) needs P > 500 ms
    return new Timings(Duration.ofSeconds(2), Duration.ofMillis(1300), Duration.ofMillis(600),
        Duration.ofMillis(750));
  }

  /**
   * etcd's election timeout (1 s, the default, as EtcdCluster runs it): when a new raft leader
   * takes over (after a restart, or the loss of the leading member) its lessor extends every
   * lease by the election timeout and gives it its full TTL again
   * ({@code lessor.Promote(ElectionTimeout)}), so the key of a candidate that died just before
   * stays D + 1 s longer.
   */
  @Override
  public Duration livenessAllowance() {
    return Duration.ofSeconds(1);
  }

  @Override
  public Contender spawn(String who, String identity, String election, Timings timings,
      History history, Path logDir) {
    List<TcpProxy> proxies = new ArrayList<>();
    StringJoiner hosts = new StringJoiner(",");
    StringJoiner direct = new StringJoiner(",");
    for (int port : cluster.clientPorts()) {
      TcpProxy p = new TcpProxy("127.0.0.1", port);
      proxies.add(p);
      hosts.add(p.address());
      direct.add(String.valueOf(port));
    }
    return new ChildContender(who, identity, election, "etcd://" + hosts + "/campaign", timings,
        List.of("--direct", direct.toString()), Map.of(), proxies, history,
        logDir.resolve(who.replace('#', '-') + ".log"));
  }

  @Override
  public void stop() {
    cluster.stopAll();
  }

  @Override
  public void start() {
    cluster.startAll();
  }

  @Override
  public String loseMember(int pick) {
    lost = Math.floorMod(pick, cluster.clientPorts().size());
    cluster.stopMember(lost);
    return "member " + cluster.clientPorts().get(lost);
  }

  @Override
  public void restoreMember() {
    if (lost >= 0) {
      cluster.startMember(lost);
      lost = -1;
    }
  }

  @Override
  public void close() {
    cluster.close();
  }
}
