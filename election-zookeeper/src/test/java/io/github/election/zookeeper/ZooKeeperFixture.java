package io.github.election.zookeeper;

import io.github.election.spi.ElectionBackend;
import io.github.election.tck.ElectionFixture;
import io.github.election.tck.Fault;
import io.github.election.tck.ForwardingElectionBackend;
import io.github.election.tck.TcpProxy;
import io.github.election.tck.Timings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ZooKeeper server in this JVM (curator-test's {@link TestingServer} on 127.0.0.1, random
 * port, tick 100 ms) and, for each candidate, a backend with its own Curator client and its own
 * {@link TcpProxy} to the server, so that one client can be cut, crashed or expired alone.
 *
 * <p>Faults: crash closes the client's proxy (its connection is reset, reconnecting is refused,
 * the session lives on in the server until it times out); cut and heal silence and restore the
 * proxy; expire closes the client's session from a second handle on the same session (a forced
 * end, which the client learns of only at its next request: no kit rule uses it); store
 * restart is {@link TestingServer#stop()} and {@link TestingServer#restart()}, which keep the
 * data and so the sessions.
 */
final class ZooKeeperFixture implements ElectionFixture {

  /**
   * D = session timeout 3 s, R 2 s, P 300 ms; handover bound 500 ms. Recovery bound 2.5 s:
   * ZooKeeper's client waits before it connects again after a connection dropped, up to 1 s at
   * random, plus 1 s each time it has tried every server of the connect string (one here), and
   * rules F4's bound P + 2.5 s stays below D + P.
   */
  static final Timings TIMINGS = new Timings(Duration.ofSeconds(3), Duration.ofSeconds(2),
      Duration.ofMillis(300), Duration.ofMillis(500), Duration.ofMillis(2500));
  static final String BASE_PATH = "/tck";
  static final int TICK_MILLIS = 100;

  private static final Logger log = LoggerFactory.getLogger(ZooKeeperFixture.class);

  private final TestingServer server;
  private final CuratorFramework admin;
  private final Timings timings;
  private final Map<ElectionBackend, Client> clients = new java.util.concurrent.ConcurrentHashMap<>();

  ZooKeeperFixture() {
    this(TIMINGS);
  }

  ZooKeeperFixture(Timings timings) {
    this.timings = timings;
    this.server = startServer();
    this.admin = CuratorFrameworkFactory.builder().connectString(server.getConnectString())
        .sessionTimeoutMs(30_000).connectionTimeoutMs(5_000).retryPolicy(new RetryOneTime(100))
        .build();
    admin.start();
    try {
      if (!admin.blockUntilConnected(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test ZooKeeper server did not accept a client");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    warmUp();
  }

  /** Starts a standalone server on 127.0.0.1 whose session timeouts go down to 200 ms. */
  static TestingServer startServer() {
    return startServer(-1);
  }

  /** As {@link #startServer()}, on the given port of 127.0.0.1 ({@code -1}: a free one). */
  static TestingServer startServer(int port) {
    Map<String, Object> props = Map.of(
        "clientPortAddress", "127.0.0.1",
        "minSessionTimeout", String.valueOf(2 * TICK_MILLIS),
        "maxSessionTimeout", "60000");
    InstanceSpec spec = new InstanceSpec(null, port, -1, -1, true, -1, TICK_MILLIS, -1, props,
        "127.0.0.1");
    try {
      return new TestingServer(spec, true);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start a ZooKeeper TestingServer on 127.0.0.1 "
          + "(curator-test, test scope of election-zookeeper)", e);
    }
  }

  @Override
  public Timings timings() {
    return timings;
  }

  @Override
  public Set<Fault> faults() {
    return Set.of(Fault.CRASH, Fault.PARTITION, Fault.STORE_RESTART, Fault.SESSION_EXPIRY);
  }

  @Override
  public ElectionBackend newBackend() {
    TcpProxy proxy = new TcpProxy("127.0.0.1", server.getPort());
    ZooKeeperElectionBackend backend;
    try {
      backend = ZooKeeperElectionBackend.builder()
          .connectString(proxy.address())
          .basePath(BASE_PATH)
          .sessionTimeout(timings.leaseDuration())
          .connectionTimeout(Duration.ofSeconds(1))
          .build();
    } catch (RuntimeException e) {
      proxy.close();
      throw e;
    }
    Client client = new Client(backend, proxy);
    clients.put(client, client);
    return client;
  }

  /** The backend inside a client that {@link #newBackend()} handed out. */
  ZooKeeperElectionBackend backendOf(ElectionBackend client) {
    return own(client).backend;
  }

  @Override
  public void crash(ElectionBackend client) {
    Client c = own(client);
    log.info("crash {}", c.proxy);
    c.proxy.close();
  }

  @Override
  public void cut(ElectionBackend client) {
    own(client).proxy.cut();
  }

  @Override
  public void heal(ElectionBackend client) {
    own(client).proxy.heal();
  }

  @Override
  public void stopStore() {
    try {
      server.stop();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void startStore() {
    try {
      server.restart();
    } catch (Exception e) {
      throw new IllegalStateException("cannot restart the ZooKeeper TestingServer", e);
    }
    awaitAdminConnected();
    warmUp();
  }

  /** Ends the client's session in the server: a second handle joins the session and closes it. */
  @Override
  public void expire(ElectionBackend client) {
    expireSession(backendOf(client).client(), server.getConnectString());
  }

  static void expireSession(CuratorFramework client, String directConnectString) {
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
  public List<String> invalidElectionNames() {
    return List.of("a/b", ".", "..", "bell\u0007name", "/leading");
  }

  @Override
  public Optional<Integer> recordsOf(String electionName) {
    try {
      return Optional.of(admin.getChildren().forPath(ZKPaths.makePath(BASE_PATH, electionName))
          .size());
    } catch (KeeperException.NoNodeException e) {
      return Optional.of(0);
    } catch (Exception e) {
      throw new IllegalStateException("cannot list the nodes of " + electionName, e);
    }
  }

  /** The server's own threads (and the proxies'), which the kit's check of rule C3 ignores. */
  @Override
  public boolean isStoreThread(Thread thread) {
    String n = thread.getName();
    return ElectionFixture.super.isStoreThread(thread) || n.startsWith("NIOWorkerThread")
        || n.startsWith("NIOServerCxnFactory") || n.startsWith("ConnnectionExpirer")
        || n.startsWith("SessionTracker") || n.startsWith("SyncThread")
        || n.startsWith("ProcessThread") || n.startsWith("RequestThrottler")
        || n.startsWith("ContainerManagerTask") || n.startsWith("zkservermainrunner")
        || n.startsWith("zk-main-thread");
  }

  /** The admin client, connected straight to the server. */
  CuratorFramework admin() {
    return admin;
  }

  TestingServer server() {
    return server;
  }

  @Override
  public void close() {
    for (Client c : clients.values()) {
      c.close();
    }
    admin.close();
    try {
      server.close();
    } catch (IOException e) {
      log.warn("closing the TestingServer failed", e);
    }
  }

  private Client own(ElectionBackend client) {
    Client c = clients.get(client);
    if (c == null) {
      throw new IllegalArgumentException("not a client of this fixture: " + client);
    }
    return c;
  }

  private void awaitAdminConnected() {
    try {
      admin.blockUntilConnected(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The server starts its worker threads lazily, one per request until the pool is full: make
   * them now, so that they do not count as threads left behind by the test that came first.
   */
  private void warmUp() {
    try {
      for (int i = 0; i < 32; i++) {
        admin.checkExists().forPath("/");
      }
    } catch (Exception e) {
      log.warn("warm-up of the test server failed: {}", e.toString());
    }
  }

  /** A backend plus its proxy; closing it closes both. */
  private static final class Client extends ForwardingElectionBackend {
    final ZooKeeperElectionBackend backend;
    final TcpProxy proxy;

    Client(ZooKeeperElectionBackend backend, TcpProxy proxy) {
      super(backend);
      this.backend = backend;
      this.proxy = proxy;
    }

    @Override
    public void close() {
      backend.close();
      proxy.close();
    }

    @Override
    public String toString() {
      return backend + " via " + proxy;
    }
  }
}
