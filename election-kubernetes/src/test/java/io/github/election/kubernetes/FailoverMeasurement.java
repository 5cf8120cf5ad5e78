package io.github.election.kubernetes;

import static org.awaitility.Awaitility.await;

import io.github.election.LeaderElection;
import io.github.election.LeadershipState;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.SettingValues;
import io.github.election.testing.Timings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a test: a harness that measures, on one mock API server and with the same D, R and P,
 * how long leadership takes to move with this backend and with fabric8's own {@code
 * LeaderElector}. Skipped unless {@code -Delection.kubernetes.measure=true}:
 *
 * <pre>
 * mvn -B -o -pl election-kubernetes verify -Dtest=FailoverMeasurement \
 *     -Delection.kubernetes.measure=true [-Delection.kubernetes.measure.runs=20]
 * </pre>
 *
 * <p>Each run uses a fresh Lease and two electors of one kind, each with its own client, proxy
 * and front end of the server (as in the kit). Scenarios:
 * <ul>
 *   <li>resign (ours): from the call of {@code resign()} on the leader to the moment the other
 *       candidate's listener is told it is LEADER;
 *   <li>close (ours) / stop (fabric8, {@code releaseOnCancel}): from the call that makes the
 *       leader give up to the other's LEADER notification ({@code onStartLeading} for fabric8);
 *   <li>crash: the leader's proxy is closed for good (its requests fail, nothing is released);
 *       from then to the other's LEADER notification.
 * </ul>
 * Figures go to standard output and to {@code target/failover-measurement.txt}.
 */
@EnabledIfSystemProperty(named = "election.kubernetes.measure", matches = "true")
class FailoverMeasurement {

  private static final Duration WAIT = Duration.ofSeconds(15);

  @Test
  void measure() {
    int runs = Integer.getInteger("election.kubernetes.measure.runs", 20);
    Map<String, List<Long>> results = new LinkedHashMap<>();
    Timings t = KubernetesFixture.MOCK_TIMINGS;
    for (int i = 0; i < runs; i++) {
      // one server per run, shared by both kinds of elector
      try (KubernetesFixture fixture = new KubernetesFixture(false)) {
        record(results, "ours: resign -> next LEADER", ours(fixture, t, "r" + i, Mode.RESIGN));
        record(results, "ours: close -> next LEADER", ours(fixture, t, "c" + i, Mode.CLOSE));
        record(results, "ours: crash -> next LEADER", ours(fixture, t, "k" + i, Mode.CRASH));
        record(results, "fabric8: stop (release) -> next LEADER",
            fabric8(fixture, t, "fr" + i, false));
        record(results, "fabric8: crash -> next LEADER", fabric8(fixture, t, "fk" + i, true));
      }
    }
    report(results, runs, t);
  }

  private enum Mode { RESIGN, CLOSE, CRASH }

  private static void record(Map<String, List<Long>> results, String what, long nanos) {
    results.computeIfAbsent(what, k -> new ArrayList<>()).add(nanos);
  }

  private static long ours(KubernetesFixture fixture, Timings t, String lease, Mode mode) {
    ElectionBackend ba = fixture.newBackend();
    ElectionBackend bb = fixture.newBackend();
    LeaderElection a = t.applyTo(LeaderElection.builder(ba)).name("m-" + lease).identity("a")
        .build();
    LeaderElection b = t.applyTo(LeaderElection.builder(bb)).name("m-" + lease).identity("b")
        .build();
    try {
      a.start();
      await().atMost(WAIT).until(a::isLeader);
      b.start();
      await().atMost(WAIT).until(() -> b.state() == LeadershipState.FOLLOWER
          && b.leader().orElse("").equals("a"));
      AtomicLong notified = new AtomicLong();
      b.subscribe(e -> {
        if (e.isLeader()) {
          notified.compareAndSet(0, System.nanoTime());
        }
      });
      long t0 = System.nanoTime();
      switch (mode) {
        case RESIGN:
          a.resign();
          break;
        case CLOSE:
          a.close();
          break;
        default:
          fixture.crash(ba);
          break;
      }
      await().atMost(WAIT).until(() -> notified.get() != 0);
      return notified.get() - t0;
    } finally {
      a.close();
      b.close();
      ba.close();
      bb.close();
    }
  }

  private static long fabric8(KubernetesFixture fixture, Timings t, String lease, boolean crash) {
    AtomicLong started = new AtomicLong();
    try (Fabric8Elector a = new Fabric8Elector(fixture.server(), "f-" + lease, "a", t);
         Fabric8Elector b = new Fabric8Elector(fixture.server(), "f-" + lease, "b", t)
             .onStart(started::set)) {
      a.start();
      await().atMost(WAIT).until(a::isLeader);
      b.start();
      await().atMost(WAIT).until(() -> "a".equals(b.leader()));
      long t0 = System.nanoTime();
      if (crash) {
        a.crash();
      } else {
        a.stop();
      }
      await().atMost(WAIT).until(() -> started.get() != 0);
      return started.get() - t0;
    }
  }

  private static void report(Map<String, List<Long>> results, int runs, Timings t) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT,
        "Leadership handover on fabric8's mock API server (8.0.0, CRUD mode, loopback, TcpProxy"
            + " per client), D=%s R=%s P=%s, %d runs each%n", fmt(t.leaseDuration()),
        fmt(t.renewDeadline()), fmt(t.retryPeriod()), runs));
    out.append(String.format(Locale.ROOT, "%-42s %9s %9s %9s %9s%n", "scenario", "median",
        "p90", "min", "max"));
    for (Map.Entry<String, List<Long>> e : results.entrySet()) {
      List<Long> v = new ArrayList<>(e.getValue());
      Collections.sort(v);
      out.append(String.format(Locale.ROOT, "%-42s %9s %9s %9s %9s%n", e.getKey(),
          ms(percentile(v, 50)), ms(percentile(v, 90)), ms(v.get(0)), ms(v.get(v.size() - 1))));
    }
    System.out.print(out);
    try {
      Files.writeString(Path.of("target", "failover-measurement.txt"), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Nearest-rank percentile of a sorted list. */
  private static long percentile(List<Long> sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  private static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
  }

  private static String fmt(Duration d) {
    return io.github.election.spi.SettingValues.format(d);
  }
}
