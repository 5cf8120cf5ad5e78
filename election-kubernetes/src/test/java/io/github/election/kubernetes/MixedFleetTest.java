package io.github.election.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.election.LeaderElection;
import io.github.election.LeadershipState;
import io.github.election.kubernetes.testing.MockApiServer;
import io.github.election.spi.ElectionBackend;
import io.github.election.testing.Timings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Candidates of this library and fabric8 {@code LeaderElector}s on one Lease: never two leaders,
 * and leadership passes both ways.
 */
class MixedFleetTest {

  private static final String LEASE = "mixed";

  private KubernetesFixture fixture;
  private KubernetesClient direct;
  private final LeadershipLog log = new LeadershipLog();
  private final List<LeaderElection> elections = new ArrayList<>();
  private final List<Fabric8Elector> electors = new ArrayList<>();

  @BeforeEach
  void setUp() {
    fixture = new KubernetesFixture(false);
    direct = fixture.server().newDirectClient();
  }

  @AfterEach
  void tearDown() {
    try {
      elections.forEach(LeaderElection::close);
      electors.forEach(Fabric8Elector::close);
      log.assertSafe();
    } finally {
      direct.close();
      fixture.close();
    }
  }

  private Timings timings() {
    return fixture.timings();
  }

  private LeaderElection ours(String identity) {
    ElectionBackend b = fixture.newBackend();
    LeaderElection e = timings().applyTo(LeaderElection.builder(b)).name(LEASE).identity(identity)
        .drainTimeout(Duration.ofSeconds(1)).transitionRecorder(log.recorder(identity)).build();
    elections.add(e);
    return e;
  }

  private Fabric8Elector fabric8(String identity) {
    Fabric8Elector f = new Fabric8Elector(fixture.server(), LEASE, identity, timings())
        .onStart(t -> log.externalStart(identity)).onStop(t -> log.externalStop(identity));
    electors.add(f);
    return f;
  }

  private LeaseSpec spec() {
    return direct.leases().inNamespace(MockApiServer.NAMESPACE).withName(LEASE).get().getSpec();
  }

  @Test
  void leadershipPassesFromFabric8ToUsAndBack() {
    Fabric8Elector f = fabric8("fabric8-1");
    f.start();
    await().atMost(Duration.ofSeconds(5)).until(f::isLeader);
    LeaderElection a = ours("a");
    LeaderElection b = ours("b");
    a.start();
    b.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> a.leader().equals(Optional.of("fabric8-1"))
        && b.leader().equals(Optional.of("fabric8-1")));
    assertThat(a.term()).isEqualTo(spec().getLeaseTransitions() + 1L);

    // fabric8 releases: it keeps its name in the Lease but shortens it to one second
    f.stop();
    await().atMost(Duration.ofSeconds(3)).until(() -> a.isLeader() || b.isLeader());
    LeaderElection ourLeader = a.isLeader() ? a : b;
    LeaderElection ourFollower = ourLeader == a ? b : a;
    assertThat(f.isLeader()).isFalse();
    assertThat(spec().getHolderIdentity()).isEqualTo(ourLeader.identity());
    assertThat(spec().getLeaseDurationSeconds()).isEqualTo(3);

    Fabric8Elector g = fabric8("fabric8-2");
    g.start();
    await().atMost(Duration.ofSeconds(3)).until(() -> ourLeader.identity().equals(g.leader()));
    assertThat(g.isLeader()).isFalse();

    // our leader closes: the Lease is free at once, our follower or fabric8 takes it, not both
    ourLeader.close();
    await().atMost(Duration.ofSeconds(3)).until(() -> ourFollower.isLeader() || g.isLeader());
    await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(2))
        .until(() -> ourFollower.isLeader() != g.isLeader());
    String holder = spec().getHolderIdentity();
    assertThat(holder).isEqualTo(ourFollower.isLeader() ? ourFollower.identity() : g.identity());
  }

  @Test
  void crashedFabric8LeaderIsReplacedByOursAfterItsLease() {
    Fabric8Elector f = fabric8("fabric8-1");
    f.start();
    await().atMost(Duration.ofSeconds(5)).until(f::isLeader);
    LeaderElection a = ours("a");
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> a.leader().equals(Optional.of("fabric8-1")));
    long t0 = System.nanoTime();
    f.crash();
    await().atMost(timings().electionBound().plusSeconds(1)).until(a::isLeader);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(timings().renewDeadline());
    await().atMost(Duration.ofSeconds(1)).until(() -> !f.isLeader());
  }

  @Test
  void crashedLeaderOfOursIsReplacedByFabric8AfterItsLease() {
    LeaderElection a = ours("a");
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(a::isLeader);
    Fabric8Elector f = fabric8("fabric8-1");
    f.start();
    await().atMost(Duration.ofSeconds(3)).until(() -> "a".equals(f.leader()));
    fixture.crash(fixture.backends().get(0));
    await().atMost(timings().electionBound().plusSeconds(2)).until(f::isLeader);
    assertThat(a.state()).isNotEqualTo(LeadershipState.LEADER);
  }
}
