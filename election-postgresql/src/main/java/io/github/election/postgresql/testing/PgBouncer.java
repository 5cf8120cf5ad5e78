package io.github.election.postgresql.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PgBouncer of its own in front of a {@link PostgresServer}, in transaction pooling mode (a
 * server connection per transaction, so no session state survives a transaction, and {@code
 * LISTEN} delivers nothing): a child process of Debian's {@code pgbouncer} on 127.0.0.1 with a
 * random port, for tests that a backend works through it. Runs as the {@code postgres} user when
 * this process runs as root (PgBouncer refuses root).
 */
public final class PgBouncer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PgBouncer.class);
  private static final Path BINARY = Path.of("/usr/sbin/pgbouncer");

  private final Path dir;
  private final int port;
  private final Process process;

  private PgBouncer(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  /**
   * Starts a PgBouncer in transaction mode for the server's database and superuser; returns once
   * it accepts connections.
   *
   * @throws IllegalStateException if there is no {@code /usr/sbin/pgbouncer} (the message says
   *     what to install), or it does not start
   */
  public static PgBouncer start(PostgresServer server) {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException("no " + BINARY + ": install Debian's pgbouncer package "
          + "(apt-get install -y pgbouncer; ./scripts/test.sh does it)");
    }
    boolean root = PostgresServer.isRoot();
    int port = PostgresServer.freePort();
    try {
      Path dir = root
          ? Files.createTempDirectory(Path.of("/tmp"), "election-pgbouncer-")
          : Files.createTempDirectory("election-pgbouncer-");
      Path users = dir.resolve("userlist.txt");
      Files.writeString(users, "\"" + PostgresServer.USER + "\" \"" + PostgresServer.PASSWORD
          + "\"\n");
      Path ini = dir.resolve("pgbouncer.ini");
      Files.writeString(ini, String.join("\n",
          "[databases]",
          PostgresServer.DATABASE + " = host=127.0.0.1 port=" + server.port() + " dbname="
              + PostgresServer.DATABASE,
          "[pgbouncer]",
          "listen_addr = 127.0.0.1",
          "listen_port = " + port,
          "unix_socket_dir =",
          "auth_type = scram-sha-256",
          "auth_file = " + users,
          "pool_mode = transaction",
          "default_pool_size = 4",
          "max_client_conn = 200",
          "logfile = " + dir.resolve("pgbouncer.log"),
          "pidfile = " + dir.resolve("pgbouncer.pid"),
          ""));
      if (root) {
        for (Path p : List.of(dir, users, ini)) {
          PostgresServer.chownToPostgres(p);
        }
      }
      List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), ini.toString()));
      Process p = new ProcessBuilder(root ? PostgresServer.asPostgres(cmd) : cmd)
          .redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile()).start();
      PgBouncer bouncer = new PgBouncer(dir, port, p);
      bouncer.awaitListening();
      return bouncer;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start pgbouncer", e);
    }
  }

  /** The port it listens on, on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** The JDBC URL of the server's database through it. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + PostgresServer.DATABASE;
  }

  private void awaitListening() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() - deadline < 0) {
      if (!process.isAlive()) {
        throw new IllegalStateException("pgbouncer exited at start: " + logs());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        log.info("PgBouncer (transaction mode) serves on 127.0.0.1:{}", port);
        return;
      } catch (IOException e) {
        try {
          process.waitFor(20, TimeUnit.MILLISECONDS);
        } catch (InterruptedException i) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", i);
        }
      }
    }
    close();
    throw new IllegalStateException("pgbouncer did not listen within 30 s: " + logs());
  }

  private String logs() {
    StringBuilder b = new StringBuilder();
    for (String f : List.of("out.log", "pgbouncer.log")) {
      try {
        b.append(Files.readString(dir.resolve(f)));
      } catch (IOException e) {
        // not written
      }
    }
    return b.toString();
  }

  /** Stops it (its child, the runuser wrapper, and the pgbouncer under it) and deletes its files. */
  @Override
  public void close() {
    try {
      Path pid = dir.resolve("pgbouncer.pid");
      if (Files.exists(pid)) {
        long p = Long.parseLong(Files.readString(pid).trim());
        ProcessHandle.of(p).ifPresent(ProcessHandle::destroy); // SIGTERM: shutdown
      }
    } catch (IOException | NumberFormatException e) {
      log.debug("no pid file of pgbouncer", e);
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    PostgresServer.deleteQuietly(dir);
  }
}
