package io.github.election.zookeeper;

import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.SettingValues;
import io.github.election.testing.Timings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures, against the fixture's server and settings, (1) graceful handover: the leader
 * resigns, time until another candidate's listener is told LEADER; (2) crash failover: the
 * leader's client dies without cleanup (its proxy is closed, the session is left to time out),
 * time until another candidate's listener is told LEADER. Three candidates, each on its own
 * client and proxy. Prints median, p90, min and max; asserts nothing about time.
 *
 * <p>Not part of the default test run (the name matches none of Surefire's patterns). Run:
 * {@code mvn -B -q -o -pl election-zookeeper test -Dtest=ZooKeeperTimingMeasurement
 * -Dsurefire.failIfNoSpecifiedTests=false -Druns=20}; the figures are in
 * {@code target/surefire-reports/io.github.election.zookeeper.ZooKeeperTimingMeasurement-output.txt}
 * and on standard error.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ZooKeeperTimingMeasurement {

  private static final Logger log = LoggerFactory.getLogger(ZooKeeperTimingMeasurement.class);
  private static final Timings T = ZooKeeperFixture.TIMINGS;
  private static final int RUNS = Integer.getInteger("runs", 20);

  /** One candidate with the time its listener was last told it leads. */
  private static final class Timed {
    final String identity;
    final ElectionBackend backend;
    final LeaderElection election;
    final List<long[]> leaderAt = new CopyOnWriteArrayList<>(); // {nanoTime, term}

    Timed(String identity, ElectionBackend backend, String name) {
      this.identity = identity;
      this.backend = backend;
      this.election = T.applyTo(LeaderElection.builder(backend)).name(name).identity(identity)
          .drainTimeout(Duration.ZERO).build();
      election.subscribe(this::onChange);
    }

    void onChange(LeadershipEvent e) {
      if (e.isLeader()) {
        leaderAt.add(new long[] {System.nanoTime(), e.term()});
      }
    }

    /** When this candidate's listener was told LEADER after t0, or -1. */
    long toldLeaderAfter(long t0) {
      for (long[] at : leaderAt) {
        if (at[0] - t0 >= 0) {
          return at[0];
        }
      }
      return -1;
    }
  }

  @Test
  void measure() {
    List<Double> handover = new ArrayList<>();
    List<Double> failover = new ArrayList<>();
    try (ZooKeeperFixture fixture = new ZooKeeperFixture()) {
      for (int run = 0; run < RUNS; run++) {
        handover.add(once(fixture, "h" + run, false));
        failover.add(once(fixture, "f" + run, true));
        log.info("run {}: handover {} ms, crash failover {} ms", run,
            fmt(handover.get(run)), fmt(failover.get(run)));
      }
    }
    String settings = "D = session timeout " + ElectionSettings(T.leaseDuration()) + ", R "
        + ElectionSettings(T.renewDeadline()) + ", P " + ElectionSettings(T.retryPeriod())
        + ", server tick " + ZooKeeperFixture.TICK_MILLIS + " ms, 3 candidates, one client and "
        + "TCP proxy each, loopback, " + Runtime.getRuntime().availableProcessors() + " cores";
    String report = String.format(Locale.ROOT,
        "%nZooKeeper timings over %d runs (%s)%n  %s%n  %s%n", RUNS, settings,
        summary("graceful handover (resign -> next LEADER notified)", handover),
        summary("crash failover (client killed -> next LEADER notified)", failover));
    log.info(report);
    System.err.println(report);
  }

  private static String ElectionSettings(Duration d) {
    return io.github.election.spi.SettingValues.format(d);
  }

  /** One round: 3 candidates, wait for convergence, then resign or crash the leader. */
  private static double once(ZooKeeperFixture fixture, String name, boolean crash) {
    List<Timed> group = new ArrayList<>();
    try {
      for (int i = 1; i <= 3; i++) {
        group.add(new Timed("c" + i, fixture.newBackend(), name));
      }
      group.forEach(c -> c.election.start());
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
          group.stream().filter(c -> c.election.isLeader()).count() == 1
              && group.stream().allMatch(c -> c.election.current().leader().isPresent()));
      // let the followers settle (their watches are set) as a running system would be
      Awaitility.await().pollDelay(Duration.ofMillis(200)).until(() -> true);
      Timed leader = group.stream().filter(c -> c.election.isLeader()).findFirst().orElseThrow();
      long t0 = System.nanoTime();
      if (crash) {
        fixture.crash(leader.backend);
      } else {
        leader.election.resign();
      }
      long[] at = new long[1];
      Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
          .until(() -> {
            for (Timed c : group) {
              if (c != leader) {
                long told = c.toldLeaderAfter(t0);
                if (told > 0) {
                  at[0] = told;
                  return true;
                }
              }
            }
            return false;
          });
      return (at[0] - t0) / 1e6;
    } finally {
      group.forEach(c -> c.election.close());
      group.forEach(c -> c.backend.close());
    }
  }

  private static String summary(String what, List<Double> ms) {
    List<Double> sorted = new ArrayList<>(ms);
    Collections.sort(sorted);
    return String.format(Locale.ROOT, "%s: median %s ms, p90 %s ms, min %s ms, max %s ms", what,
        fmt(percentile(sorted, 50)), fmt(percentile(sorted, 90)), fmt(sorted.get(0)),
        fmt(sorted.get(sorted.size() - 1)));
  }

  /** Nearest-rank percentile of a sorted list. */
  private static double percentile(List<Double> sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  private static String fmt(double ms) {
    return String.format(Locale.ROOT, "%.1f", ms);
  }
}
