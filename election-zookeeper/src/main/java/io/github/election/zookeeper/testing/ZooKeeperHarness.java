package io.github.election.zookeeper.testing;

import io.github.election.spi.ElectionBackend;
import io.github.election.spi.SettingValues;
import io.github.election.testing.ProxiedConnection;
import io.github.election.testing.StoreHarness;
import io.github.election.testing.TcpProxy;
import io.github.election.testing.Timings;
import io.github.election.zookeeper.ZooKeeperElectionBackend;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link StoreHarness} of ZooKeeper: servers in this JVM on 127.0.0.1 with random ports,
 * tick 100 ms and sessions down to 200 ms (curator-test: a {@link TestingServer} for one member,
 * a {@link TestingCluster} ensemble for more). Needs {@code org.apache.curator:curator-test} on
 * the class path, an optional dependency of this artifact.
 *
 * <p>Faults: crash (the connection's proxies go silent, then close: the session lives on in
 * the server until it times out), cut and heal (proxies), expire (a second handle joins the
 * client's session, straight to the servers, and closes it), restart (every member stops,
 * keeping its data and so the sessions, and starts again), and with three members or more,
 * member loss.
 */
public final class ZooKeeperHarness implements StoreHarness {

  /** The servers' tick; sessions go down to two ticks. */
  public static final int TICK_MILLIS = 100;

  /**
   * D = session timeout 3 s, R 2 s, P 300 ms; handover bound 500 ms. Recovery bound 2.5 s:
   * ZooKeeper's client waits before it connects again after a connection dropped, up to 1 s at
   * random, plus 1 s each time it has tried every server of the connect string (one here), and
   * rules F4's bound P + 2.5 s stays below D + P.
   */
  public static final Timings TIMINGS = new Timings(Duration.ofSeconds(3), Duration.ofSeconds(2),
      Duration.ofMillis(300), Duration.ofMillis(500), Duration.ofMillis(2500));

  private static final Logger log = LoggerFactory.getLogger(ZooKeeperHarness.class);
  private static final long SERVE_TIMEOUT_SECONDS = 60;

  private final TestingServer server;
  private final TestingCluster cluster;
  private final List<InstanceSpec> specs = new ArrayList<>();
  private InstanceSpec lost;

  private ZooKeeperHarness(int members) {
    if (members <= 1) {
      InstanceSpec only = spec(-1);
      server = startServer(only);
      cluster = null;
      specs.add(only);
    } else {
      server = null;
      for (int i = 0; i < members; i++) {
        specs.add(spec(-1));
      }
      cluster = new TestingCluster(specs);
      try {
        cluster.start();
      } catch (Exception e) {
        close();
        throw new IllegalStateException("cannot start a " + members + "-member ZooKeeper "
            + "ensemble", e);
      }
      awaitServing(address()); // a standalone server serves once started
    }
  }

  /**
   * Starts a store of {@code members} servers and returns once it serves: one standalone
   * server, or an ensemble of which a quorum serves.
   */
  public static ZooKeeperHarness start(int members) {
    return new ZooKeeperHarness(members);
  }

  /**
   * Starts a standalone server on 127.0.0.1 whose session timeouts go down to 200 ms.
   *
   * @param port the port, or {@code -1} for a free one
   */
  public static TestingServer startServer(int port) {
    return startServer(spec(port));
  }

  private static TestingServer startServer(InstanceSpec spec) {
    try {
      return new TestingServer(spec, true);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start a ZooKeeper TestingServer on 127.0.0.1 "
          + "(curator-test, an optional dependency of election-zookeeper)", e);
    }
  }

  private static InstanceSpec spec(int port) {
    Map<String, Object> props = Map.of(
        "clientPortAddress", "127.0.0.1",
        "minSessionTimeout", String.valueOf(2 * TICK_MILLIS),
        "maxSessionTimeout", "60000");
    return new InstanceSpec(null, port, -1, -1, true, -1, TICK_MILLIS, -1, props, "127.0.0.1");
  }

  /**
   * Ends a session in the servers now: a second handle joins the session, straight to the
   * servers, and closes it. The client learns of it at its next request.
   *
   * @param client the Curator client whose session ends
   * @param directConnectString the servers' own addresses (not a proxy's)
   * @throws IllegalStateException if the session cannot be joined
   */
  public static void expireSession(CuratorFramework client, String directConnectString) {
    try {
      ZooKeeper handle = client.getZookeeperClient().getZooKeeper();
      long id = handle.getSessionId();
      byte[] password = handle.getSessionPasswd();
      CountDownLatch connected = new CountDownLatch(1);
      ZooKeeper killer = new ZooKeeper(directConnectString, 10_000, e -> {
        if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
          connected.countDown();
        }
      }, id, password);
      try {
        if (!connected.await(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("could not join session 0x" + Long.toHexString(id));
        }
      } finally {
        killer.close();
      }
      log.info("expired session 0x{}", Long.toHexString(id));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot expire the session", e);
    }
  }

  @Override
  public String scheme() {
    return "zookeeper";
  }

  @Override
  public int members() {
    return specs.size();
  }

  @Override
  public Timings timings() {
    return TIMINGS;
  }

  /** The members' {@code 127.0.0.1:port}, comma-separated: a connect string. */
  @Override
  public String address() {
    StringJoiner j = new StringJoiner(",");
    specs.forEach(s -> j.add("127.0.0.1:" + s.getPort()));
    return j.toString();
  }

  /** The port of the first member. */
  public int port() {
    return specs.get(0).getPort();
  }

  @Override
  public Connection connect(boolean proxied) {
    List<Integer> ports = new ArrayList<>();
    specs.forEach(s -> ports.add(s.getPort()));
    return new Link(proxied ? ProxiedConnection.proxiesTo(ports) : List.of(), address());
  }

  @Override
  public void stopStore() {
    if (server != null) {
      try {
        server.stop();
      } catch (IOException e) {
        throw new IllegalStateException("cannot stop the ZooKeeper server", e);
      }
      return;
    }
    specs.forEach(this::kill);
  }

  @Override
  public void startStore() {
    if (server != null) {
      try {
        server.restart();
      } catch (Exception e) {
        throw new IllegalStateException("cannot restart the ZooKeeper TestingServer", e);
      }
      return; // serves once restarted
    }
    specs.forEach(this::restart);
    awaitServing(address());
  }

  @Override
  public String loseMember(int member) {
    if (cluster == null) {
      return StoreHarness.super.loseMember(member);
    }
    lost = specs.get(Math.floorMod(member, specs.size()));
    kill(lost);
    return "member " + lost.getPort();
  }

  @Override
  public void restoreMember() {
    if (cluster == null) {
      StoreHarness.super.restoreMember();
    }
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
          probe.create().orSetData().forPath("/harness-probe");
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

  /** The servers' own threads and the proxies'. */
  @Override
  public boolean isStoreThread(Thread thread) {
    String n = thread.getName();
    return StoreHarness.super.isStoreThread(thread) || n.startsWith("NIOWorkerThread")
        || n.startsWith("NIOServerCxnFactory") || n.startsWith("ConnnectionExpirer")
        || n.startsWith("SessionTracker") || n.startsWith("SyncThread")
        || n.startsWith("ProcessThread") || n.startsWith("RequestThrottler")
        || n.startsWith("ContainerManagerTask") || n.startsWith("zkservermainrunner")
        || n.startsWith("zk-main-thread");
  }

  @Override
  public void close() {
    try {
      if (server != null) {
        server.close();
      }
      if (cluster != null) {
        cluster.close();
      }
    } catch (IOException | RuntimeException e) {
      log.warn("closing the ZooKeeper servers failed: {}", e.toString());
    }
  }

  @Override
  public String toString() {
    return "ZooKeeperHarness{" + address() + "}";
  }

  /** A client's proxies, one per member, or the servers' own addresses. */
  private static final class Link extends ProxiedConnection {

    Link(List<TcpProxy> proxies, String direct) {
      super(proxies, direct);
    }

    @Override
    public Optional<URI> uri(String base, Duration leaseDuration) {
      return Optional.of(URI.create("zookeeper://" + address() + base + "?sessionTimeout="
          + SettingValues.format(leaseDuration) + "&connectionTimeout=1s"));
    }

    /** Session timeout D, connection timeout 1 s. */
    @Override
    protected ElectionBackend newBackend(String base, Duration leaseDuration) {
      return ZooKeeperElectionBackend.builder().connectString(address()).basePath(base)
          .sessionTimeout(leaseDuration).connectionTimeout(Duration.ofSeconds(1)).build();
    }
  }

  /** Registered for {@link java.util.ServiceLoader}: scheme {@code zookeeper}. */
  public static final class Provider implements StoreHarness.Provider {

    @Override
    public String scheme() {
      return "zookeeper";
    }

    @Override
    public StoreHarness start(int members) {
      return ZooKeeperHarness.start(members);
    }

    /** {@link ZooKeeperHarness#expireSession} on the backend's Curator client. */
    @Override
    public void expire(ElectionBackend backend, String storeAddress) {
      if (!(backend instanceof ZooKeeperElectionBackend)) {
        throw new IllegalArgumentException("not a zookeeper backend: " + backend);
      }
      expireSession(((ZooKeeperElectionBackend) backend).client(), storeAddress);
    }
  }
}
