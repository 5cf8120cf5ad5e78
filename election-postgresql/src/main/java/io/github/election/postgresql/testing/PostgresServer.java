package io.github.election.postgresql.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server of its own for tests and tooling: a child process of the server binaries
 * installed on the machine ({@code initdb} and {@code postgres}, Debian's {@code postgresql}
 * package puts them in {@code /usr/lib/postgresql/<version>/bin}), on 127.0.0.1 with a random
 * port and a fresh data directory that {@link #close()} deletes.
 *
 * <p><b>Root.</b> The server refuses to run as root. When this process runs as root (CI does),
 * the server runs as the {@code postgres} system user ({@code runuser -u postgres}), its data
 * directory owned by that user under {@code /tmp}.
 *
 * <p><b>Access.</b> A superuser {@link #USER} with password {@link #PASSWORD} (scram-sha-256
 * over TCP), database {@link #DATABASE}.
 *
 * <p>Settings for a test server, not for production: {@code fsync} off. Thread-safe.
 */
public final class PostgresServer implements AutoCloseable {

  /** The superuser. */
  public static final String USER = "postgres";
  /** The superuser's password. */
  public static final String PASSWORD = "election";
  /** The database. */
  public static final String DATABASE = "postgres";

  private static final Logger log = LoggerFactory.getLogger(PostgresServer.class);
  private static final Duration START_BOUND = Duration.ofSeconds(60);
  private static final Duration STOP_BOUND = Duration.ofSeconds(30);

  private final Path bin;
  private final Path dataDir;
  private final boolean asPostgresUser;
  private final int port;
  private final Thread shutdownHook;
  private Process process;
  private boolean closed;

  private PostgresServer(Path bin, Path dataDir, boolean asPostgresUser, int port) {
    this.bin = bin;
    this.dataDir = dataDir;
    this.asPostgresUser = asPostgresUser;
    this.port = port;
    this.shutdownHook = new Thread(this::kill, "postgres-server-shutdown-" + port);
  }

  /**
   * Initializes a data directory and starts a server on it; returns once it accepts
   * connections.
   *
   * @throws IllegalStateException if there are no server binaries (the message says what to
   *     install), or the server does not start (with its output)
   */
  public static PostgresServer start() {
    Path bin = binaries();
    boolean root = isRoot();
    Path dir;
    try {
      dir = root
          ? Files.createTempDirectory(Path.of("/tmp"), "election-postgresql-")
          : Files.createTempDirectory("election-postgresql-");
      if (root) {
        chownToPostgres(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a data directory for PostgreSQL", e);
    }
    Path data = dir.resolve("data");
    Path pwfile = dir.resolve("pwfile");
    try {
      Files.writeString(pwfile, PASSWORD + "\n", StandardCharsets.UTF_8);
      if (root) {
        chownToPostgres(pwfile);
      }
      run(root, List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER,
          "--pwfile=" + pwfile, "--auth-local=trust", "--auth-host=scram-sha-256",
          "-E", "UTF8", "--locale=C", "--no-sync"));
    } catch (IOException e) {
      deleteQuietly(dir);
      throw new UncheckedIOException("cannot initialize a PostgreSQL data directory", e);
    } catch (RuntimeException e) {
      deleteQuietly(dir);
      throw e;
    }
    PostgresServer server = new PostgresServer(bin, dir, root, freePort());
    Runtime.getRuntime().addShutdownHook(server.shutdownHook);
    try {
      server.startServer();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** The port the server listens on, on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:port}. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  /** The JDBC URL of the database, straight to the server. */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + address() + "/" + DATABASE;
  }

  /**
   * A new connection as the superuser, straight to the server (for set-up and looks; the caller
   * closes it).
   *
   * @throws IllegalStateException if the server does not answer
   */
  public Connection connect() {
    try {
      return DriverManager.getConnection(jdbcUrl(), credentials());
    } catch (SQLException e) {
      throw new IllegalStateException("cannot connect to PostgreSQL on " + address() + ": "
          + e.getMessage(), e);
    }
  }

  /** Whether the server process runs. */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Stops the server fast (clients disconnected, data kept); returns once it has exited. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    signal("INT"); // fast shutdown: ends the sessions, rolls their transactions back
    awaitExit();
  }

  /** Starts the server again on the same port and data after {@link #stop()}. */
  public synchronized void restart() {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    if (isRunning()) {
      return;
    }
    startServer();
  }

  /** Stops the server and deletes its data. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      stop();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // shutting down
      }
      deleteQuietly(dataDir);
    }
  }

  @Override
  public String toString() {
    return "PostgreSQL on " + address();
  }

  // ------------------------------------------------------------------ process

  private synchronized void startServer() {
    Path data = dataDir.resolve("data");
    List<String> cmd = new ArrayList<>(List.of(bin.resolve("postgres").toString(),
        "-D", data.toString(), "-p", String.valueOf(port), "-k", dataDir.toString(),
        "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off",
        "-c", "max_connections=300", "-c", "log_min_messages=warning",
        "-c", "logging_collector=off"));
    ProcessBuilder pb = new ProcessBuilder(asPostgresUser ? asPostgres(cmd) : cmd)
        .redirectErrorStream(true)
        .redirectOutput(dataDir.resolve("server.log").toFile());
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + cmd.get(0), e);
    }
    long deadline = System.nanoTime() + START_BOUND.toNanos();
    SQLException last = null;
    while (System.nanoTime() - deadline < 0) {
      if (!process.isAlive()) {
        throw new IllegalStateException("PostgreSQL exited at start (code "
            + process.exitValue() + "): " + serverLog());
      }
      Properties p = credentials();
      p.setProperty("connectTimeout", "2");
      try (Connection c = DriverManager.getConnection(jdbcUrl(), p)) {
        log.info("PostgreSQL {} serves on {}", bin.getParent().getFileName(), address());
        return;
      } catch (SQLException e) {
        last = e;
      }
      waitForProcess(20);
    }
    throw new IllegalStateException("PostgreSQL on " + address() + " did not accept connections"
        + " within " + START_BOUND.toSeconds() + " s: " + last + "; log: " + serverLog());
  }

  /** Waits up to {@code millis} for the process to exit: a pause between connection tries. */
  private void waitForProcess(long millis) {
    try {
      process.waitFor(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while PostgreSQL starts", e);
    }
  }

  private void awaitExit() {
    try {
      if (!process.waitFor(STOP_BOUND.toSeconds(), TimeUnit.SECONDS)) {
        log.warn("PostgreSQL on {} did not stop in {} s; killing it", address(),
            STOP_BOUND.toSeconds());
        signal("KILL");
        process.destroyForcibly().waitFor(STOP_BOUND.toSeconds(), TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    postmasterPid().ifPresent(pid -> ProcessHandle.of(pid).ifPresent(h -> {
      // runuser exited, the postmaster too, or it is on its way: wait for it
      h.onExit().orTimeout(STOP_BOUND.toSeconds(), TimeUnit.SECONDS).exceptionally(x -> h).join();
    }));
    process = null;
  }

  /** Sends a signal to the postmaster (whose pid its data directory holds), or to the child. */
  private void signal(String signal) {
    Optional<Long> pid = postmasterPid();
    long target = pid.orElse(process.pid());
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(target))
          .redirectErrorStream(true).start();
      kill.waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      process.destroy();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The postmaster's pid, from the first line of {@code postmaster.pid}. */
  private Optional<Long> postmasterPid() {
    try {
      List<String> lines = Files.readAllLines(dataDir.resolve("data").resolve("postmaster.pid"));
      return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Kills the server at JVM exit, so that none outlives a test run that ended abruptly. */
  private void kill() {
    Process p;
    synchronized (this) {
      p = process;
    }
    if (p != null) {
      postmasterPid().ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
      p.destroyForcibly();
    }
    deleteQuietly(dataDir);
  }

  private String serverLog() {
    try {
      String text = Files.readString(dataDir.resolve("server.log"));
      return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static Properties credentials() {
    Properties p = new Properties();
    p.setProperty("user", USER);
    p.setProperty("password", PASSWORD);
    return p;
  }

  // ------------------------------------------------------------------ machine

  /**
   * The directory of {@code initdb} and {@code postgres}: {@code $PG_BIN} if set, else the newest
   * {@code /usr/lib/postgresql/<version>/bin}.
   */
  static Path binaries() {
    String env = System.getenv("PG_BIN");
    if (env != null && !env.isBlank()) {
      Path p = Path.of(env);
      if (Files.isExecutable(p.resolve("postgres")) && Files.isExecutable(p.resolve("initdb"))) {
        return p;
      }
      throw new IllegalStateException("PG_BIN=" + env + " holds no initdb and postgres");
    }
    Path root = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(root)) {
      try (Stream<Path> versions = Files.list(root)) {
        Optional<Path> found = versions
            .map(v -> v.resolve("bin"))
            .filter(b -> Files.isExecutable(b.resolve("postgres"))
                && Files.isExecutable(b.resolve("initdb")))
            .max(Comparator.comparingInt(PostgresServer::version));
        if (found.isPresent()) {
          return found.get();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("no PostgreSQL server binaries (initdb, postgres) in "
        + "/usr/lib/postgresql/<version>/bin: install Debian's postgresql package "
        + "(apt-get install -y postgresql; ./scripts/test.sh does it), or set PG_BIN to the "
        + "directory that holds them");
  }

  private static int version(Path bin) {
    try {
      return Integer.parseInt(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  static List<String> asPostgres(List<String> cmd) {
    List<String> out = new ArrayList<>(List.of("runuser", "-u", USER, "--"));
    out.addAll(cmd);
    return out;
  }

  static void chownToPostgres(Path path) throws IOException {
    UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
    UserPrincipal postgres;
    try {
      postgres = users.lookupPrincipalByName(USER);
    } catch (IOException e) {
      throw new IllegalStateException("running as root, and there is no '" + USER + "' system "
          + "user to run PostgreSQL as (the server refuses root): install Debian's postgresql "
          + "package, which makes it", e);
    }
    Files.setOwner(path, postgres);
  }

  /** Runs a command to its end; throws with its output when it fails. */
  private static void run(boolean root, List<String> cmd) {
    List<String> full = root ? asPostgres(cmd) : cmd;
    try {
      Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(START_BOUND.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", full) + " did not end within "
            + START_BOUND.toSeconds() + " s");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", full) + " failed (code "
            + p.exitValue() + "): " + out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + full.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteQuietly(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // best effort
        }
      });
    } catch (IOException | UncheckedIOException e) {
      log.debug("cannot delete {}", dir, e);
    }
  }
}
