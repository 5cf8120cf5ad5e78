package io.github.election.zookeeper;

import io.github.election.spi.ElectionBackend;
import io.github.election.tck.ElectionFixture;
import io.github.election.tck.ForwardingElectionBackend;
import io.github.election.testing.Fault;
import io.github.election.testing.StoreHarness;
import io.github.election.testing.Timings;
import io.github.election.zookeeper.testing.ZooKeeperHarness;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kit's fixture on a {@link ZooKeeperHarness} of one server in this JVM (curator-test's
 * {@code TestingServer} on 127.0.0.1, random port, tick 100 ms) and, for each candidate, a
 * backend with its own Curator client on a connection of its own (a {@link
 * io.github.election.testing.TcpProxy} to the server), so that one client can be cut, crashed or
 * expired alone.
 *
 * <p>Faults: crash closes the client's proxy (its connection is reset, reconnecting is refused,
 * the session lives on in the server until it times out); cut and heal silence and restore the
 * proxy; expire closes the client's session from a second handle on the same session (a forced
 * end, which the client learns of only at its next request: no kit rule uses it); store
 * restart stops and restarts the server, which keeps the data and so the sessions.
 */
final class ZooKeeperFixture implements ElectionFixture {

  /** The harness's timings: D = session timeout 3 s, R 2 s, P 300 ms; see there. */
  static final Timings TIMINGS = ZooKeeperHarness.TIMINGS;
  static final String BASE_PATH = "/tck";
  static final int TICK_MILLIS = ZooKeeperHarness.TICK_MILLIS;

  private static final Logger log = LoggerFactory.getLogger(ZooKeeperFixture.class);

  private final ZooKeeperHarness store;
  private final CuratorFramework admin;
  private final Timings timings;
  private final Map<ElectionBackend, Client> clients = new java.util.concurrent.ConcurrentHashMap<>();

  ZooKeeperFixture() {
    this(TIMINGS);
  }

  ZooKeeperFixture(Timings timings) {
    this.timings = timings;
    this.store = ZooKeeperHarness.start(1);
    this.admin = CuratorFrameworkFactory.builder().connectString(store.address())
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
    return ZooKeeperHarness.startServer(-1);
  }

  /** As {@link #startServer()}, on the given port of 127.0.0.1 ({@code -1}: a free one). */
  static TestingServer startServer(int port) {
    return ZooKeeperHarness.startServer(port);
  }

  @Override
  public Timings timings() {
    return timings;
  }

  @Override
  public Set<Fault> faults() {
    return store.faults();
  }

  @Override
  public ElectionBackend newBackend() {
    StoreHarness.Connection link = store.connect(true);
    ZooKeeperElectionBackend backend;
    try {
      backend = (ZooKeeperElectionBackend) link.backend(BASE_PATH, timings.leaseDuration());
    } catch (RuntimeException e) {
      link.close();
      throw e;
    }
    Client client = new Client(backend, link);
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
    log.info("crash {}", c.link);
    c.link.crash();
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
    store.stopStore();
  }

  @Override
  public void startStore() {
    store.startStore();
    awaitAdminConnected();
    warmUp();
  }

  /** Ends the client's session in the server: a second handle joins the session and closes it. */
  @Override
  public void expire(ElectionBackend client) {
    store.expire(backendOf(client));
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
    return store.isStoreThread(thread);
  }

  /** The admin client, connected straight to the server. */
  CuratorFramework admin() {
    return admin;
  }

  /** {@code 127.0.0.1:port} of the server itself. */
  String connectString() {
    return store.address();
  }

  @Override
  public void close() {
    for (Client c : clients.values()) {
      c.close();
    }
    admin.close();
    store.close();
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

  /** A backend plus its connection; closing it closes both. */
  private static final class Client extends ForwardingElectionBackend {
    final ZooKeeperElectionBackend backend;
    final StoreHarness.Connection link;

    Client(ZooKeeperElectionBackend backend, StoreHarness.Connection link) {
      super(backend);
      this.backend = backend;
      this.link = link;
    }

    @Override
    public void close() {
      link.close();
    }

    @Override
    public String toString() {
      return backend + " via " + link;
    }
  }
}
