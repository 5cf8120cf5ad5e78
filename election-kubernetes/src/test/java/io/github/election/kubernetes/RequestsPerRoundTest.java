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
 * What a round costs the API server at steady state (issue 16), counted on each backend's own
 * front end of the mock: a follower whose watch is healthy sends nothing (its polls answer from
 * the Leases the watch delivered, kept fresh by the holder's renewals), and a leader renews with
 * one PUT per retry period P, no GET. A backend test rather than a kit rule: "no request" is a
 * cost, not a leadership guarantee, and only a store whose watch delivers every version can keep
 * it.
 */
class RequestsPerRoundTest {

  private static final String LEASE_PATH =
      "/apis/coordination.k8s.io/v1/namespaces/election-test/leases/";

  private KubernetesFixture fixture;
  private final List<LeaderElection> elections = new ArrayList<>();

  @BeforeEach
  void setUp() {
    fixture = new KubernetesFixture(false);
  }

  @AfterEach
  void tearDown() {
    elections.forEach(LeaderElection::close);
    fixture.close();
  }

  private LeaderElection election(ElectionBackend backend, String name, String identity) {
    LeaderElection e = fixture.timings().applyTo(LeaderElection.builder(backend)).name(name)
        .identity(identity).build();
    elections.add(e);
    e.start();
    return e;
  }

  @Test
  void aFollowerWithAHealthyWatchSendsNothingAndALeaderOnePutPerRetryPeriod() {
    ElectionBackend first = fixture.newBackend();
    ElectionBackend second = fixture.newBackend();
    List<String> names = List.of("cost-0", "cost-1", "cost-2");
    List<LeaderElection> leaders = new ArrayList<>();
    for (String n : names) {
      LeaderElection a = election(first, n, "a");
      // set-up, not a timing rule: the first requests of a cold JVM take a while
      await().atMost(Duration.ofSeconds(30)).until(a::isLeader);
      leaders.add(a);
      election(second, n, "b");
    }
    await("every follower knows its leader").atMost(Duration.ofSeconds(30))
        .until(() -> elections.stream().filter(e -> !e.isLeader())
            .allMatch(e -> e.leader().equals(java.util.Optional.of("a"))));
    Duration p = fixture.timings().retryPeriod();
    // past the followers' first reads of their new watches
    await().pollDelay(p.multipliedBy(4)).atMost(p.multipliedBy(5)).until(() -> true);
    fixture.frontendOf(first).takeRequests();
    fixture.frontendOf(second).takeRequests();
    long t0 = System.nanoTime();
    // a measurement window of 20 retry periods, not a wait for a condition
    await().pollDelay(p.multipliedBy(20)).atMost(p.multipliedBy(21)).until(() -> true);
    List<String> followers = fixture.frontendOf(second).takeRequests();
    List<String> leading = fixture.frontendOf(first).takeRequests();
    double periods = (System.nanoTime() - t0) / (double) p.toNanos();
    assertThat(leaders).allMatch(LeaderElection::isLeader);
    assertThat(followers).as("requests of the followers' backend").isEmpty();
    for (String n : names) {
      List<String> mine = leading.stream().filter(r -> r.contains(LEASE_PATH + n)).toList();
      assertThat(mine).as("requests of %s's leader", n)
          .allMatch(r -> r.startsWith("PUT "));
      // one renewal per P (a round starts P after the last one ended): at most one per period
      assertThat((double) mine.size()).as("renewals of %s in %.1f periods", n, periods)
          .isBetween(periods * 0.6, periods + 1);
    }
  }
}
