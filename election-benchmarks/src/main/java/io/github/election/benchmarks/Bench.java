package io.github.election.benchmarks;

import io.github.election.spi.SettingValues;
import io.github.election.testing.Timings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;

/**
 * The benchmarks of issue 8 (and of each store added since, such as PostgreSQL in issue 14), side
 * by side with the raw clients, in one command: prints Markdown tables and the verdict on each
 * target (each store's, {@link BenchStore#targets()}), and writes every figure and sample as
 * JSON.
 *
 * <pre>
 * bash scripts/bench.sh [--quick] [--only=P1,P2,P3,P4]
 *                       [--stores=zookeeper,etcd,kubernetes,postgresql]
 *                       [--out=election-benchmarks/target/benchmarks.json]
 * </pre>
 *
 * <ul>
 *   <li>P1 graceful handover ({@link HandoverBench}), followers settled and just joined;
 *   <li>P2 crash failover ({@link FailoverBench});
 *   <li>P3 notification latency of the engine ({@link NotifyBench});
 *   <li>P4 scale: threads, heap, sessions or leases, store requests per second
 *       ({@link ScaleBench}).
 * </ul>
 * Ours and the raw client are measured in the same run, interleaved, on the same store.
 */
public final class Bench {

  private static final long START = System.nanoTime();

  /** What to run and how much. */
  static final class Options {
    boolean quick;
    Set<String> only = new LinkedHashSet<>(List.of("P1", "P2", "P3", "P4"));
    /** By default every store whose benchmarks are on the class path. */
    List<String> stores = BenchStore.stores();
    Path out = Path.of(System.getProperty("bench.out", "target/benchmarks.json"));
    String command = "bash scripts/bench.sh";

    int p1Runs = -1;

    int p1Runs() {
      return p1Runs > 0 ? p1Runs : quick ? 10 : 50;
    }

    int p1Warmup() {
      return quick ? 1 : 3;
    }

    int p2Runs() {
      return quick ? 4 : 20;
    }

    int p2Batch(BenchStore store) {
      return quick ? Math.min(4, store.failoverBatch()) : store.failoverBatch();
    }

    long p4Warm() {
      return quick ? 3_000 : 10_000;
    }

    long p4Window() {
      return quick ? 6_000 : 20_000;
    }

    static Options parse(String[] args) {
      Options o = new Options();
      StringBuilder cmd = new StringBuilder("bash scripts/bench.sh");
      for (String a : args) {
        if (a.isBlank()) {
          continue;
        }
        cmd.append(' ').append(a);
        if (a.equals("--quick") || a.equals("quick")) {
          o.quick = true;
        } else if (a.startsWith("--only=")) {
          o.only = new LinkedHashSet<>();
          for (String s : a.substring(7).split(",")) {
            o.only.add(s.trim().toUpperCase(Locale.ROOT));
          }
        } else if (a.startsWith("--stores=")) {
          o.stores = new ArrayList<>(List.of(a.substring(9).split(",")));
        } else if (a.startsWith("--p1-runs=")) {
          o.p1Runs = Integer.parseInt(a.substring(10));
        } else if (a.startsWith("--out=")) {
          o.out = Path.of(a.substring(6));
        } else {
          throw new IllegalArgumentException("unknown argument '" + a + "'; use --quick, "
              + "--only=P1,P2,P3,P4, --stores=" + String.join(",", BenchStore.stores())
              + ", --p1-runs=N, --out=FILE");
        }
      }
      o.command = cmd.toString();
      return o;
    }
  }

  private Bench() {
  }

  /** Logs to target/bench-logs/*.log, not to the console; gRPC's JUL logging quiet. */
  static void configureLogging() {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "bench-logback.xml");
    }
    java.util.logging.Logger.getLogger("").setLevel(Level.SEVERE);
    java.util.logging.Logger.getLogger("io.grpc").setLevel(Level.SEVERE);
    java.util.logging.Logger.getLogger("io.netty").setLevel(Level.SEVERE);
  }

  /** A progress line on standard error, with the time since the start. */
  static void progress(String format, Object... args) {
    long s = (System.nanoTime() - START) / 1_000_000_000L;
    System.err.printf(Locale.ROOT, "[%02d:%02d] %s%n", s / 60, s % 60,
        String.format(Locale.ROOT, format, args));
  }

  public static void main(String[] args) {
    configureLogging();
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    // the ZooKeeper server answers 'mntr' (request counters) for the scale runs
    System.setProperty("zookeeper.4lw.commands.whitelist", "mntr");
    Path logs = Path.of(System.getProperty("bench.logs", "target/bench-logs"));
    try {
      Files.createDirectories(logs);
      if (o.out.getParent() != null) {
        Files.createDirectories(o.out.getParent());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Report report = new Report();
    Map<String, Object> json = report.json;
    json.put("command", o.command);
    json.put("mode", o.quick ? "quick" : "full");
    json.put("started", Instant.now().toString());
    json.put("machine", Machine.describe());
    progress("benchmarks (%s): %s on %s", o.quick ? "quick" : "full", o.only, o.stores);

    Results results = new Results();
    if (o.only.contains("P3")) {
      results.p3 = notifications(o);
    }
    for (String store : o.stores) {
      if (!(o.only.contains("P1") || o.only.contains("P2") || o.only.contains("P4"))) {
        break;
      }
      BenchStore s;
      try {
        s = open(store);
      } catch (RuntimeException | AssertionError e) {
        results.errors.put(store, "store did not start: " + e.getMessage());
        progress("%s did not start: %s", store, e);
        continue;
      }
      try {
        results.sides.put(store, new String[] {s.ours().label(), s.raw().label()});
        results.sideSettings.put(store, new String[] {s.ours().settings(), s.raw().settings()});
        results.holderUnits.put(store, s.holdersUnit());
        results.loadMeasures.put(store, s.loadMeasures());
        results.timings.put(store, s.timings());
        results.targets.put(store, s.targets());
        results.versions.put(store, s.storeVersion());
        if (o.only.contains("P1")) {
          progress("P1 %s: graceful handover, followers settled (%d runs per side)", store,
              o.p1Runs());
          Samples[] settled = HandoverBench.measure(s, true, o.p1Warmup(), o.p1Runs(), "s");
          results.p1Settled.put(store, settled);
          if (settled[2].count() > 0) {
            results.roundTrips.put(store, settled[2]);
            results.idleRoundTrips.put(store, settled[3]);
          }
          progress("P1 %s: handover to a named candidate, ours, followers settled (%d runs)",
              store, o.p1Runs());
          results.p1Named.put(store, HandoverBench.measureNamed(s, o.p1Warmup(), o.p1Runs()));
          if (s.ours().enrolled("none") >= 0) {
            progress("P1 %s: graceful handover, followers just joined (%d runs per side)",
                store, o.p1Runs());
            results.p1Fresh.put(store, HandoverBench.measure(s, false, o.p1Warmup(),
                o.p1Runs(), "j"));
          }
        }
        if (o.only.contains("P2")) {
          progress("P2 %s: crash failover (%d runs per side)", store, o.p2Runs());
          results.p2.put(store, FailoverBench.measure(s, o.p2Runs(), o.p2Batch(s),
              store.hashCode()));
        }
        if (o.only.contains("P4")) {
          results.p4.put(store, scale(s, o, logs));
        }
      } catch (RuntimeException e) {
        results.errors.put(store, e.toString());
        progress("%s failed: %s", store, e);
        e.printStackTrace();
      } finally {
        s.close();
      }
    }
    results.fill(report, o);
    json.put("finished", Instant.now().toString());
    json.put("seconds", (System.nanoTime() - START) / 1_000_000_000L);
    json.put("loadAverageAtEnd", Machine.loadAverage());
    json.put("verdicts", report.verdictsJson());
    String markdown = report.markdown();
    Path md = o.out.resolveSibling(o.out.getFileName().toString().replaceAll("\\.json$", "")
        + ".md");
    try {
      Files.writeString(o.out, Json.write(json));
      Files.writeString(md, markdown);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.out.println();
    System.out.print(markdown);
    System.out.println("Machine: " + Machine.summary());
    System.out.println("JSON: " + o.out.toAbsolutePath().normalize() + ", Markdown: "
        + md.toAbsolutePath().normalize() + ", logs: " + logs.toAbsolutePath().normalize());
    progress("done in %d s", (System.nanoTime() - START) / 1_000_000_000L);
    Background.drain(5);
    System.exit(results.errors.isEmpty() ? 0 : 1);
  }

  private static BenchStore open(String store) {
    return BenchStore.provider(store).open();
  }

  private static List<NotifyBench.Result> notifications(Options o) {
    List<NotifyBench.Result> out = new ArrayList<>();
    progress("P3: notification latency (warm-up)");
    NotifyBench.run(100, false, 0, o.quick ? 1_000 : 3_000);
    // {listeners, rounds per variant, warm-up changes per round, measured changes per round}:
    // free and stuck rounds alternate (A/B/A/B), so that the machine's load falls on both alike
    int[][] plan = o.quick
        ? new int[][] {{1, 2, 200, 2_500}, {100, 2, 50, 250}, {10_000, 2, 1, 5}}
        : new int[][] {{1, 4, 500, 5_000}, {100, 4, 100, 750}, {10_000, 4, 2, 10}};
    for (int[] p : plan) {
      NotifyBench.Result[] merged = new NotifyBench.Result[2];
      for (int round = 0; round < p[1]; round++) {
        for (int k = 0; k < 2; k++) {
          boolean stuck = ((round + k) & 1) == 1;
          NotifyBench.Result r = NotifyBench.run(p[0], stuck, p[2], p[3]);
          int i = stuck ? 1 : 0;
          merged[i] = merged[i] == null ? r : merged[i].plus(r);
        }
      }
      for (NotifyBench.Result r : merged) {
        out.add(r);
        progress("P3: %d listener(s)%s: p50 %s, p99 %s, max %s (%d changes)", r.listeners(),
            r.stuck() ? " + 1 stuck" : "", Samples.us(r.p50()), Samples.us(r.p99()),
            Samples.us(r.max()), r.changes());
      }
    }
    return out;
  }

  private static ScaleBench.Result[] scale(BenchStore s, Options o, Path logs) {
    ScaleBench bench = new ScaleBench(logs, o.p4Warm(), o.p4Window());
    int n = s.targets().elections();
    ScaleBench.Result[] r = new ScaleBench.Result[2];
    for (int i = 0; i < 2; i++) {
      String side = i == 0 ? "ours" : "raw";
      progress("P4 %s: %d elections, %s, in a child JVM", s.store(), n, side);
      r[i] = bench.run(s.store(), side, s.scale(side), n);
      progress("P4 %s %s: %s", s.store(), side, r[i].error != null ? r[i].error
          : String.format(Locale.ROOT, "%d threads, heap %.1f MB, %d holder(s), %.0f req/s",
              r[i].threads, r[i].heap / 1048576.0, r[i].holders, r[i].requestsPerSecond));
    }
    return r;
  }

  /** Everything measured, turned into tables, verdicts and JSON at the end. */
  static final class Results {
    final Map<String, Samples[]> p1Settled = new LinkedHashMap<>();
    final Map<String, Samples[]> p1Fresh = new LinkedHashMap<>();
    /** Ours only: the handover to a named candidate, followers settled. */
    final Map<String, Samples> p1Named = new LinkedHashMap<>();
    final Map<String, Samples[]> p2 = new LinkedHashMap<>();
    final Map<String, ScaleBench.Result[]> p4 = new LinkedHashMap<>();
    final Map<String, String[]> sides = new LinkedHashMap<>();
    final Map<String, String[]> sideSettings = new LinkedHashMap<>();
    final Map<String, String> holderUnits = new LinkedHashMap<>();
    final Map<String, String> loadMeasures = new LinkedHashMap<>();
    final Map<String, Timings> timings = new LinkedHashMap<>();
    final Map<String, BenchStore.Targets> targets = new LinkedHashMap<>();
    final Map<String, String> versions = new LinkedHashMap<>();
    /** Plain round trips to the store, timed between the P1 runs (stores that have a probe). */
    final Map<String, Samples> roundTrips = new LinkedHashMap<>();
    /** The first of them after each run, on a connection idle since the previous run. */
    final Map<String, Samples> idleRoundTrips = new LinkedHashMap<>();
    final Map<String, String> errors = new LinkedHashMap<>();
    List<NotifyBench.Result> p3;

    void fill(Report report, Options o) {
      Map<String, Object> json = report.json;
      Map<String, Object> settings = new LinkedHashMap<>();
      timings.forEach((store, t) -> {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("leaseDuration", fmt(t.leaseDuration()));
        m.put("renewDeadline", fmt(t.renewDeadline()));
        m.put("retryPeriod", fmt(t.retryPeriod()));
        m.put("ours", sides.get(store)[0]);
        m.put("oursSettings", sideSettings.get(store)[0]);
        m.put("raw", sides.get(store)[1]);
        m.put("rawSettings", sideSettings.get(store)[1]);
        m.put("server", versions.get(store));
        settings.put(store, m);
      });
      json.put("settings", settings);
      settingsTable(report);
      handoverTable(report, o);
      failoverTable(report);
      notifyTable(report);
      scaleTable(report);
      if (!errors.isEmpty()) {
        json.put("errors", errors);
        Report.Table t = report.table("Errors", "", "store", "what");
        errors.forEach(t::row);
      }
    }

    private void handoverTable(Report report, Options o) {
      if (p1Settled.isEmpty()) {
        return;
      }
      Report.Table t = report.table("P1 graceful handover",
          "(leader gives up -> next candidate told LEADER; " + o.p1Runs()
              + " runs per side and case, ours and raw alternating, clients straight to the"
              + " store; settled: followers joined 500-1000 ms before (random: a random phase"
              + " against a polling client's schedule), just joined: the leader gives up as soon"
              + " as the store shows both followers)",
          "store", "followers", "ours p50", "ours p99", "raw client", "raw p50", "raw p99",
          "ours/raw p50", "ours/raw p99", "round trip p50 (idle connection)", "target");
      List<Object> rows = new ArrayList<>();
      for (String store : p1Settled.keySet()) {
        for (int v = 0; v < 2; v++) {
          Samples[] s = (v == 0 ? p1Settled : p1Fresh).get(store);
          if (s == null) {
            continue;
          }
          String variant = v == 0 ? "settled" : "just joined";
          double r50 = s[0].median() / s[1].median();
          double r99 = s[0].p99() / s[1].p99();
          BenchStore.Targets goal = targets.get(store);
          double limit = goal.handoverVsRaw();
          String target = "<= " + Samples.ratio(limit) + " raw";
          Samples rtt = roundTrips.get(store);
          Samples idle = idleRoundTrips.get(store);
          int trips = goal.handoverRoundTrips();
          if (trips > 0) {
            target += ", <= " + trips + "x round trip";
          }
          t.row(store, variant, Samples.ms(s[0].median()), Samples.ms(s[0].p99()),
              sides.get(store)[1], Samples.ms(s[1].median()), Samples.ms(s[1].p99()),
              Samples.ratio(r50), Samples.ratio(r99),
              rtt == null ? "-" : Samples.us(rtt.median()) + " (" + Samples.us(idle.median())
                  + ")", target);
          report.verdict("P1", store + ", followers " + variant + ": median " + target,
              String.format(Locale.ROOT, "%s vs %s = %s (p99 %s vs %s = %s)%s",
                  Samples.ms(s[0].median()), Samples.ms(s[1].median()), Samples.ratio(r50),
                  Samples.ms(s[0].p99()), Samples.ms(s[1].p99()), Samples.ratio(r99),
                  failures(s)),
              r50 <= limit && s[0].failures() == 0, null);
          if (trips > 0) {
            double perTrip = rtt == null ? Double.NaN : s[0].median() / rtt.median();
            report.verdict("P1", store + ", followers " + variant + ": median <= " + trips
                    + "x one round trip to the server (" + roundTripWhat(store) + ")",
                String.format(Locale.ROOT, "%s = %s round trips of %s (p50 of %d back to back;"
                        + " on a connection idle since the previous run: %s, %s of them)",
                    Samples.ms(s[0].median()), Samples.ratio(perTrip).replace("x", ""),
                    rtt == null ? "-" : Samples.us(rtt.median()),
                    rtt == null ? 0 : rtt.count(),
                    idle == null ? "-" : Samples.us(idle.median()),
                    idle == null ? "-" : Samples.ratio(s[0].median() / idle.median())
                        .replace("x", "")),
                rtt != null && perTrip <= trips && s[0].failures() == 0,
                rtt == null ? "no round trip measured" : null);
          }
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("store", store);
          m.put("followers", variant);
          m.put("ours", samplesJson(s[0], sides.get(store)[0]));
          m.put("raw", samplesJson(s[1], sides.get(store)[1]));
          m.put("ratioMedian", r50);
          m.put("ratioP99", r99);
          if (rtt != null) {
            m.put("roundTrip", samplesJson(rtt, roundTripWhat(store)));
            m.put("roundTripIdleConnection", samplesJson(idle, roundTripWhat(store)
                + ", the first after each run"));
          }
          rows.add(m);
        }
      }
      report.json.put("P1_gracefulHandover", rows);
      namedTable(report, o);
    }

    /** Ours only: resign(successor) beside ours' plain resign (P1, followers settled). */
    private void namedTable(Report report, Options o) {
      if (p1Named.isEmpty()) {
        return;
      }
      Report.Table t = report.table("P1 handover to a named candidate",
          "(ours only, the raw clients have none: the leader calls resign(successor) naming "
              + "the follower that joined last -> that follower told LEADER; " + o.p1Runs()
              + " runs, followers settled; beside ours' plain resign of P1)",
          "store", "named p50", "named p99", "resign p50", "resign p99", "named/resign p50",
          "runs where another led or none");
      List<Object> rows = new ArrayList<>();
      for (Map.Entry<String, Samples> e : p1Named.entrySet()) {
        Samples n = e.getValue();
        Samples[] plain = p1Settled.get(e.getKey());
        t.row(e.getKey(), Samples.ms(n.median()), Samples.ms(n.p99()),
            plain == null ? "-" : Samples.ms(plain[0].median()),
            plain == null ? "-" : Samples.ms(plain[0].p99()),
            plain == null ? "-" : Samples.ratio(n.median() / plain[0].median()),
            Integer.toString(n.failures()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("store", e.getKey());
        m.put("named", samplesJson(n, sides.get(e.getKey())[0]));
        rows.add(m);
      }
      report.json.put("P1_handoverToNamed", rows);
    }

    private void failoverTable(Report report) {
      if (p2.isEmpty()) {
        return;
      }
      Report.Table t = report.table("P2 crash failover",
          "(leader's client killed, no cleanup: TCP proxy cut then closed -> next candidate told"
              + " LEADER; ours and raw in the same batches)",
          "store", "D + P", "ours p50", "ours p99", "raw client", "raw p50", "raw p99",
          "ours p99 / (D+P)", "raw p99 / (D+P)", "target");
      List<Object> rows = new ArrayList<>();
      for (Map.Entry<String, Samples[]> e : p2.entrySet()) {
        String store = e.getKey();
        Samples[] s = e.getValue();
        Timings tm = timings.get(store);
        double bound = tm.electionBound().toNanos();
        t.row(store, fmt(tm.leaseDuration()) + " + " + fmt(tm.retryPeriod()),
            Samples.ms(s[0].median()), Samples.ms(s[0].p99()), sides.get(store)[1],
            Samples.ms(s[1].median()), Samples.ms(s[1].p99()),
            Samples.ratio(s[0].p99() / bound), Samples.ratio(s[1].p99() / bound),
            "<= 1.1x (D+P)");
        report.verdict("P2", store + ": p99 <= 1.1x (D + P) = " + Samples.ms(1.1 * bound),
            String.format(Locale.ROOT, "p99 %s = %s (D+P); median %s; raw p99 %s%s",
                Samples.ms(s[0].p99()), Samples.ratio(s[0].p99() / bound),
                Samples.ms(s[0].median()), Samples.ms(s[1].p99()), failures(s)),
            s[0].p99() <= 1.1 * bound && s[0].failures() == 0, null);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("store", store);
        m.put("leaseDurationPlusRetryPeriodMs", bound / 1e6);
        m.put("ours", samplesJson(s[0], sides.get(store)[0]));
        m.put("raw", samplesJson(s[1], sides.get(store)[1]));
        rows.add(m);
      }
      report.json.put("P2_crashFailover", rows);
    }

    private void notifyTable(Report report) {
      if (p3 == null) {
        return;
      }
      Report.Table t = report.table("P3 notification latency",
          "(state change recorded by the engine -> listener called; default shared pool; one"
              + " change at a time; rounds without and with the stuck listener alternate;"
              + " HdrHistogram over every listener call)",
          "listeners", "stuck listener", "p50", "p99", "max", "changes", "calls measured");
      List<Object> rows = new ArrayList<>();
      NotifyBench.Result free100 = null;
      NotifyBench.Result stuck100 = null;
      for (NotifyBench.Result r : p3) {
        t.row(String.format(Locale.ROOT, "%,d", r.listeners()), r.stuck() ? "yes" : "no",
            Samples.us(r.p50()), Samples.us(r.p99()), Samples.us(r.max()),
            Integer.toString(r.changes()), Long.toString(r.histogram().getTotalCount()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("listeners", r.listeners());
        m.put("stuck", r.stuck());
        m.put("changes", r.changes());
        m.put("calls", r.histogram().getTotalCount());
        m.put("p50us", r.p50() / 1e3);
        m.put("p90us", r.histogram().getValueAtPercentile(90) / 1e3);
        m.put("p99us", r.p99() / 1e3);
        m.put("p999us", r.histogram().getValueAtPercentile(99.9) / 1e3);
        m.put("maxUs", r.max() / 1e3);
        rows.add(m);
        if (r.listeners() == 100) {
          if (r.stuck()) {
            stuck100 = r;
          } else {
            free100 = r;
          }
        }
      }
      report.json.put("P3_notificationLatency", rows);
      if (free100 != null) {
        report.verdict("P3", "p99 <= 100 us at 100 listeners", "p99 " + Samples.us(free100.p99()),
            free100.p99() <= 100_000, null);
      }
      if (free100 != null && stuck100 != null) {
        double limit = Math.max(free100.p99() * 1.25, free100.p99() + 10_000);
        report.verdict("P3", "unchanged by a stuck listener (100 listeners; p99 within 25% or"
                + " 10 us)", "p99 " + Samples.us(stuck100.p99()) + " with, "
                + Samples.us(free100.p99()) + " without",
            stuck100.p99() <= limit, null);
      }
    }

    private void scaleTable(Report report) {
      if (p4.isEmpty()) {
        return;
      }
      StringBuilder measures = new StringBuilder();
      for (String store : p4.keySet()) {
        measures.append("; ").append(store).append(": ").append(loadMeasures.get(store));
      }
      Report.Table t = report.table("P4 scale",
          "(n elections of one candidate each in one JVM of their own, on one client; default"
              + " D 15 s, R 10 s, P 2 s; figures of the child JVM; requests and writes counted by"
              + " the store over a steady-state window" + measures + ")",
          "store", "side", "elections", "live threads", "heap after GC",
          "sessions / leases / connections holding", "store requests/s", "store writes/s",
          "all leading after");
      List<Object> rows = new ArrayList<>();
      for (Map.Entry<String, ScaleBench.Result[]> e : p4.entrySet()) {
        String store = e.getKey();
        for (int i = 0; i < 2; i++) {
          ScaleBench.Result r = e.getValue()[i];
          String side = sides.get(store)[i];
          String holders = r.holders + " " + holderUnits.get(store);
          if (r.error != null) {
            t.row(store, side, "", "failed: " + r.error, "", "", "", "", "");
          } else {
            t.row(store, side, Integer.toString(e.getValue()[i].records),
                r.threads + " (JVM alone " + r.jvmThreads + ")",
                String.format(Locale.ROOT, "%.1f MB", r.heap / 1048576.0), holders,
                String.format(Locale.ROOT, "%.0f", r.requestsPerSecond) + r.parts,
                Double.isNaN(r.writesPerSecond) ? "-"
                    : String.format(Locale.ROOT, "%.0f", r.writesPerSecond),
                String.format(Locale.ROOT, "%.1f s", r.readyMillis / 1000.0));
          }
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("store", store);
          m.put("side", side);
          m.put("candidatesInStore", r.records);
          m.put("threads", r.threads);
          m.put("jvmThreadsBeforeFleet", r.jvmThreads);
          m.put("heapAfterGcBytes", r.heap);
          m.put("holders", r.holders);
          m.put("storeRequestsPerSecond", r.requestsPerSecond);
          m.put("storeWritesPerSecond", r.writesPerSecond);
          m.put("allLeadingAfterMs", r.readyMillis);
          m.put("error", r.error);
          m.putAll(r.json);
          rows.add(m);
        }
        ScaleBench.Result ours = e.getValue()[0];
        BenchStore.Targets goal = targets.get(store);
        int n = goal.elections();
        report.verdict("P4", store + " (" + n + " elections): <= 32 live threads",
            ours.threads + " threads", ours.error == null && ours.threads <= 32, ours.error);
        report.verdict("P4", store + " (" + n + " elections): <= 128 MB heap after GC",
            String.format(Locale.ROOT, "%.1f MB", ours.heap / 1048576.0),
            ours.error == null && ours.heap <= 128L * 1024 * 1024, ours.error);
        if (goal.maxHolders() > 0) {
          String unit = holderUnits.get(store);
          report.verdict("P4", store + " (" + n + " elections): <= " + goal.maxHolders() + " "
                  + unit + " per JVM", ours.holders + " " + unit + " for " + n + " candidates",
              ours.error == null && ours.holders >= 0 && ours.holders <= goal.maxHolders(),
              ours.error);
        }
      }
      report.json.put("P4_scale", rows);
    }

    /** The sides' labels and the settings they state, with the store server's version. */
    private void settingsTable(Report report) {
      boolean any = false;
      for (String[] st : sideSettings.values()) {
        any |= !st[0].isEmpty() || !st[1].isEmpty();
      }
      if (!any) {
        return;
      }
      Report.Table t = report.table("Settings", "(where a side's settings are not its defaults,"
          + " or must be stated; P1 and P2 use the store's test timings, P4 the defaults)",
          "store", "server", "side", "settings");
      sideSettings.forEach((store, st) -> {
        for (int i = 0; i < 2; i++) {
          if (!st[i].isEmpty()) {
            t.row(store, versions.get(store), sides.get(store)[i], st[i]);
          }
        }
      });
    }

    private static String roundTripWhat(String store) {
      return "a plain request to " + store + " on an open connection, timed between the runs";
    }

    private static String failures(Samples[] s) {
      if (s[0].failures() == 0 && s[1].failures() == 0) {
        return "";
      }
      return "; failed runs: ours " + s[0].failures() + ", raw " + s[1].failures();
    }

    private static Map<String, Object> samplesJson(Samples s, String label) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("client", label);
      m.put("runs", s.count());
      m.put("failures", s.failures());
      m.put("medianMs", s.median() / 1e6);
      m.put("p99Ms", s.p99() / 1e6);
      m.put("minMs", s.min() / 1e6);
      m.put("maxMs", s.max() / 1e6);
      List<Double> ms = new ArrayList<>();
      for (long v : s.values()) {
        ms.add(Math.round(v / 1e4) / 100.0);
      }
      m.put("samplesMs", ms);
      return m;
    }

    private static String fmt(Duration d) {
      return io.github.election.spi.SettingValues.format(d);
    }
  }
}
