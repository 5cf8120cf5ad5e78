package io.github.election.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.election.LeaderElection;
import io.github.election.spi.ElectionBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Many elections on one backend: one bounded request pool for all of them (no thread per
 * election), one watch per Lease name, and handovers between candidates of the same backend.
 */
class SharedBackendTest {

  private KubernetesFixture fixture;
  private ElectionBackend backend;
  private final List<LeaderElection> elections = new ArrayList<>();

  @BeforeEach
  void setUp() {
    fixture = new KubernetesFixture(false);
    backend = fixture.newBackend();
  }

  @AfterEach
  void tearDown() {
    elections.forEach(LeaderElection::close);
    fixture.close();
  }

  private LeaderElection election(String name, String identity) {
    LeaderElection e = fixture.timings().applyTo(LeaderElection.builder(backend)).name(name)
        .identity(identity).build();
    elections.add(e);
    e.start();
    return e;
  }

  private static long threadsNamed(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
  }

  @Test
  void manyElectionsShareTwoRequestThreadsAndOneWatchPerLease() {
    List<LeaderElection> shared = List.of(election("shared", "a"), election("shared", "b"),
        election("shared", "c"));
    List<LeaderElection> many = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      many.add(election("many-" + i, "x"));
    }
    await().atMost(Duration.ofSeconds(10)).until(() ->
        shared.stream().filter(LeaderElection::isLeader).count() == 1
            && many.stream().allMatch(LeaderElection::isLeader));
    // keep renewing for a while: still the same few threads
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
        .until(() -> many.stream().allMatch(LeaderElection::isLeader));
    assertThat(threadsNamed("election-kubernetes-io-")).isBetween(1L, 2L);
    assertThat(threadsNamed("election-kubernetes-timer-")).isEqualTo(1L);

    List<String> paths = fixture.frontendOf(backend).takeRequestPaths();
    List<String> watches = paths.stream().filter(p -> p.contains("watch=true")).toList();
    assertThat(watches).filteredOn(p -> p.contains("metadata.name%3Dshared&")).hasSize(1);
    for (int i = 0; i < 20; i++) {
      String lease = "metadata.name%3Dmany-" + i + "&";
      assertThat(watches).filteredOn(p -> p.contains(lease)).hasSize(1);
    }

    LeaderElection leader = shared.stream().filter(LeaderElection::isLeader).findFirst()
        .orElseThrow();
    long term = leader.term();
    leader.resign();
    await().atMost(Duration.ofMillis(500)).until(() -> shared.stream()
        .anyMatch(e -> e != leader && e.isLeader()));
    LeaderElection next = shared.stream().filter(LeaderElection::isLeader).findFirst()
        .orElseThrow();
    assertThat(next.term()).isGreaterThan(term);
  }
}
