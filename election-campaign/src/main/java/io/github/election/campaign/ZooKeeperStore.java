package io.github.election.campaign;

import io.github.election.spi.ElectionSettings;
import io.github.election.testing.TcpProxy;
import io.github.election.testing.Timings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A three-member ZooKeeper ensemble in the campaign's JVM (curator-test {@link TestingCluster}
 * on 127.0.0.1, tick 100 ms, sessions down to 200 ms). Each candidate reaches every member
 * through a {@link TcpProxy} of its own, so a cut silences all its links; its session timeout is
 * D. Session expiry is the kit's: a second handle joins the session, straight to the ensemble,
 * and closes it.
 */
final class ZooKeeperStore implements Store {

  private static final Logger log = LoggerFactory.getLogger(ZooKeeperStore.class);
  private static final int TICK_MILLIS = 100;
  private static final long SERVE_TIMEOUT_SECONDS = 60;

  private final List<InstanceSpec> members = new ArrayList<>();
  private final TestingCluster cluster;
  private InstanceSpec lost;

  ZooKeeperStore() {
    for (int i = 0; i < 3; i++) {
      members.add(new InstanceSpec(null, -1, -1, -1, true, -1, TICK_MILLIS, -1,
          Map.of("clientPortAddress", "127.0.0.1",
              "minSessionTimeout", String.valueOf(2 * TICK_MILLIS),
              "maxSessionTimeout", "60000"), "127.0.0.1"));
    }
    cluster = new TestingCluster(members);
    try {
      cluster.start();
    } catch (Exception e) {
      close();
      throw new IllegalStateException("cannot start a three-member ZooKeeper ensemble", e);
    }
    awaitServing(cluster.getConnectString());
  }

  @Override
  public String name() {
    return "zookeeper";
  }

  @Override
  public Set<FaultKind> faults() {
    return EnumSet.allOf(FaultKind.class);
  }

  @Override
  public Timings timings() {
    return new Timings(Duration.ofSeconds(2), Duration.ofMillis(1300), Duration.ofMillis(400),
        Duration.ofMillis(500));
  }

  @Override
  public Contender spawn(String who, String identity, String election, Timings timings,
      History history, Path logDir) {
    List<TcpProxy> proxies = new ArrayList<>();
    StringJoiner hosts = new StringJoiner(",");
    for (InstanceSpec m : members) {
      TcpProxy p = new TcpProxy("127.0.0.1", m.getPort());
      proxies.add(p);
      hosts.add(p.address());
    }
    String uri = "zookeeper://" + hosts + "/campaign?sessionTimeout="
        + ElectionSettings.format(timings.leaseDuration()) + "&connectionTimeout=1s";
    return new ChildContender(who, identity, election, uri, timings,
        List.of("--direct", cluster.getConnectString()), Map.of(), proxies, history,
        logDir.resolve(who.replace('#', '-') + ".log"));
  }

  @Override
  public void stop() {
    for (InstanceSpec m : members) {
      kill(m);
    }
  }

  @Override
  public void start() {
    for (InstanceSpec m : members) {
      restart(m);
    }
    awaitServing(cluster.getConnectString());
  }

  @Override
  public String loseMember(int pick) {
    lost = members.get(Math.floorMod(pick, members.size()));
    kill(lost);
    return "member " + lost.getPort();
  }

  @Override
  public void restoreMember() {
    if (lost != null) {
      restart(lost);
      awaitServing("127.0.0.1:" + lost.getPort());
      lost = null;
    }
  }

  private void kill(InstanceSpec m) {
    try {
      cluster.killServer(m);
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop ZooKeeper member " + m.getPort(), e);
    }
  }

  private void restart(InstanceSpec m) {
    try {
      cluster.restartServer(m);
    } catch (Exception e) {
      throw new IllegalStateException("cannot restart ZooKeeper member " + m.getPort(), e);
    }
  }

  /** Waits until a write through {@code connectString} succeeds: a quorum serves. */
  private static void awaitServing(String connectString) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SERVE_TIMEOUT_SECONDS);
    try (CuratorFramework probe = CuratorFrameworkFactory.builder().connectString(connectString)
        .sessionTimeoutMs(10_000).connectionTimeoutMs(2_000).retryPolicy(new RetryOneTime(50))
        .build()) {
      probe.start();
      for (;;) {
        try {
          probe.blockUntilConnected(2, TimeUnit.SECONDS);
          probe.create().orSetData().forPath("/campaign-probe");
          return;
        } catch (Exception e) {
          if (System.nanoTime() - deadline > 0) {
            throw new IllegalStateException("ZooKeeper (" + connectString + ") did not serve "
                + "within " + SERVE_TIMEOUT_SECONDS + " s", e);
          }
          log.debug("ZooKeeper not serving yet: {}", e.toString());
        }
      }
    }
  }

  @Override
  public void close() {
    try {
      cluster.close();
    } catch (IOException | RuntimeException e) {
      log.warn("closing the ZooKeeper ensemble failed: {}", e.toString());
    }
  }
}
