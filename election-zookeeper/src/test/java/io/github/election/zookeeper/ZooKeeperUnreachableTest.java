package io.github.election.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.election.LeaderElection;
import io.github.election.LeadershipState;
import io.github.election.testing.TcpProxy;
import io.github.election.testing.Timings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.curator.test.TestingServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * A store address that cannot be reached (rules C4 and F4): one that accepts TCP but never
 * answers (a cut {@link TcpProxy} in front of the server), a closed port, a host name that does
 * not resolve. Each gives UNKNOWN and a log line of the election naming the address and the
 * cause within R, never hangs build(), start(), close() or a getter, leaves no thread behind,
 * and recovers by itself once the store is there, within P + the fixture's recovery bound (the
 * name that does not resolve cannot be made to: the test JVM resolves names from a hosts file of
 * its own, see the pom). A candidate is also closed while its address is still silent, and the
 * client's failed attempts are counted to see that it does not retry in a busy loop. The backend
 * is built as the kit's fixture builds it: session timeout D, connection timeout 1 s.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ZooKeeperUnreachableTest {

  private static final Timings TIMINGS = ZooKeeperFixture.TIMINGS;
  /** start() and the getters do no I/O: anything near this is a hang. */
  private static final Duration PROMPT = Duration.ofMillis(500);
  /**
   * close() waits for the round under way and the leave (each bounded by R / 2) and, if its
   * client is connected, for the session to end (bounded by R / 2 too); in these cases no two of
   * them take long. Well below the session timeout D that a connection attempt to a black hole
   * lasts, which a close waiting for it would take.
   */
  private static final Duration CLOSE_BOUND = TIMINGS.renewDeadline().plus(TIMINGS.handover());
  private static final org.slf4j.Logger log =
      LoggerFactory.getLogger(ZooKeeperUnreachableTest.class);

  private static TestingServer server;

  private final String electionName =
      "unreachable-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 8);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final List<Candidate> candidates = new ArrayList<>();
  private Logger root;
  private Logger zooKeeperClient;
  private TestingServer lateServer;

  @BeforeAll
  static void startServer() {
    server = ZooKeeperFixture.startServer();
    // loads the classes of the backend, Curator and ZooKeeper's client, so that the first
    // build() timed below does not count loading them
    ZooKeeperElectionBackend.builder().connectString(server.getConnectString())
        .basePath(ZooKeeperFixture.BASE_PATH).build().close();
  }

  @AfterAll
  static void stopServer() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void captureLogs() {
    root = (Logger) LoggerFactory.getLogger("io.github.election");
    logs.start();
    root.addAppender(logs);
    // ZooKeeper's client logs each failed connection attempt (at WARN, kept by logback-test.xml)
    zooKeeperClient = (Logger) LoggerFactory.getLogger("org.apache.zookeeper.ClientCnxn");
    zooKeeperClient.addAppender(logs);
  }

  @AfterEach
  void tearDown() throws IOException {
    candidates.forEach(Candidate::close);
    if (lateServer != null) {
      lateServer.close();
    }
    root.detachAppender(logs);
    zooKeeperClient.detachAppender(logs);
  }

  @Test
  @DisplayName("an address that accepts TCP but never answers: UNKNOWN with the address logged, no hang, back once it answers")
  void blackHole() {
    try (TcpProxy proxy = new TcpProxy("127.0.0.1", server.getPort())) {
      proxy.cut();
      String address = proxy.address();
      Candidate stays = startOn(address, "c1");
      Candidate leaves = startOn(address, "c2");
      assertUnknownAndLogged(stays, address, "no answer");
      assertUnknownAndLogged(leaves, address, "no answer");
      assertClosesPromptly(leaves);
      proxy.heal();
      assertLeadsWithin(stays, TIMINGS.recoveryBound());
      assertClosesPromptly(stays);
    }
  }

  @Test
  @DisplayName("a closed port: UNKNOWN with the address logged, no hang, back once the store listens there")
  void closedPort() {
    int port = freePort();
    String address = "127.0.0.1:" + port;
    Candidate c = startOn(address, "c1");
    assertUnknownAndLogged(c, address, "Connection refused");
    assertPaced(c);
    lateServer = ZooKeeperFixture.startServer(port);
    assertLeadsWithin(c, TIMINGS.recoveryBound());
    assertClosesPromptly(c);
  }

  @Test
  @DisplayName("a host name that does not resolve: UNKNOWN with the name logged, no hang")
  void unresolvableHost() {
    String address = "no-such-host.invalid:2181";
    Candidate c = startOn(address, "c1");
    assertUnknownAndLogged(c, address, "does not resolve");
    assertPaced(c);
    assertClosesPromptly(c);
  }

  /** A backend on {@code address}, built as the kit's fixture builds one, and its election. */
  private Candidate startOn(String address, String identity) {
    ZooKeeperElectionBackend backend = assertPrompt("build()", () -> ZooKeeperElectionBackend
        .builder().connectString(address).basePath(ZooKeeperFixture.BASE_PATH)
        .sessionTimeout(TIMINGS.leaseDuration()).connectionTimeout(Duration.ofSeconds(1))
        .build());
    LeaderElection election = TIMINGS.applyTo(LeaderElection.builder(backend))
        .name(electionName).identity(identity).drainTimeout(TIMINGS.renewDeadline()).build();
    Candidate c = new Candidate(backend, election, System.nanoTime());
    candidates.add(c);
    assertPrompt("start()", () -> {
      election.start();
      return null;
    });
    return c;
  }

  private void assertUnknownAndLogged(Candidate c, String address, String cause) {
    String name = electionName + "/" + c.election.identity();
    Awaitility.await(name + ": a log line naming " + address + " and the cause '" + cause + "'")
        .atMost(TIMINGS.renewDeadline()).pollInterval(Duration.ofMillis(10))
        .until(() -> List.copyOf(logs.list).stream().map(ILoggingEvent::getFormattedMessage)
            .anyMatch(m -> m.startsWith(name) && m.contains(address) && m.contains(cause)));
    assertThat(assertPrompt("state()", c.election::state)).isEqualTo(LeadershipState.UNKNOWN);
    assertThat(assertPrompt("isLeader()", c.election::isLeader)).isFalse();
    assertPrompt("current()", c.election::current);
    assertPrompt("leader()", c.election::leader);
  }

  /**
   * The client tries again at most once a second (ZooKeeper's spin delay), also where it never
   * made a TCP connection and ZooKeeper's own random wait does not apply: no busy loop.
   */
  private void assertPaced(Candidate c) {
    String sendThread = c.backend.label() + "-io-SendThread(";
    long failed = List.copyOf(logs.list).stream()
        .filter(e -> e.getThreadName().startsWith(sendThread)
            && e.getFormattedMessage().contains("Closing socket connection"))
        .count();
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - c.builtAt);
    assertThat(failed).as("failed connection attempts in %d s and a bit", seconds)
        .isBetween(1L, seconds + 2);
  }

  private static void assertLeadsWithin(Candidate c, Duration bound) {
    long start = System.nanoTime();
    Awaitility.await("the candidate leads once the store is there").atMost(bound)
        .pollInterval(Duration.ofMillis(5)).until(c.election::isLeader);
    log.info("{} leads {} ms after the store is there (bound {})", c.election.identity(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), bound);
  }

  /**
   * close() of the election and the backend returns within CLOSE_BOUND, and no thread of the
   * backend is left: its own and its ZooKeeper client's all carry its label
   * ({@code zookeeper-7-io}, {@code zookeeper-7-io-SendThread(...)}, ...).
   */
  private static void assertClosesPromptly(Candidate c) {
    long start = System.nanoTime();
    c.close();
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    log.info("{}: close() of election and backend took {} ms", c.election.identity(),
        took.toMillis());
    assertThat(took).as("close() of election and backend").isLessThanOrEqualTo(CLOSE_BOUND);
    String prefix = c.backend.label() + "-";
    Awaitility.await("no thread of " + c.backend.label() + " is left")
        .atMost(TIMINGS.handover()).pollInterval(Duration.ofMillis(10))
        .until(() -> Thread.getAllStackTraces().keySet().stream()
            .noneMatch(t -> t.isAlive() && t.getName().startsWith(prefix)));
  }

  /** One candidate: an election on a backend of its own. */
  private static final class Candidate {
    final ZooKeeperElectionBackend backend;
    final LeaderElection election;
    final long builtAt;

    Candidate(ZooKeeperElectionBackend backend, LeaderElection election, long builtAt) {
      this.backend = backend;
      this.election = election;
      this.builtAt = builtAt;
    }

    void close() {
      election.close();
      backend.close();
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static <T> T assertPrompt(String what, Supplier<T> call) {
    long start = System.nanoTime();
    T value = call.get();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as(what).isLessThan(PROMPT);
    return value;
  }
}
