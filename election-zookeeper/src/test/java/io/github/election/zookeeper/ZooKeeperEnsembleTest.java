package io.github.election.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.election.testing.Timings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rule F3 on a three-member ensemble (curator-test {@link TestingCluster} on 127.0.0.1): the
 * member that the leader's client talks to is lost and comes back; each time the election ends
 * with exactly one LEADER, followed by the others, whose term is greater than every earlier one
 * (or the same, when the same candidate kept its node: it never lost its session). The whole
 * history is checked for S1 and S3.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ZooKeeperEnsembleTest {

  private static final Logger log = LoggerFactory.getLogger(ZooKeeperEnsembleTest.class);
  private static final Timings TIMINGS = ZooKeeperFixture.TIMINGS;
  private static final int TICK_MILLIS = 200;

  private TestingCluster cluster;

  @BeforeEach
  void startEnsemble() throws Exception {
    List<InstanceSpec> specs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      specs.add(new InstanceSpec(null, -1, -1, -1, true, -1, TICK_MILLIS, -1,
          Map.of("clientPortAddress", "127.0.0.1", "minSessionTimeout", "400",
              "maxSessionTimeout", "60000"), "127.0.0.1"));
    }
    cluster = new TestingCluster(specs);
    cluster.start();
    try (CuratorFramework probe = CuratorFrameworkFactory.newClient(cluster.getConnectString(),
        10_000, 5_000, new RetryOneTime(200))) {
      probe.start();
      assertThat(probe.blockUntilConnected(30, TimeUnit.SECONDS)).as("ensemble up").isTrue();
      probe.create().orSetData().forPath("/probe"); // a write: the quorum has a leader
    }
  }

  @AfterEach
  void stopEnsemble() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  private ZooKeeperElectionBackend backend() {
    return ZooKeeperElectionBackend.builder()
        .connectString(cluster.getConnectString())
        .basePath("/ensemble")
        .sessionTimeout(TIMINGS.leaseDuration())
        .connectionTimeout(Duration.ofSeconds(1))
        .build();
  }

  @Test
  @DisplayName("F3: losing the member the leader talks to, getting it back, then losing another, each ends with exactly one LEADER and a term not below any earlier one")
  void F3_memberLossAndReturnEndWithOneLeader() throws Exception {
    Duration bound = TIMINGS.electionBound().plus(TIMINGS.handover()).plus(TIMINGS.handover());
    try (Group group = new Group("f3-" + System.nanoTime(), TIMINGS)) {
      for (int i = 1; i <= 3; i++) {
        group.add("c" + i, this::backend);
      }
      Group.Member before = group.awaitConverged(bound);
      long highest = group.monitor.highestTerm();

      InstanceSpec lost = memberOf(before);
      log.info("leader {} talks to member {}; killing it", before.identity(), lost.getPort());
      assertThat(cluster.killServer(lost)).as("member killed").isTrue();
      awaitMovedAway(before, lost, bound);

      Group.Member during = group.awaitConverged(bound);
      assertFinalTerm(before, highest, during);
      long highest2 = group.monitor.highestTerm();
      log.info("after the loss: {} leads with term {}", during.identity(), during.current().term());

      assertThat(cluster.restartServer(lost)).as("member restarted").isTrue();
      Group.Member after = group.awaitConverged(bound);
      assertFinalTerm(during, highest2, after);
      log.info("after the return: {} leads with term {}", after.identity(), after.current().term());

      // the member is really back: the ensemble now needs it to survive losing another one
      long highest3 = group.monitor.highestTerm();
      InstanceSpec second = memberOf(after);
      assertThat(second).as("the leader moved off the lost member").isNotEqualTo(lost);
      log.info("leader {} talks to member {}; killing it too", after.identity(), second.getPort());
      assertThat(cluster.killServer(second)).as("second member killed").isTrue();
      awaitMovedAway(after, second, bound);
      Group.Member last = group.awaitConverged(bound);
      assertFinalTerm(after, highest3, last);
      log.info("after the second loss: {} leads with term {}", last.identity(),
          last.current().term());

      group.monitor.assertSafe();
      assertThat(group.members.stream().filter(Group.Member::isLeader)).hasSize(1);
    }
  }

  private InstanceSpec memberOf(Group.Member m) throws Exception {
    return cluster.findConnectionInstance(zooKeeperOf(m));
  }

  private static org.apache.zookeeper.ZooKeeper zooKeeperOf(Group.Member m) throws Exception {
    return ((ZooKeeperElectionBackend) m.backend()).client().getZookeeperClient().getZooKeeper();
  }

  /** Waits until m's client is connected again, to a member other than the one it lost. */
  private void awaitMovedAway(Group.Member m, InstanceSpec gone, Duration atMost) {
    Awaitility.await(m.identity() + " reconnected to another member").atMost(atMost)
        .pollInterval(Duration.ofMillis(10)).ignoreExceptions().until(() -> {
          ZooKeeperElectionBackend b = (ZooKeeperElectionBackend) m.backend();
          if (!b.connected()) {
            return false;
          }
          InstanceSpec now = memberOf(m);
          return now != null && !now.equals(gone);
        });
  }

  private static void assertFinalTerm(Group.Member before, long highest, Group.Member after) {
    long term = after.current().term();
    if (after == before) {
      assertThat(term).as("term of the same leader after the fault").isGreaterThanOrEqualTo(highest);
    } else {
      assertThat(term).as("term of a new leader after the fault").isGreaterThan(highest);
    }
  }
}
