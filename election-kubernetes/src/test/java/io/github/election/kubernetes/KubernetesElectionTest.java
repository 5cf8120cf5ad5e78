package io.github.election.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.github.election.LeaderElection;
import io.github.election.LeadershipState;
import io.github.election.kubernetes.testing.MockApiServer;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.LeaderInfo;
import io.github.election.testing.Timings;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The backend's own integration tests on the mock API server, one candidate per client and
 * proxy, as the kit's tests will run them.
 */
class KubernetesElectionTest {

  private static final AtomicInteger NAMES = new AtomicInteger();

  private KubernetesFixture fixture;
  private KubernetesClient direct;
  private final LeadershipLog log = new LeadershipLog();
  private final List<LeaderElection> elections = new ArrayList<>();
  private final List<ElectionBackend> clients = new ArrayList<>();
  private String name;

  @BeforeEach
  void setUp() {
    fixture = new KubernetesFixture(false);
    direct = fixture.server().newDirectClient();
    name = "election-" + NAMES.incrementAndGet();
  }

  @AfterEach
  void tearDown() {
    try {
      elections.forEach(LeaderElection::close);
      log.assertSafe();
    } finally {
      direct.close();
      fixture.close();
    }
  }

  private Timings timings() {
    return fixture.timings();
  }

  private LeaderElection candidate(String identity) {
    return candidate(identity, timings());
  }

  private LeaderElection candidate(String identity, Timings t) {
    ElectionBackend b = fixture.newBackend();
    clients.add(b);
    LeaderElection e = t.applyTo(LeaderElection.builder(b)).name(name).identity(identity)
        .drainTimeout(Duration.ofSeconds(1)).transitionRecorder(log.recorder(identity)).build();
    elections.add(e);
    return e;
  }

  private ElectionBackend clientOf(LeaderElection e) {
    return clients.get(elections.indexOf(e));
  }

  private LeaderElection awaitOneLeader(Duration within) {
    await().atMost(within).until(() -> leaders().size() == 1
        && elections.stream().filter(e -> !isGone(e)).allMatch(e -> e.state() != LeadershipState.UNKNOWN));
    return leaders().get(0);
  }

  private final List<LeaderElection> gone = new ArrayList<>();

  private boolean isGone(LeaderElection e) {
    return gone.contains(e);
  }

  private List<LeaderElection> leaders() {
    return elections.stream().filter(LeaderElection::isLeader).toList();
  }

  /** Writes {@code holder} into the Lease at the version just read; false on a 409. */
  private boolean takeOver(String holder) {
    Lease l = lease();
    l.getSpec().setHolderIdentity(holder);
    l.getSpec().setLeaseTransitions(l.getSpec().getLeaseTransitions() + 1);
    try {
      direct.leases().inNamespace(MockApiServer.NAMESPACE).resource(l).update();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return false;
      }
      throw e;
    }
  }

  private Lease lease() {
    return direct.leases().inNamespace(MockApiServer.NAMESPACE).withName(name).get();
  }

  @Test
  void electsOneLeaderThatTheOthersFollow() {
    LeaderElection a = candidate("a");
    LeaderElection b = candidate("b");
    LeaderElection c = candidate("c");
    List.of(a, b, c).forEach(LeaderElection::start);
    LeaderElection leader = awaitOneLeader(timings().electionBound().plusSeconds(2));
    long term = leader.term();
    assertThat(term).isPositive();
    await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
      for (LeaderElection e : List.of(a, b, c)) {
        assertThat(e.leader()).contains(leader.identity());
        assertThat(e.term()).isEqualTo(term);
      }
    });
    LeaseSpec spec = lease().getSpec();
    assertThat(spec.getHolderIdentity()).isEqualTo(leader.identity());
    assertThat(spec.getLeaseDurationSeconds()).isEqualTo(3);
    assertThat(spec.getLeaseTransitions()).isEqualTo(term - 1);
    assertThat(spec.getAcquireTime()).isNotNull();
    assertThat(spec.getRenewTime()).isNotNull();
  }

  @Test
  void inspectNamesTheHolderTermAndAcquireTimeWithoutTakingPart() throws Exception {
    ElectionBackend onlooker = fixture.newBackend(); // closed by the fixture
    assertThat(onlooker.inspect(name).toCompletableFuture().get(5, TimeUnit.SECONDS).leader())
        .as("no Lease yet").isEmpty();
    LeaderElection a = candidate("a");
    LeaderElection b = candidate("b");
    List.of(a, b).forEach(LeaderElection::start);
    LeaderElection leader = awaitOneLeader(timings().electionBound().plusSeconds(2));
    LeaderInfo info = onlooker.inspect(name).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(info.leader()).contains(leader.identity());
    assertThat(info.term()).isEqualTo(leader.term());
    assertThat(info.since()).contains(lease().getSpec().getAcquireTime().toInstant());
    assertThat(lease().getSpec().getHolderIdentity()).isEqualTo(leader.identity());
    assertThat(onlooker.inspect("Not_A_Lease").toCompletableFuture())
        .failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(IllegalArgumentException.class).withMessageContaining("Not_A_Lease");
  }

  @Test
  void resignHandsOverWithinTheHandoverBoundNotThePeriod() {
    Timings slowPolls = timings().withRetryPeriod(Duration.ofMillis(1500));
    LeaderElection a = candidate("a", slowPolls);
    LeaderElection b = candidate("b", slowPolls);
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(a::isLeader);
    b.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> b.leader().equals(Optional.of("a")));
    long before = a.term();
    long t0 = System.nanoTime();
    a.resign();
    await().atMost(timings().handover().plusMillis(200)).until(b::isLeader);
    long took = System.nanoTime() - t0;
    assertThat(Duration.ofNanos(took)).isLessThan(slowPolls.retryPeriod());
    assertThat(b.term()).isGreaterThan(before);
    assertThat(a.isLeader()).isFalse();
    await().atMost(Duration.ofSeconds(3)).until(() -> a.leader().equals(Optional.of("b")));
    LeaseSpec spec = lease().getSpec();
    assertThat(spec.getHolderIdentity()).isEqualTo("b");
  }

  @Test
  void closeReleasesTheLeaseTheWayClientGoDoes() {
    Timings slowPolls = timings().withRetryPeriod(Duration.ofMillis(1500));
    LeaderElection a = candidate("a", slowPolls);
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(a::isLeader);
    int transitions = lease().getSpec().getLeaseTransitions();
    a.close();
    LeaseSpec spec = lease().getSpec();
    assertThat(spec.getHolderIdentity()).isNullOrEmpty();
    assertThat(spec.getLeaseDurationSeconds()).isEqualTo(1);
    assertThat(spec.getLeaseTransitions()).isEqualTo(transitions);

    LeaderElection b = candidate("b", slowPolls);
    b.start();
    await().atMost(Duration.ofSeconds(5)).until(b::isLeader);
    assertThat(b.term()).isEqualTo(transitions + 2L);
  }

  @Test
  void closeHandsOverAtOnce() {
    Timings slowPolls = timings().withRetryPeriod(Duration.ofMillis(1500));
    LeaderElection a = candidate("a", slowPolls);
    LeaderElection b = candidate("b", slowPolls);
    LeaderElection c = candidate("c", slowPolls);
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(a::isLeader);
    b.start();
    c.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> b.leader().equals(Optional.of("a"))
        && c.leader().equals(Optional.of("a")));
    long before = a.term();
    gone.add(a);
    a.close();
    await().atMost(timings().handover().plusMillis(200))
        .until(() -> b.isLeader() || c.isLeader());
    LeaderElection next = b.isLeader() ? b : c;
    LeaderElection other = next == b ? c : b;
    assertThat(next.term()).isGreaterThan(before);
    await().atMost(Duration.ofSeconds(3))
        .until(() -> other.leader().equals(Optional.of(next.identity())));
  }

  @Test
  void resignedLoneCandidateLeadsAgainAfterOneRetryPeriodWithANewTerm() {
    LeaderElection a = candidate("a");
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(a::isLeader);
    long before = a.term();
    long t0 = System.nanoTime();
    a.resign();
    assertThat(a.isLeader()).isFalse();
    await().atMost(Duration.ofSeconds(3)).until(a::isLeader);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(
        timings().retryPeriod());
    assertThat(a.term()).isGreaterThan(before);
  }

  @Test
  void crashedLeaderIsReplacedAfterItsLeaseRanOut() {
    LeaderElection a = candidate("a");
    LeaderElection b = candidate("b");
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(a::isLeader);
    b.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> b.leader().equals(Optional.of("a")));
    long before = a.term();
    long t0 = System.nanoTime();
    fixture.crash(clientOf(a));
    await().atMost(timings().electionBound().plusSeconds(1)).until(b::isLeader);
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(took).isGreaterThan(timings().renewDeadline());
    assertThat(b.term()).isGreaterThan(before);
    assertThat(a.isLeader()).isFalse();
    assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("b");
  }

  @Test
  void cutLeaderStepsDownBeforeAnotherTakesOverAndFollowsAfterHeal() {
    LeaderElection a = candidate("a");
    LeaderElection b = candidate("b");
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(a::isLeader);
    b.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> b.leader().equals(Optional.of("a")));
    long before = a.term();
    fixture.cut(clientOf(a));
    await().atMost(timings().electionBound().plusSeconds(2)).until(b::isLeader);
    assertThat(a.isLeader()).isFalse();
    fixture.heal(clientOf(a));
    await().atMost(timings().electionBound().plusSeconds(2))
        .until(() -> a.state() == LeadershipState.FOLLOWER && a.leader().equals(Optional.of("b")));
    assertThat(b.isLeader()).isTrue();
    assertThat(b.term()).isGreaterThan(before);
  }

  @Test
  void leaderBackFromAnOutageLongerThanTheRenewDeadlineLeadsWithANewTerm() {
    LeaderElection a = candidate("a");
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(a::isLeader);
    long before = a.term();
    fixture.cut(clientOf(a));
    await().atMost(timings().renewDeadline().plusSeconds(1))
        .until(() -> a.state() == LeadershipState.UNKNOWN);
    fixture.heal(clientOf(a));
    await().atMost(timings().electionBound().plusSeconds(1)).until(a::isLeader);
    assertThat(a.term()).isGreaterThan(before);
  }

  @Test
  void apiServerRestartEndsWithOneLeaderAndAGreaterTerm() {
    LeaderElection a = candidate("a");
    LeaderElection b = candidate("b");
    LeaderElection c = candidate("c");
    List.of(a, b, c).forEach(LeaderElection::start);
    LeaderElection first = awaitOneLeader(Duration.ofSeconds(6));
    long before = first.term();
    fixture.stopStore();
    await().atMost(timings().renewDeadline().plusSeconds(1))
        .until(() -> elections.stream().allMatch(e -> e.state() == LeadershipState.UNKNOWN));
    fixture.startStore();
    LeaderElection next = awaitOneLeader(timings().electionBound().plusSeconds(2));
    assertThat(next.term()).isGreaterThan(before);
  }

  @Test
  void leaderThatLostTheLeaseToAnotherFollowsIt() {
    LeaderElection a = candidate("a");
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(a::isLeader);
    // an elector outside this library takes the Lease over (as a mistake or an admin would);
    // the leader renews every P, so that write can meet a 409 as any client's can: it then
    // reads the Lease again and writes again, as client-go's electors and kubectl's users do
    await().atMost(Duration.ofSeconds(2)).until(() -> takeOver("intruder"));
    await().atMost(Duration.ofSeconds(2))
        .until(() -> a.state() == LeadershipState.FOLLOWER
            && a.leader().equals(Optional.of("intruder")));
  }

  /**
   * A handover to a name writes the annotation and, where the API server keeps them, {@code
   * spec.preferredHolder} and {@code spec.strategy} (fabric8's mock keeps every field); the next
   * acquisition clears all three.
   */
  @Test
  void handoverWritesSpecPreferredHolderAndStrategyAndTheAcquisitionClearsThem() {
    LeaderElection a = candidate("a", timings());
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(a::isLeader);
    a.resign("nobody");
    Lease released = lease();
    assertThat(released.getSpec().getHolderIdentity()).isNullOrEmpty();
    assertThat(released.getSpec().getPreferredHolder()).isEqualTo("nobody");
    assertThat(released.getSpec().getStrategy()).isEqualTo(LeaseStore.STRATEGY);
    assertThat(released.getMetadata().getAnnotations())
        .containsEntry(LeaseStore.PREFERRED_HOLDER, "nobody");
    await().atMost(Duration.ofSeconds(10)).until(a::isLeader);
    Lease taken = lease();
    assertThat(taken.getSpec().getPreferredHolder()).isNull();
    assertThat(taken.getSpec().getStrategy()).isNull();
    assertThat(taken.getMetadata().getAnnotations()).doesNotContainKey(LeaseStore.PREFERRED_HOLDER);
  }

  /**
   * Another party (Kubernetes' coordinated leader election, an operator with kubectl) sets {@code
   * spec.preferredHolder} on the Lease our leader holds: the leader keeps the name through its
   * renewal, leaves LEADER and hands over to that candidate, and nobody else leads in between.
   */
  @Test
  void aPreferredHolderSetByAnotherPartyTakesOver() {
    LeaderElection a = candidate("a");
    LeaderElection b = candidate("b");
    LeaderElection c = candidate("c");
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(a::isLeader);
    b.start();
    c.start();
    await().atMost(Duration.ofSeconds(5))
        .until(() -> b.leader().equals(Optional.of("a")) && c.leader().equals(Optional.of("a")));
    String other = "c";
    await().atMost(Duration.ofSeconds(2)).until(() -> {
      Lease l = lease();
      l.getSpec().setPreferredHolder(other);
      l.getSpec().setStrategy("OldestEmulationVersion");
      try {
        direct.leases().inNamespace(MockApiServer.NAMESPACE).resource(l).update();
        return true;
      } catch (KubernetesClientException e) {
        return false; // a renewal came first: read again
      }
    });
    await().atMost(timings().renewDeadline().plus(timings().handover()).plusSeconds(1))
        .until(c::isLeader);
    assertThat(log.periods()).extracting(LeadershipLog.Period::identity)
        .as("leaders in order").containsExactly("a", "c");
    assertThat(lease().getSpec().getPreferredHolder()).as("cleared by the acquisition").isNull();
    assertThat(lease().getSpec().getStrategy()).as("another coordinator's strategy stays")
        .isEqualTo("OldestEmulationVersion");
    log.assertSafe();
  }

  /**
   * A Lease whose {@code spec.strategy} another coordinator set keeps it through our writes; its
   * {@code spec.preferredHolder} is read as the named successor.
   */
  @Test
  void aStrategyOfAnotherCoordinatorIsKept() {
    LeaderElection a = candidate("a", timings());
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(a::isLeader);
    Lease l = lease();
    l.getSpec().setStrategy("OldestEmulationVersion");
    direct.leases().inNamespace(MockApiServer.NAMESPACE).resource(l).update();
    await().atMost(Duration.ofSeconds(5))
        .until(() -> !lease().getSpec().getRenewTime().equals(l.getSpec().getRenewTime()));
    assertThat(lease().getSpec().getStrategy()).as("after a renewal")
        .isEqualTo("OldestEmulationVersion");
    await().atMost(Duration.ofSeconds(10)).until(a::isLeader);
    a.resign("nobody");
    assertThat(lease().getSpec().getStrategy()).as("after a handover")
        .isEqualTo("OldestEmulationVersion");
    assertThat(lease().getSpec().getPreferredHolder()).isEqualTo("nobody");
  }

  /**
   * A candidate of priority above 0 keeps a Lease of its own, labelled with its election's
   * Lease, which the backend lists with its priority; closing removes it.
   */
  @Test
  void aCandidateOfPriorityKeepsALeaseOfItsOwnUntilItCloses() throws Exception {
    ElectionBackend b = fixture.newBackend();
    clients.add(b);
    LeaderElection a = timings().applyTo(LeaderElection.builder(b)).name(name).identity("a")
        .priority(3).transitionRecorder(log.recorder("a")).build();
    elections.add(a);
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(a::isLeader);
    await().atMost(Duration.ofSeconds(5)).until(() -> direct.leases()
        .inNamespace(MockApiServer.NAMESPACE).withLabel(LeaseRoster.CANDIDATE_OF, name).list()
        .getItems().size() == 1);
    List<Lease> entries = direct.leases().inNamespace(MockApiServer.NAMESPACE)
        .withLabel(LeaseRoster.CANDIDATE_OF, name).list().getItems();
    assertThat(entries).hasSize(1);
    assertThat(entries.get(0).getSpec().getHolderIdentity()).isEqualTo("a");
    assertThat(entries.get(0).getMetadata().getAnnotations())
        .containsEntry(LeaseRoster.PRIORITY, "3").containsEntry(LeaseRoster.ELECTION, name);
    assertThat(b.candidates(name).toCompletableFuture().get(5, java.util.concurrent.TimeUnit.SECONDS))
        .containsExactly(new io.github.election.spi.OpenCandidate("a", 3));
    a.close();
    assertThat(direct.leases().inNamespace(MockApiServer.NAMESPACE)
        .withLabel(LeaseRoster.CANDIDATE_OF, name).list().getItems()).isEmpty();
  }
  /**
   * Listing the candidates deletes the entries of candidates gone for longer than their own
   * duration (a crashed pod's), and keeps one that ran out lately.
   */
  @Test
  void rosterEntriesOfCandidatesLongGoneAreDeleted() throws Exception {
    ElectionBackend b = fixture.newBackend();
    clients.add(b);
    for (String[] e : new String[][] {{"ghost", "60"}, {"lately", "1"}}) {
      ZonedDateTime renewed = ZonedDateTime.now(ZoneOffset.UTC)
          .minusSeconds(Long.parseLong(e[1]) * 15 + 5).truncatedTo(ChronoUnit.MICROS);
      direct.leases().inNamespace(MockApiServer.NAMESPACE).resource(
          new LeaseBuilder().withNewMetadata()
              .withName(name + "-c-" + e[0])
              .withLabels(Map.of(LeaseRoster.CANDIDATE_OF, name))
              .withAnnotations(Map.of(LeaseRoster.ELECTION, name,
                  LeaseRoster.PRIORITY, "5"))
              .endMetadata().withNewSpec().withHolderIdentity(e[0])
              .withLeaseDurationSeconds(15).withRenewTime(renewed).endSpec().build()).create();
    }
    assertThat(b.candidates(name).toCompletableFuture().get(5, TimeUnit.SECONDS))
        .as("neither is open").isEmpty();
    await().atMost(Duration.ofSeconds(5)).until(() -> direct.leases()
        .inNamespace(MockApiServer.NAMESPACE).withLabel(LeaseRoster.CANDIDATE_OF, name).list()
        .getItems().stream().map(l -> l.getSpec().getHolderIdentity()).toList()
        .equals(List.of("lately")));
  }
}
