package io.github.election.etcd.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One etcd cluster of child processes on 127.0.0.1 for tests and tooling: {@code /usr/bin/etcd}
 * (or the binary named by the system property {@code etcd.binary}), random ports, a temporary
 * data directory per member that {@link #close()} deletes (the members' logs stay in
 * {@code etcd-logs} under {@code java.io.tmpdir}). One member is a single-node store. Members are
 * stopped with SIGTERM and waited for, and started again on the same ports and data. Clients
 * talk plain HTTP unless the cluster was started with {@link Tls}; health and metrics are on a
 * plain HTTP port of their own per member.
 */
public final class EtcdCluster implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EtcdCluster.class);
  /** The etcd binary: {@code /usr/bin/etcd} unless {@code -Detcd.binary=PATH}. */
  public static final Path BINARY = Path.of(System.getProperty("etcd.binary", "/usr/bin/etcd"));

  /**
   * Server TLS for the client port: etcd's certificate and key, and the CA that signs client
   * certificates, which clients must then present.
   *
   * @param ca the CA of the client certificates
   * @param cert etcd's certificate
   * @param key etcd's key
   */
  public record Tls(Path ca, Path cert, Path key) {
  }

  /** One member. */
  public final class Member {
    private final String name;
    private final Path dataDir;
    private final Path logFile;
    private int clientPort;
    private int peerPort;
    private int metricsPort;
    private Process process;

    Member(String name, Path dataDir, Path logFile) {
      this.name = name;
      this.dataDir = dataDir;
      this.logFile = logFile;
    }

    /** Whether its process runs. */
    public boolean running() {
      return process != null && process.isAlive();
    }

    /** The member's name in the cluster. */
    public String name() {
      return name;
    }

    /** The client port on 127.0.0.1. */
    public int clientPort() {
      return clientPort;
    }

    /** The port of {@code /health} and {@code /metrics} (plain HTTP) on 127.0.0.1. */
    public int metricsPort() {
      return metricsPort;
    }

    /** Where the member's output goes. */
    public Path logFile() {
      return logFile;
    }

    String peerUrl() {
      return "http://127.0.0.1:" + peerPort;
    }

    /** {@code http://127.0.0.1:port}, or https with TLS. */
    public String clientUrl() {
      return (tls == null ? "http" : "https") + "://127.0.0.1:" + clientPort;
    }

    @Override
    public String toString() {
      return name + "@" + clientPort + (running() ? "" : " (stopped)");
    }
  }

  private final Path baseDir;
  private final List<Member> members = new ArrayList<>();
  private final String token;
  private final Tls tls;

  private EtcdCluster(int size, Tls tls) {
    this.tls = tls;
    requireBinary();
    try {
      baseDir = Files.createTempDirectory("etcd-test-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    token = "t-" + Long.toHexString(System.nanoTime());
    Path logs = Path.of(System.getProperty("java.io.tmpdir"), "etcd-logs");
    try {
      Files.createDirectories(logs);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (int i = 0; i < size; i++) {
      members.add(new Member("m" + i, baseDir.resolve("m" + i + ".data"),
          logs.resolve(token + "-m" + i + ".log")));
    }
  }

  /**
   * Starts a new cluster of {@code size} members and waits until every member is healthy.
   *
   * @throws IllegalStateException if there is no etcd binary (the message says what to install)
   *     or the members do not become healthy
   */
  public static EtcdCluster start(int size) {
    return start(size, null);
  }

  /** As {@link #start(int)}, serving clients over TLS with client certificates when tls is given. */
  public static EtcdCluster start(int size, Tls tls) {
    EtcdCluster cluster = new EtcdCluster(size, tls);
    try {
      for (int attempt = 1; ; attempt++) {
        for (Member m : cluster.members) {
          m.clientPort = freePort();
          m.peerPort = freePort();
          m.metricsPort = freePort();
        }
        cluster.members.forEach(cluster::launch);
        try {
          cluster.awaitHealthy(cluster.members, Duration.ofSeconds(20));
          break;
        } catch (IllegalStateException e) {
          cluster.members.forEach(EtcdCluster::terminate);
          if (attempt == 3) {
            throw e;
          }
          log.warn("etcd did not come up (a port taken?), trying other ports: {}", e.getMessage());
          for (Member m : cluster.members) {
            deleteTree(m.dataDir);
          }
        }
      }
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /**
   * Fails with what to install when there is no etcd binary (and no Docker engine for
   * Testcontainers, which this machine does not have).
   */
  public static void requireBinary() {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException("no etcd server binary at " + BINARY + ": install it with "
          + "`apt-get install etcd-server` (Debian/Ubuntu), or point -Detcd.binary=PATH at an "
          + "etcd 3.4+ binary; the tests start etcd as a child process on 127.0.0.1");
    }
  }

  /** The members, in order. */
  public List<Member> members() {
    return List.copyOf(members);
  }

  /** Member {@code i}. */
  public Member member(int i) {
    return members.get(i);
  }

  /** {@code 127.0.0.1:port} of every member's client port, comma-separated, in order. */
  public String address() {
    return members.stream().map(m -> "127.0.0.1:" + m.clientPort)
        .collect(Collectors.joining(","));
  }

  /**
   * A running member's client port, for gateway calls.
   *
   * @throws IllegalStateException if none runs
   */
  public int anyClientPort() {
    return members.stream().filter(Member::running).findFirst()
        .orElseThrow(() -> new IllegalStateException("no etcd member is running")).clientPort;
  }

  /** Stops every member (SIGTERM, waiting for each to exit). */
  public void stopAll() {
    members.forEach(EtcdCluster::terminate);
  }

  /** Starts every stopped member and waits until all are healthy. */
  public void startAll() {
    List<Member> stopped = members.stream().filter(m -> !m.running()).collect(Collectors.toList());
    stopped.forEach(this::launch);
    awaitHealthy(members, Duration.ofSeconds(20));
  }

  /** Stops one member, waiting for it to exit. */
  public void stop(Member m) {
    terminate(m);
  }

  /** Starts one stopped member again and waits until it is healthy. */
  public void start(Member m) {
    if (!m.running()) {
      launch(m);
    }
    awaitHealthy(List.of(m), Duration.ofSeconds(20));
  }

  /** Makes sure every member runs (after a test that stopped some). */
  public void ensureRunning() {
    if (members.stream().anyMatch(m -> !m.running())) {
      startAll();
    }
  }

  private void launch(Member m) {
    String initialCluster = members.stream().map(x -> x.name + "=" + x.peerUrl())
        .collect(Collectors.joining(","));
    List<String> cmd = new ArrayList<>(List.of(BINARY.toString(),
        "--name", m.name,
        "--data-dir", m.dataDir.toString(),
        "--listen-client-urls", m.clientUrl(),
        "--advertise-client-urls", m.clientUrl(),
        "--listen-peer-urls", m.peerUrl(),
        "--initial-advertise-peer-urls", m.peerUrl(),
        "--initial-cluster", initialCluster,
        "--initial-cluster-state", "new",
        "--initial-cluster-token", token,
        // /health on plain HTTP whatever the client port speaks
        "--listen-metrics-urls", "http://127.0.0.1:" + m.metricsPort,
        "--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn"));
    if (tls != null) {
      cmd.addAll(List.of("--cert-file", tls.cert().toString(), "--key-file", tls.key().toString(),
          "--trusted-ca-file", tls.ca().toString(), "--client-cert-auth"));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(m.logFile.toFile()));
    try {
      m.process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + BINARY, e);
    }
    log.info("started etcd member {} (pid {}), log {}", m, m.process.pid(), m.logFile);
  }

  private void awaitHealthy(List<Member> which, Duration atMost) {
    long deadline = System.nanoTime() + atMost.toNanos();
    for (;;) {
      boolean healthy = true;
      for (Member m : which) {
        if (!m.running()) {
          throw new IllegalStateException("etcd member " + m + " exited with "
              + m.process.exitValue() + "; see " + m.logFile + ": " + tail(m.logFile));
        }
        if (!EtcdGateway.healthy(m.metricsPort)) {
          healthy = false;
          break;
        }
      }
      if (healthy) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("etcd members " + which + " not healthy within "
            + atMost + "; logs in " + which.get(0).logFile.getParent());
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // the next look at /health
    }
  }

  private static void terminate(Member m) {
    Process p = m.process;
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy(); // SIGTERM: etcd shuts down cleanly and keeps its data
    try {
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
    log.info("stopped etcd member {}", m);
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops every member and deletes the data directories. */
  @Override
  public void close() {
    stopAll();
    deleteTree(baseDir);
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException e) {
      log.warn("cannot delete {}: {}", dir, e.toString());
    }
  }

  @Override
  public String toString() {
    return "EtcdCluster" + members;
  }
}
