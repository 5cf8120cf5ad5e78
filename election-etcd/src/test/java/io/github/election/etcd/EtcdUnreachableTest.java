package io.github.election.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.election.LeaderElection;
import io.github.election.LeadershipState;
import io.github.election.etcd.testing.EtcdCluster;
import io.github.election.testing.TcpProxy;
import io.github.election.testing.Timings;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A store address that cannot be reached (rules C4 and F4): one that accepts TCP but never
 * answers, a closed port, a host name that does not resolve. Each gives UNKNOWN and a log line
 * naming the address and the cause within R, never hangs start(), close() or a getter, and
 * recovers by itself once the store is there (the name that does not resolve cannot be made to:
 * the test JVMs resolve names from scripts/test-hosts only, see the root pom).
 */
class EtcdUnreachableTest {

  private static final Timings TIMINGS = EtcdFixture.TIMINGS;
  /** start() and the getters do no I/O: anything near this is a hang. */
  private static final Duration PROMPT = Duration.ofMillis(500);
  /** close() waits at most for the round under way and the release, each bounded by R. */
  private static final Duration CLOSE_BOUND = TIMINGS.renewDeadline().multipliedBy(2)
      .plus(TIMINGS.handover());

  private static EtcdCluster etcd;

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private Logger root;
  private EtcdElectionBackend backend;
  private LeaderElection election;

  @BeforeAll
  static void startEtcd() {
    etcd = EtcdCluster.start(1);
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @BeforeEach
  void captureLogs() {
    root = (Logger) LoggerFactory.getLogger("io.github.election");
    logs.start();
    root.addAppender(logs);
  }

  @AfterEach
  void tearDown() {
    if (election != null) {
      election.close();
    }
    if (backend != null) {
      backend.close();
    }
    root.detachAppender(logs);
    etcd.ensureRunning();
  }

  @Test
  @DisplayName("an address that accepts TCP but never answers: UNKNOWN with the address logged, no hang, back once it answers")
  void blackHole() {
    try (TcpProxy proxy = new TcpProxy("127.0.0.1", etcd.member(0).clientPort())) {
      proxy.cut();
      String address = proxy.address();
      startOn(address);
      assertUnknownAndLogged(address, "no answer");
      proxy.heal();
      assertLeadsWithin(TIMINGS.recoveryBound());
      assertClosesPromptly();
    }
  }

  @Test
  @DisplayName("a leader whose connection goes silent for good (no reset when the network is back) is back within P + recovery on a new connection")
  void connectionThatStaysSilent() {
    try (TcpProxy proxy = new TcpProxy("127.0.0.1", etcd.member(0).clientPort())) {
      startOn(proxy.address());
      assertLeadsWithin(TIMINGS.electionBound());
      proxy.cut();
      Awaitility.await("the leader notices the silence").atMost(TIMINGS.renewDeadline()
          .plus(TIMINGS.handover())).pollInterval(Duration.ofMillis(5))
          .until(() -> election.state() == LeadershipState.UNKNOWN);
      proxy.healSilently(); // new connections pass; the old one stays a black hole
      assertLeadsWithin(TIMINGS.recoveryBound());
      assertClosesPromptly();
    }
  }

  @Test
  @DisplayName("a closed port: UNKNOWN with the address logged, no hang, back once the store listens there")
  void closedPort() {
    EtcdCluster.Member member = etcd.member(0);
    etcd.stop(member);
    String address = "127.0.0.1:" + member.clientPort();
    startOn(address);
    assertUnknownAndLogged(address, "unreachable");
    etcd.start(member);
    assertLeadsWithin(TIMINGS.recoveryBound());
    assertClosesPromptly();
  }

  @Test
  @DisplayName("a host name that does not resolve: UNKNOWN with the name logged, no hang")
  void unresolvableHost() {
    String address = "no-such-host.invalid:2379";
    startOn(address);
    assertUnknownAndLogged("no-such-host.invalid", "unreachable");
    assertClosesPromptly();
  }

  private void startOn(String address) {
    backend = EtcdElectionBackend.builder().endpoints("http://" + address).build();
    election = TIMINGS.applyTo(LeaderElection.builder(backend))
        .name("unreachable-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 8))
        .identity("c1").drainTimeout(TIMINGS.renewDeadline()).build();
    assertPrompt("start()", () -> {
      election.start();
      return null;
    });
  }

  private void assertUnknownAndLogged(String address, String cause) {
    Awaitility.await("a log line naming " + address + " and the cause '" + cause + "'")
        .atMost(TIMINGS.renewDeadline()).pollInterval(Duration.ofMillis(10))
        .until(() -> List.copyOf(logs.list).stream().map(ILoggingEvent::getFormattedMessage)
            .anyMatch(m -> m.contains(address) && m.contains(cause)));
    assertThat(assertPrompt("state()", election::state)).isEqualTo(LeadershipState.UNKNOWN);
    assertThat(assertPrompt("isLeader()", election::isLeader)).isFalse();
    assertPrompt("current()", election::current);
  }

  private void assertLeadsWithin(Duration bound) {
    Awaitility.await("the candidate leads once the store is there").atMost(bound)
        .pollInterval(Duration.ofMillis(5)).until(election::isLeader);
  }

  private void assertClosesPromptly() {
    long start = System.nanoTime();
    election.close();
    backend.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("close() of election and backend")
        .isLessThanOrEqualTo(CLOSE_BOUND);
    String label = backend.toString();
    Awaitility.await("no thread of " + label + " is left").atMost(TIMINGS.handover())
        .pollInterval(Duration.ofMillis(10))
        .until(() -> Thread.getAllStackTraces().keySet().stream()
            .noneMatch(t -> t.isAlive() && t.getName().equals("election-" + label)));
  }

  private static <T> T assertPrompt(String what, Supplier<T> call) {
    long start = System.nanoTime();
    T value = call.get();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as(what).isLessThan(PROMPT);
    return value;
  }
}
