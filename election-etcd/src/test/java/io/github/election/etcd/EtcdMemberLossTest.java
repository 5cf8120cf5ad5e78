package io.github.election.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.LeadershipState;
import io.github.election.etcd.testing.EtcdCluster;
import io.github.election.spi.ElectionBackend;
import io.github.election.tck.SafetyMonitor;
import io.github.election.testing.Timings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rule F3 on a 3-member etcd cluster: the member that the leader's client talks to is stopped
 * for longer than the lease duration, then started again. The election must end, during the
 * loss and after the member is back, with exactly one LEADER followed by the others, whose term
 * is greater than every earlier one unless the same leader kept its lease; the safety monitor
 * checks S1 and S3 over the whole history.
 */
class EtcdMemberLossTest {

  private static final Logger log = LoggerFactory.getLogger(EtcdMemberLossTest.class);
  private static final Timings T = EtcdFixture.TIMINGS;
  /** D + P + handover, plus etcd's own leader election (1 s) when the lost member led raft. */
  private static final Duration BOUND = T.electionBound().plus(T.handover())
      .plus(Duration.ofSeconds(1));
  /**
   * A client cut off from the only member it knows reconnects with gRPC's backoff (1 s, times
   * 1.6 per attempt), so after a loss of about 5 s it may need 4 s more to be back.
   */
  private static final Duration RECONNECT = Duration.ofSeconds(6);

  private static EtcdCluster etcd;

  private EtcdFixture fixture;
  private final SafetyMonitor monitor = new SafetyMonitor();
  private final List<LeaderElection> group = new ArrayList<>();

  @BeforeAll
  static void startEtcd() {
    etcd = EtcdCluster.start(3);
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @AfterEach
  void tearDown() {
    group.forEach(LeaderElection::close);
    if (fixture != null) {
      fixture.close();
    }
    monitor.assertSafe();
  }

  private void startGroup(boolean pinned) {
    fixture = new EtcdFixture(etcd, pinned);
    String name = "loss-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 8);
    for (int i = 0; i < 3; i++) {
      ElectionBackend b = fixture.newBackend(); // client i talks to member i first
      group.add(T.applyTo(LeaderElection.builder(b)).name(name).identity("c" + i)
          .transitionRecorder(monitor.recorder()).build());
    }
    group.forEach(LeaderElection::start);
  }

  private LeaderElection awaitConverged(Duration atLeast, Duration atMost) {
    AtomicReference<LeaderElection> leader = new AtomicReference<>();
    Awaitility.await("one leader followed by the others").pollDelay(atLeast)
        .atMost(atLeast.plus(atMost)).pollInterval(Duration.ofMillis(10)).until(() -> {
          List<LeaderElection> leaders = group.stream().filter(LeaderElection::isLeader).toList();
          if (leaders.size() != 1) {
            return false;
          }
          LeadershipEvent lead = leaders.get(0).current();
          for (LeaderElection e : group) {
            LeadershipEvent v = e.current();
            if (e != leaders.get(0) && (v.state() != LeadershipState.FOLLOWER
                || !v.leader().equals(Optional.of(lead.identity())) || v.term() != lead.term())) {
              return false;
            }
          }
          leader.set(leaders.get(0));
          return true;
        });
    return leader.get();
  }

  private static void assertTerm(LeaderElection before, long highest, LeaderElection after) {
    if (after == before) {
      assertThat(after.term()).as("term of the same leader").isGreaterThanOrEqualTo(highest);
    } else {
      assertThat(after.term()).as("term of the new leader").isGreaterThan(highest);
    }
  }

  @Test
  @DisplayName("F3: clients know every member; the leader's member is lost for longer than D and comes back")
  void leadersMemberLostAndRestored() {
    startGroup(false);
    LeaderElection before = awaitConverged(Duration.ZERO, BOUND);
    long highest = monitor.highestTerm();
    fixture.loseMember();
    LeaderElection during = awaitConverged(T.electionBound(), BOUND);
    assertTerm(before, highest, during);
    log.info("member loss: {} led before, {} during (term {} -> {})", before.identity(),
        during.identity(), highest, during.term());
    long highest2 = monitor.highestTerm();
    fixture.restoreMember();
    LeaderElection after = awaitConverged(T.electionBound(), BOUND);
    assertTerm(during, highest2, after);
  }

  @Test
  @DisplayName("F3: clients pinned to one member; losing the leader's member cuts it off, a new leader with a greater term follows")
  void pinnedLeaderIsCutOffByMemberLoss() {
    startGroup(true);
    LeaderElection before = awaitConverged(Duration.ZERO, BOUND);
    long highest = monitor.highestTerm();
    fixture.loseMember();
    Awaitility.await("the cut-off leader leaves LEADER").atMost(T.renewDeadline()
        .plus(T.handover())).until(() -> !before.isLeader());
    AtomicReference<LeaderElection> next = new AtomicReference<>();
    Awaitility.await("another candidate leads").atMost(BOUND).until(() -> {
      for (LeaderElection e : group) {
        if (e != before && e.isLeader()) {
          next.set(e);
          return true;
        }
      }
      return false;
    });
    assertThat(next.get().term()).as("term of the new leader").isGreaterThan(highest);
    long highest2 = monitor.highestTerm();
    fixture.restoreMember();
    LeaderElection after = awaitConverged(Duration.ZERO, BOUND.plus(RECONNECT));
    assertThat(after).as("leader once the member is back").isSameAs(next.get());
    assertThat(after.term()).isEqualTo(highest2);
    assertThat(before.current().leader()).contains(after.identity());
  }
}
