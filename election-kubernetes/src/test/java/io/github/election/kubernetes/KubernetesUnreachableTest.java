package io.github.election.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.github.election.LeaderElection;
import io.github.election.LeadershipState;
import io.github.election.kubernetes.testing.MockApiServer;
import io.github.election.testing.TcpProxy;
import io.github.election.testing.Timings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Rule C4 ("an unreachable store gives {@code UNKNOWN} and a logged reason, never a hang of the
 * caller") and F4 (recovery) for the ways an API server address can fail: it accepts TCP and
 * never answers (a {@link TcpProxy} that is cut before the backend is built; and a {@link
 * TcpProxy#healSilently}, whose swallowed connections stay silent after the store is back), nothing
 * listens on its port, and its host name does not resolve.
 *
 * <p>Each case builds its backends from a configuration that keeps fabric8's default timeouts
 * (10 s to connect, 10 s per request, retries with backoff, watch reconnects from 1 s growing
 * to 32 s), as a deployment's kubeconfig would: every bound checked here must come from the
 * election's own timings (the fixture's: D 3 s, R 2 s, P 250 ms), not from the client's
 * configuration. Each backend has a single request thread.
 *
 * <p>Per case: {@code start()} returns at once; the candidate is {@code UNKNOWN} at every look
 * until the store appears, and its getters answer without waiting for the store; a line naming
 * the address (host:port) and the cause is logged within R; {@code close()} of a candidate
 * whose store cannot be reached returns within 2 R + the drain timeout, and its backend's within
 * 3 s; once everything is closed no thread made during the test is left (as in the kit's C3).
 * Where the store can appear (the proxy heals, the forwarder forwards, the port starts
 * listening) a second candidate waits meanwhile and must lead within P + 2 s of it, with
 * nothing done to its backend. An unresolvable name cannot start resolving here, so that case
 * stops at the first part. The measured times are printed ({@code [unreachable] ...} in the
 * test's output).
 */
class KubernetesUnreachableTest {

  private static final Timings TIMINGS = KubernetesFixture.MOCK_TIMINGS;
  private static final Duration R = TIMINGS.renewDeadline();
  private static final Duration P = TIMINGS.retryPeriod();
  private static final Duration DRAIN = Duration.ofSeconds(1);

  /** {@code start()} does no I/O. */
  private static final Duration START_BOUND = Duration.ofSeconds(1);
  /** A getter that waited for the store would wait at least one request timeout (R/4). */
  private static final Duration GETTER_BOUND = Duration.ofMillis(150);
  /** The engine waits up to R for the round under way and up to R for the release. */
  private static final Duration CLOSE_BOUND = R.multipliedBy(2).plus(DRAIN);
  /** The backend waits up to 2 s for its request threads, then closes its client. */
  private static final Duration BACKEND_CLOSE_BOUND = Duration.ofSeconds(3);
  /** Once the store is there: P, then reconnecting and one round. */
  private static final Duration RECOVERY_BOUND = P.plus(Duration.ofSeconds(2));
  /** The kit's C3 allows as much for threads to end after everything closed. */
  private static final Duration THREADS_BOUND = Duration.ofSeconds(10);

  private final List<LeaderElection> elections = new ArrayList<>();
  private final List<KubernetesElectionBackend> backends = new ArrayList<>();
  private final List<TcpProxy> proxies = new ArrayList<>();
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private Logger root;
  private Set<Thread> threadsBefore;
  private MockApiServer server;

  /**
   * One election on the mock server, from start to close, before the measurements: the first
   * one in a JVM loads the engine's, fabric8's and Vert.x's classes, which takes up to a second
   * on a busy machine, and would be counted against the first case's bounds.
   */
  @BeforeAll
  static void warmUp() {
    try (MockApiServer warm = new MockApiServer().start();
        KubernetesElectionBackend backend = KubernetesElectionBackend.builder()
            .config(MockApiServer.config(warm.port(), 5_000)).build();
        LeaderElection e = TIMINGS.applyTo(LeaderElection.builder(backend)).name("warm-up")
            .identity("warm-up").build()) {
      e.start();
      await("warm-up election leads").atMost(TIMINGS.electionBound().plusSeconds(5))
          .until(e::isLeader);
    }
  }

  @BeforeEach
  void setUp() {
    threadsBefore = Thread.getAllStackTraces().keySet();
    root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    logged.setContext(root.getLoggerContext());
    logged.start();
    root.addAppender(logged);
    server = new MockApiServer().start();
  }

  @AfterEach
  void tearDown() {
    try {
      elections.forEach(LeaderElection::close);
      backends.forEach(KubernetesElectionBackend::close);
      proxies.forEach(TcpProxy::close);
      server.close();
    } finally {
      root.detachAppender(logged);
      logged.stop();
    }
  }

  @Test
  void addressThatAcceptsButNeverAnswersIsUnknownThenLeadsOnceHealed() {
    TcpProxy proxy = new TcpProxy("127.0.0.1", server.newFrontend().port());
    proxies.add(proxy);
    proxy.cut();
    String address = "127.0.0.1:" + proxy.port();
    unreachableThenBack("black hole", address, List.of("did not answer", "within"),
        proxy::heal);
  }

  /**
   * The same, but the connections made while the address was silent stay silent once the store
   * is back (nothing resets them): only new connections reach it. fabric8's {@code watch()}
   * waits for the answer to its WebSocket handshake without a timeout; had the backend started
   * its watch on its request thread, that thread would wait there for good, and no poll would
   * run again.
   */
  @Test
  void addressWhoseSilentConnectionsStaySilentIsUnknownThenLeadsOnNewConnections() {
    TcpProxy hole = new TcpProxy("127.0.0.1", server.newFrontend().port());
    proxies.add(hole);
    hole.cut();
    String address = "127.0.0.1:" + hole.port();
    unreachableThenBack("black hole, swallowed connections kept silent", address,
        List.of("did not answer", "within"), hole::healSilently);
  }

  @Test
  void portWithNothingListeningIsUnknownThenLeadsOnceItListens() {
    int port = closedPort();
    String address = "127.0.0.1:" + port;
    unreachableThenBack("closed port", address, List.of("refused"),
        () -> server.newFrontendOn(port));
  }

  @Test
  void hostNameThatDoesNotResolveIsUnknown() {
    String address = "no-such-host.invalid:6443";
    LeaderElection closing = candidate("closing", address);
    Measured m = new Measured("unresolvable host");
    long t0 = System.nanoTime();
    m.start = startAtOnce(closing);
    m.logged = unknownAndLogged(t0, address, List.of("no-such-host.invalid", "resolve"),
        List.of(closing));
    closeWhileUnreachable(closing, m);
    m.threads = noThreadLeft();
    m.print();
  }

  // ------------------------------------------------------------------ the steps

  /**
   * Two candidates on the unreachable address: one is closed while it cannot reach the store,
   * the other waits until {@code appear} makes the store reachable and must then lead.
   */
  private void unreachableThenBack(String what, String address, List<String> cause,
      Runnable appear) {
    Measured m = new Measured(what);
    LeaderElection closing = candidate("closing", address);
    LeaderElection waiting = candidate("waiting", address);
    long t0 = System.nanoTime();
    m.start = Math.max(startAtOnce(closing), startAtOnce(waiting));
    m.logged = unknownAndLogged(t0, address, cause, List.of(closing, waiting));
    closeWhileUnreachable(closing, m);

    appear.run(); // returns once the address answers
    long appeared = System.nanoTime();
    await("LEADER within P + 2 s once the store at " + address + " is there")
        .atMost(RECOVERY_BOUND).pollInterval(Duration.ofMillis(10))
        .until(waiting::isLeader);
    m.recovered = since(appeared);
    assertThat(waiting.leader()).contains("waiting");

    long c = System.nanoTime();
    waiting.close();
    m.closeAfterRecovery = since(c);
    backendOf(waiting).close();
    m.threads = noThreadLeft();
    m.print();
  }

  /** Starts the election; it must return at once and leave the candidate UNKNOWN. */
  private static long startAtOnce(LeaderElection e) {
    long t = System.nanoTime();
    e.start();
    long took = since(t);
    assertThat(Duration.ofNanos(took)).as("start() of %s", e.identity())
        .isLessThan(START_BOUND);
    assertThat(e.state()).as("state of %s right after start()", e.identity())
        .isEqualTo(LeadershipState.UNKNOWN);
    return took;
  }

  /**
   * Until R has passed since {@code t0}, every look at the candidates finds them UNKNOWN through
   * getters that do not block; within that time each has logged a line naming the address and
   * the cause. Returns when the last of those lines came, in nanoseconds after {@code t0}.
   */
  private long unknownAndLogged(long t0, String address, List<String> cause,
      List<LeaderElection> candidates) {
    long[] loggedAt = new long[candidates.size()];
    await("UNKNOWN, quick getters, a line naming " + address + " and " + cause + " within R")
        .atMost(Duration.ofNanos(R.toNanos() - since(t0)).plusMillis(1))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> {
          boolean all = true;
          for (int i = 0; i < candidates.size(); i++) {
            LeaderElection e = candidates.get(i);
            assertUnknownQuickly(e);
            if (loggedAt[i] == 0) {
              if (lineAbout(e.identity(), address, cause) != null) {
                loggedAt[i] = since(t0);
              } else {
                all = false;
              }
            }
          }
          return all;
        });
    // and UNKNOWN for the rest of R, as long as the store cannot be reached
    long rest = R.toNanos() - since(t0);
    if (rest > 0) {
      await("UNKNOWN until R").during(Duration.ofNanos(rest))
          .atMost(Duration.ofNanos(rest).plusSeconds(1)).pollInterval(Duration.ofMillis(10))
          .until(() -> {
            candidates.forEach(KubernetesUnreachableTest::assertUnknownQuickly);
            return true;
          });
    }
    long last = 0;
    for (long t : loggedAt) {
      last = Math.max(last, t);
    }
    return last;
  }

  /** Closes the election, then its backend, each within its bound. */
  private void closeWhileUnreachable(LeaderElection e, Measured m) {
    long c = System.nanoTime();
    e.close();
    m.close = since(c);
    assertThat(Duration.ofNanos(m.close)).as("close() of %s while the store is unreachable",
        e.identity()).isLessThan(CLOSE_BOUND);
    assertThat(e.state()).isEqualTo(LeadershipState.UNKNOWN);
    long b = System.nanoTime();
    backendOf(e).close();
    m.backendClose = since(b);
    assertThat(Duration.ofNanos(m.backendClose)).as("close() of the backend of %s",
        e.identity()).isLessThan(BACKEND_CLOSE_BOUND);
  }

  private static void assertUnknownQuickly(LeaderElection e) {
    assertThat(e.state()).as("state of %s", e.identity()).isEqualTo(LeadershipState.UNKNOWN);
    quick(e, "state()", e::state);
    quick(e, "isLeader()", e::isLeader);
    quick(e, "leader()", e::leader);
    quick(e, "term()", e::term);
    quick(e, "current()", e::current);
    assertThat(e.isLeader()).isFalse();
    assertThat(e.leader()).isEmpty();
  }

  private static void quick(LeaderElection e, String getter, Supplier<?> call) {
    long t = System.nanoTime();
    call.get();
    assertThat(Duration.ofNanos(since(t))).as("%s of %s", getter, e.identity())
        .isLessThan(GETTER_BOUND);
  }

  /** The first line logged for this identity that names the address and every cause word. */
  private String lineAbout(String identity, String address, List<String> cause) {
    List<ILoggingEvent> events;
    synchronized (logged) {
      events = new ArrayList<>(logged.list);
    }
    for (ILoggingEvent ev : events) {
      String line = ev.getFormattedMessage();
      String lower = line.toLowerCase(Locale.ROOT);
      if (line.contains(identity) && line.contains(address)
          && cause.stream().allMatch(w -> lower.contains(w.toLowerCase(Locale.ROOT)))) {
        return line;
      }
    }
    return null;
  }

  /**
   * Waits until no thread made during the test is alive, except the mock server's, the TCP
   * proxies' and the JVM's or test framework's own; returns how long that took.
   */
  private long noThreadLeft() {
    long t = System.nanoTime();
    List<Thread> left = new ArrayList<>();
    try {
      await("threads made during the test end").atMost(THREADS_BOUND)
          .pollInterval(Duration.ofMillis(20)).until(() -> {
            left.clear();
            for (Thread th : Thread.getAllStackTraces().keySet()) {
              if (!threadsBefore.contains(th) && th.isAlive() && !isHarmless(th)) {
                left.add(th);
              }
            }
            return left.isEmpty();
          });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("threads left " + THREADS_BOUND.toSeconds()
          + " s after every election and backend closed: " + left, e);
    }
    return since(t);
  }

  /**
   * Threads that are not the backend's: the mock server's, the proxies' and the forwarders',
   * the JVM's and the test framework's (as in the kit's C3), and three singletons of the
   * process that the first client or candidate starts and that no client owns: the JDK's timer
   * of {@code CompletableFuture.orTimeout}, the {@code Cleaner} that Vert.x shares among all its
   * instances ({@code CleanerProvider}), and fabric8's shared scheduler, which ends 10 s after
   * its queue is empty, but fabric8 queues a 120 s fail-safe timer whenever a watch is closed
   * (cancelled, it stays in the queue until it is due).
   */
  private static boolean isHarmless(Thread t) {
    String n = t.getName();
    return MockApiServer.isServerThread(t) || n.startsWith("tcp-proxy-")
        || n.startsWith("silent-forwarder-")
        || n.equals("CompletableFutureDelayScheduler")
        || n.startsWith("CachedSingleThreadScheduler-")
        || (n.startsWith("Cleaner-") && t.getThreadGroup() != null
            && "InnocuousThreadGroup".equals(t.getThreadGroup().getName()))
        || n.startsWith("awaitility") || n.startsWith("surefire") || n.startsWith("junit")
        || n.startsWith("Attach Listener") || n.startsWith("Common-Cleaner")
        || n.startsWith("process reaper") || n.startsWith("ForkJoinPool.commonPool")
        || n.startsWith("Notification Thread") || n.startsWith("Signal Dispatcher")
        || n.startsWith("Finalizer") || n.startsWith("Reference Handler");
  }

  // ------------------------------------------------------------------ plumbing

  /**
   * A candidate on a backend of its own whose client has fabric8's default timeouts and talks
   * plain HTTP to {@code address}. The backend has one request thread, so that anything that
   * held it (a watch start waiting for a WebSocket handshake that is never answered, say)
   * would starve the polls, and their own reason would never be logged.
   */
  private LeaderElection candidate(String identity, String address) {
    Config config = new ConfigBuilder(Config.empty()).withMasterUrl("http://" + address)
        .withNamespace(MockApiServer.NAMESPACE).build();
    KubernetesElectionBackend backend = KubernetesElectionBackend.builder().config(config)
        .ioThreads(1).build();
    backends.add(backend);
    LeaderElection e = TIMINGS.applyTo(LeaderElection.builder(backend)).name("unreachable")
        .identity(identity).drainTimeout(DRAIN).build();
    elections.add(e);
    return e;
  }

  private KubernetesElectionBackend backendOf(LeaderElection e) {
    return backends.get(elections.indexOf(e));
  }

  /**
   * A port of 127.0.0.1 that nothing listens on, below the kernel's range of ephemeral ports
   * (so that no outgoing connection takes it, and a connection to it cannot connect to itself).
   */
  private static int closedPort() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException e) {
        // taken: try another
      }
    }
    throw new UncheckedIOException(new IOException("no free port between 20000 and 32000"));
  }

  private static long since(long t) {
    return System.nanoTime() - t;
  }

  /** What one case measured, in nanoseconds; printed for the record. */
  private static final class Measured {
    final String what;
    long start;
    long logged;
    long close;
    long backendClose;
    long recovered = -1;
    long closeAfterRecovery = -1;
    long threads;

    Measured(String what) {
      this.what = what;
    }

    void print() {
      System.out.printf(Locale.ROOT, "[unreachable] %s: start() %d ms, reason logged %d ms after"
              + " start(), close() while unreachable %d ms, its backend %d ms%s, threads gone"
              + " %d ms after the last close%n", what, ms(start), ms(logged), ms(close),
          ms(backendClose), recovered < 0 ? ""
              : ", LEADER " + ms(recovered) + " ms after the store appeared, close() then "
                  + ms(closeAfterRecovery) + " ms", ms(threads));
    }

    private static long ms(long nanos) {
      return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
  }
}
