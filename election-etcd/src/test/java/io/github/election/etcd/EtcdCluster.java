package io.github.election.etcd;

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
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One etcd cluster of child processes on 127.0.0.1 for tests: {@code /usr/bin/etcd} (or the
 * binary named by the system property {@code etcd.binary}), random ports, a temporary data
 * directory per member that {@link #close()} deletes (the members' logs stay in
 * {@code target/etcd-logs}). One member is a single-node store.
 * Members are stopped with SIGTERM and waited for, and started again on the same ports and data.
 */
final class EtcdCluster implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EtcdCluster.class);
  static final Path BINARY = Path.of(System.getProperty("etcd.binary", "/usr/bin/etcd"));

  /**
   * Server TLS for the client port: etcd's certificate and key, and the CA that signs client
   * certificates, which clients must then present.
   */
  record Tls(Path ca, Path cert, Path key) {
  }

  /** One member. */
  final class Member {
    final String name;
    final Path dataDir;
    final Path logFile;
    int clientPort;
    int peerPort;
    int metricsPort;
    Process process;

    Member(String name, Path dataDir, Path logFile) {
      this.name = name;
      this.dataDir = dataDir;
      this.logFile = logFile;
    }

    boolean running() {
      return process != null && process.isAlive();
    }

    String peerUrl() {
      return "http://127.0.0.1:" + peerPort;
    }

    String clientUrl() {
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

  /** Starts a new cluster of {@code size} members and waits until every member is healthy. */
  static EtcdCluster start(int size) {
    return start(size, null);
  }

  /** As {@link #start(int)}, serving clients over TLS with client certificates when tls is given. */
  static EtcdCluster start(int size, Tls tls) {
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
        } catch (AssertionError e) {
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
    } catch (RuntimeException | AssertionError e) {
      cluster.close();
      throw e;
    }
  }

  /**
   * Fails with what to install when there is no etcd binary (and no Docker engine for
   * Testcontainers, which this machine does not have).
   */
  static void requireBinary() {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException("no etcd server binary at " + BINARY + ": install it with "
          + "`apt-get install etcd-server` (Debian/Ubuntu), or point -Detcd.binary=PATH at an "
          + "etcd 3.4+ binary; the tests start etcd as a child process on 127.0.0.1");
    }
  }

  List<Member> members() {
    return members;
  }

  Member member(int i) {
    return members.get(i);
  }

  /** A running member's client port, for the gateway calls of the fixture. */
  int anyClientPort() {
    return members.stream().filter(Member::running).findFirst()
        .orElseThrow(() -> new IllegalStateException("no etcd member is running")).clientPort;
  }

  /** Stops every member (SIGTERM, waiting for each to exit). */
  void stopAll() {
    members.forEach(EtcdCluster::terminate);
  }

  /** Starts every stopped member and waits until all are healthy. */
  void startAll() {
    List<Member> stopped = members.stream().filter(m -> !m.running()).collect(Collectors.toList());
    stopped.forEach(this::launch);
    awaitHealthy(members, Duration.ofSeconds(20));
  }

  /** Stops one member, waiting for it to exit. */
  void stop(Member m) {
    terminate(m);
  }

  /** Starts one stopped member again and waits until it is healthy. */
  void start(Member m) {
    if (!m.running()) {
      launch(m);
    }
    awaitHealthy(List.of(m), Duration.ofSeconds(20));
  }

  /** Makes sure every member runs (after a test that stopped some). */
  void ensureRunning() {
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
    try {
      Awaitility.await("etcd members " + which + " healthy").atMost(atMost)
          .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50))
          .until(() -> {
            for (Member m : which) {
              if (!m.running()) {
                throw new AssertionError("etcd member " + m + " exited with "
                    + m.process.exitValue() + "; see " + m.logFile + ": " + tail(m.logFile));
              }
              if (!EtcdGateway.healthy(m.metricsPort)) {
                return false;
              }
            }
            return true;
          });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("etcd members " + which + " not healthy within " + atMost
          + "; logs in " + baseDir, e);
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
