package io.github.election.zookeeper.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A standalone ZooKeeper server inside this JVM, for demos and tests: listens on 127.0.0.1 on
 * a free port, keeps its data in a new temporary directory, and deletes that directory on
 * {@link #close()}. Needs nothing installed: the server is the one of the {@code zookeeper}
 * jar this module depends on.
 *
 * <pre>{@code
 * try (EmbeddedZooKeeper server = EmbeddedZooKeeper.start();
 *      ElectionBackend zk = ElectionBackends.open(server.uri("/elections"))) {
 *   ...
 * }
 * }</pre>
 *
 * <p>The server ticks every 200 ms and accepts session timeouts from 400 ms to 10 minutes, so
 * that short demo timings are honoured. It is not for production: one server is no ensemble.
 * Thread-safe; {@link #close()} is idempotent.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedZooKeeper.class);
  private static final int TICK_MILLIS = 200;
  private static final int MAX_SESSION_MILLIS = (int) Duration.ofMinutes(10).toMillis();

  private final Path dataDir;
  private final ZooKeeperServer server;
  private final ServerCnxnFactory connections;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EmbeddedZooKeeper(Path dataDir, ZooKeeperServer server, ServerCnxnFactory connections) {
    this.dataDir = dataDir;
    this.server = server;
    this.connections = connections;
  }

  /**
   * Starts a server on 127.0.0.1 with a free port and a new temporary data directory, and
   * returns once it accepts connections.
   *
   * @throws UncheckedIOException if the directory cannot be made or the port cannot be bound
   * @throws IllegalStateException if the server fails to start
   */
  public static EmbeddedZooKeeper start() {
    Path dir;
    try {
      dir = Files.createTempDirectory("embedded-zookeeper-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a data directory for ZooKeeper", e);
    }
    ZooKeeperServer server = null;
    ServerCnxnFactory factory = null;
    try {
      server = new ZooKeeperServer(dir.resolve("snapshots").toFile(),
          dir.resolve("log").toFile(), TICK_MILLIS);
      server.setMinSessionTimeout(2 * TICK_MILLIS);
      server.setMaxSessionTimeout(MAX_SESSION_MILLIS);
      factory = ServerCnxnFactory.createFactory(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
      factory.startup(server);
      EmbeddedZooKeeper zk = new EmbeddedZooKeeper(dir, server, factory);
      log.info("embedded ZooKeeper {} started on {}", server.getClass().getSimpleName(),
          zk.connectString());
      return zk;
    } catch (IOException e) {
      stop(factory, server);
      deleteRecursively(dir);
      throw new UncheckedIOException("cannot start an embedded ZooKeeper server", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop(factory, server);
      deleteRecursively(dir);
      throw new IllegalStateException("interrupted while starting an embedded ZooKeeper server",
          e);
    } catch (LinkageError e) {
      // metrics-core or snappy-java missing: ZooKeeper's pom marks them 'provided'
      stop(factory, server);
      deleteRecursively(dir);
      throw new IllegalStateException("cannot start an embedded ZooKeeper server: a class is "
          + "missing from the class path (" + e.getMessage() + "); the server needs "
          + "io.dropwizard.metrics:metrics-core and org.xerial.snappy:snappy-java, which "
          + "election-zookeeper brings at runtime", e);
    } catch (RuntimeException e) {
      stop(factory, server);
      deleteRecursively(dir);
      throw new IllegalStateException("cannot start an embedded ZooKeeper server", e);
    }
  }

  /** The port on 127.0.0.1 the server listens on. */
  public int port() {
    return connections.getLocalPort();
  }

  /**
   * How many packets the server received from clients since it started: every request and
   * every ping, as {@code mntr}'s {@code zk_packets_received} counts them.
   */
  public long packetsReceived() {
    return server.serverStats().getPacketsReceived();
  }

  /** {@code 127.0.0.1:port}, the connect string of this server. */
  public String connectString() {
    return "127.0.0.1:" + port();
  }

  /**
   * A {@code zookeeper://} URI of this server for {@code ElectionBackends.open}.
   *
   * @param basePath the base path of the elections, such as {@code /elections}
   * @throws IllegalArgumentException if it does not start with {@code /}
   */
  public URI uri(String basePath) {
    Objects.requireNonNull(basePath, "basePath");
    if (!basePath.startsWith("/")) {
      throw new IllegalArgumentException("basePath '" + basePath + "' must start with '/'");
    }
    // the backend checks the rest of the path when the URI is opened
    String path = basePath.length() > 1 && basePath.endsWith("/")
        ? basePath.substring(0, basePath.length() - 1) : basePath;
    return URI.create("zookeeper://" + connectString() + path);
  }

  /** The server's data directory (deleted on close). */
  public Path dataDirectory() {
    return dataDir;
  }

  /** Stops the server and deletes its data directory. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    stop(connections, server);
    deleteRecursively(dataDir);
    log.info("embedded ZooKeeper on port {} stopped", connections.getLocalPort());
  }

  @Override
  public String toString() {
    return "EmbeddedZooKeeper{" + connectString() + (closed.get() ? ", closed" : "") + "}";
  }

  private static void stop(ServerCnxnFactory factory, ZooKeeperServer server) {
    if (factory != null) {
      try {
        factory.shutdown();
      } catch (RuntimeException e) {
        log.warn("stopping the connections of the embedded ZooKeeper failed", e);
      }
    }
    if (server != null) {
      try {
        server.shutdown(true);
      } catch (RuntimeException e) {
        log.warn("stopping the embedded ZooKeeper failed", e);
      }
      try {
        server.getTxnLogFactory().close();
      } catch (IOException | RuntimeException e) {
        log.debug("closing the embedded ZooKeeper's log failed", e);
      }
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<Path>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      log.warn("cannot delete the embedded ZooKeeper's data directory {}: {}", dir, e.toString());
    }
  }
}
