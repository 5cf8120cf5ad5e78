package io.github.election.etcd;

import io.github.election.LeaderElection;
import io.github.election.LeadershipState;
import io.github.election.etcd.testing.EtcdCluster;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.SettingValues;
import io.github.election.testing.Timings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.awaitility.Awaitility;

/**
 * Measures, against an etcd server it starts, how long a graceful handover takes (the leader
 * resigns until another candidate's listener is told it is LEADER) and a crash failover (the
 * leader's client dies without cleanup, as {@link EtcdFixture#crash} does, until another
 * candidate's listener is told LEADER). Prints median, p90, min and max. Not a test: run it by
 * hand,
 *
 * <pre>
 * mvn -q -o -pl election-etcd test-compile exec:java \
 *     -Dexec.mainClass=io.github.election.etcd.EtcdTimingsHarness \
 *     -Dexec.classpathScope=test -Dexec.args="25 20"
 * </pre>
 *
 * (arguments: handover runs, crash runs). Settings: the fixture's, D = lease TTL 3 s, R 2 s,
 * P 500 ms, three candidates, each on its own client behind its own TCP proxy.
 */
public final class EtcdTimingsHarness {

  private static final Timings T = EtcdFixture.TIMINGS;

  private EtcdTimingsHarness() {
  }

  /** Runs the measurements; args: handover runs (default 25), crash runs (default 20). */
  public static void main(String[] args) {
    int handovers = args.length > 0 ? Integer.parseInt(args[0]) : 25;
    int crashes = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    try (EtcdCluster etcd = EtcdCluster.start(1)) {
      List<Double> h = handovers(etcd, handovers, false);
      List<Double> d = handovers(etcd, handovers, true);
      List<Double> c = crashes(etcd, crashes);
      System.out.println();
      System.out.println("etcd 3.4 single member on 127.0.0.1; D = lease TTL "
          + SettingValues.format(T.leaseDuration()) + ", R " + SettingValues.format(T.renewDeadline())
          + ", P " + SettingValues.format(T.retryPeriod()) + ", 3 candidates, one client and "
          + "TCP proxy each");
      System.out.println(summary("graceful handover (resign -> next LEADER notified)", h));
      System.out.println(summary("same, clients connected to etcd directly (no TCP proxy)", d));
      System.out.println(summary("crash failover (client killed -> next LEADER notified)", c));
    }
  }

  /** Listener-side LEADER notification times, per identity. */
  private static final class Clock {
    final Map<String, Long> leaderAt = new ConcurrentHashMap<>();

    void watch(LeaderElection e) {
      e.subscribe(ev -> {
        if (ev.state() == LeadershipState.LEADER) {
          leaderAt.put(ev.identity(), System.nanoTime());
        }
      });
    }
  }

  private static List<Double> handovers(EtcdCluster etcd, int runs, boolean direct) {
    List<Double> out = new ArrayList<>();
    List<ElectionBackend> directClients = new ArrayList<>();
    try (EtcdFixture fixture = new EtcdFixture(etcd)) {
      String name = "measure-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 8);
      List<LeaderElection> group = new ArrayList<>();
      Clock clock = new Clock();
      for (int i = 1; i <= 3; i++) {
        ElectionBackend b = fixture.newBackend();
        if (direct) {
          b = EtcdElectionBackend.builder().endpoints("127.0.0.1:" + etcd.anyClientPort())
              .keyPrefix(EtcdFixture.PREFIX).build();
          directClients.add(b);
        }
        LeaderElection e = T.applyTo(LeaderElection.builder(b)).name(name)
            .identity("c" + i).build();
        clock.watch(e);
        group.add(e);
      }
      group.forEach(LeaderElection::start);
      for (int run = 0; run < runs + 2; run++) { // the first two warm up
        LeaderElection leader = converged(group, Duration.ofMillis(300));
        clock.leaderAt.clear();
        long t0 = System.nanoTime();
        leader.resign();
        Awaitility.await().atMost(T.electionBound()).pollInterval(Duration.ofMillis(1))
            .until(() -> clock.leaderAt.keySet().stream().anyMatch(id -> !id.equals(leader.identity())));
        long t1 = clock.leaderAt.entrySet().stream().filter(en -> !en.getKey().equals(leader.identity()))
            .mapToLong(Map.Entry::getValue).min().orElseThrow();
        if (run >= 2) {
          out.add((t1 - t0) / 1e6);
        }
      }
      group.forEach(LeaderElection::close);
    } finally {
      directClients.forEach(ElectionBackend::close);
    }
    return out;
  }

  private static List<Double> crashes(EtcdCluster etcd, int runs) {
    List<Double> out = new ArrayList<>();
    for (int run = 0; run < runs; run++) {
      try (EtcdFixture fixture = new EtcdFixture(etcd)) {
        String name = "crash-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 8);
        List<LeaderElection> group = new ArrayList<>();
        List<ElectionBackend> backends = new ArrayList<>();
        Clock clock = new Clock();
        for (int i = 1; i <= 3; i++) {
          ElectionBackend b = fixture.newBackend();
          backends.add(b);
          LeaderElection e = T.applyTo(LeaderElection.builder(b)).name(name).identity("c" + i)
              .build();
          clock.watch(e);
          group.add(e);
        }
        group.forEach(LeaderElection::start);
        // a random phase against the keep-alive schedule, as a real crash has
        LeaderElection leader = converged(group, Duration.ofMillis(200
            + ThreadLocalRandom.current().nextInt(500)));
        clock.leaderAt.clear();
        long t0 = System.nanoTime();
        fixture.crash(backends.get(group.indexOf(leader)));
        Awaitility.await().atMost(T.electionBound().plus(Duration.ofSeconds(5)))
            .pollInterval(Duration.ofMillis(1))
            .until(() -> clock.leaderAt.keySet().stream().anyMatch(id -> !id.equals(leader.identity())));
        long t1 = clock.leaderAt.entrySet().stream().filter(en -> !en.getKey().equals(leader.identity()))
            .mapToLong(Map.Entry::getValue).min().orElseThrow();
        out.add((t1 - t0) / 1e6);
        group.forEach(LeaderElection::close);
      }
    }
    return out;
  }

  /** Waits until one leads and the others follow it, then at least {@code settle} more. */
  private static LeaderElection converged(List<LeaderElection> group, Duration settle) {
    Awaitility.await().pollDelay(settle).atMost(settle.plus(T.electionBound()))
        .pollInterval(Duration.ofMillis(5)).until(() -> {
          long leaders = group.stream().filter(LeaderElection::isLeader).count();
          return leaders == 1 && group.stream().allMatch(e -> e.isLeader()
              || e.state() == LeadershipState.FOLLOWER);
        });
    return group.stream().filter(LeaderElection::isLeader).findFirst().orElseThrow();
  }

  private static String summary(String what, List<Double> ms) {
    List<Double> s = new ArrayList<>(ms);
    Collections.sort(s);
    StringBuilder runs = new StringBuilder();
    for (double v : ms) {
      runs.append(String.format(Locale.ROOT, " %.0f", v));
    }
    return String.format(Locale.ROOT, "%s: %d runs, median %.1f ms, p90 %.1f ms, min %.1f ms, "
        + "max %.1f ms%n  in run order (ms):%s", what, s.size(), percentile(s, 50),
        percentile(s, 90), s.get(0), s.get(s.size() - 1), runs);
  }

  private static double percentile(List<Double> sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }
}
