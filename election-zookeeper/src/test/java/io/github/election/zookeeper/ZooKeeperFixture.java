package io.github.election.zookeeper;

import io.github.election.spi.ElectionBackend;
import io.github.election.tck.HarnessFixture;
import io.github.election.testing.Timings;
import io.github.election.zookeeper.testing.ZooKeeperHarness;
import java.util.List;
import java.util.Optional;
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
final class ZooKeeperFixture extends HarnessFixture {

  /** The harness's timings: D = session timeout 3 s, R 2 s, P 300 ms; see there. */
  static final Timings TIMINGS = ZooKeeperHarness.TIMINGS;
  static final String BASE_PATH = "/tck";
  static final int TICK_MILLIS = ZooKeeperHarness.TICK_MILLIS;

  private static final Logger log = LoggerFactory.getLogger(ZooKeeperFixture.class);

  private final CuratorFramework admin;

  ZooKeeperFixture() {
    this(TIMINGS);
  }

  ZooKeeperFixture(Timings timings) {
    super(ZooKeeperHarness.start(1), timings, BASE_PATH);
    this.admin = CuratorFrameworkFactory.builder().connectString(connectString())
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

  /** The backend inside a client that {@link #newBackend()} handed out. */
  @Override
  protected ZooKeeperElectionBackend backendOf(ElectionBackend client) {
    return (ZooKeeperElectionBackend) super.backendOf(client);
  }

  /** Restarts the server, then waits for the admin client and warms the server up again. */
  @Override
  public void startStore() {
    super.startStore();
    awaitAdminConnected();
    warmUp();
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

  /** The admin client, connected straight to the server. */
  CuratorFramework admin() {
    return admin;
  }

  /** {@code 127.0.0.1:port} of the server itself. */
  String connectString() {
    return store().address();
  }

  @Override
  public void close() {
    closeClients();
    admin.close();
    store().close();
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
}
