package io.github.election.benchmarks;

import io.github.election.LeaderElection;
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
    /** Busy threads of another process in P3's loaded rounds (0: no loaded rounds). */
    int p3Load = 2;

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

    /** The large scale run's elections: -1 for each store's ({@link BenchStore#largeElections}). */
    int p4Large = -1;

    /** The warm-up of a scale run, once all lead (the windows that follow must agree too). */
    long p4Warm() {
      return quick ? 2_000 : 6_000;
    }

    /** One window of a scale run: 5 P (quick: 2 P) at the default P of 2 s. */
    long p4Window() {
      return quick ? 4_000 : 10_000;
    }

    /** The most windows a scale run waits for two consecutive ones to agree. */
    int p4MaxWindows() {
      return quick ? 4 : 5;
    }

    private static int nonNegative(String arg, String value) {
      try {
        int n = Integer.parseInt(value);
        if (n >= 0) {
          return n;
        }
      } catch (NumberFormatException e) {
        // below
      }
      throw new IllegalArgumentException("bad value in '" + arg + "': expected a whole number"
          + " >= 0");
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
        } else if (a.startsWith("--p3-load=")) {
          o.p3Load = nonNegative(a, a.substring(10));
        } else if (a.startsWith("--p4-large=")) {
          o.p4Large = nonNegative(a, a.substring(11));
        } else if (a.startsWith("--out=")) {
          o.out = Path.of(a.substring(6));
        } else {
          throw new IllegalArgumentException("unknown argument '" + a + "'; use --quick, "
              + "--only=P1,P2,P3,P4, --stores=" + String.join(",", BenchStore.stores())
              + ", --p1-runs=N, --p3-load=N, --p4-large=N, --out=FILE");
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
    // the ZooKeeper server answers 'mntr' (request counters) and 'dump' (sessions with their
    // ephemeral nodes) for the scale runs
    System.setProperty("zookeeper.4lw.commands.whitelist", "mntr,dump");
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
      notifications(o, results, logs);
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
        results.p4RequestTargets.put(store, s.maxRequestsPerPeriod());
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

  /** P3 figures of one listener count: without and with the stuck listener, idle and loaded. */
  record P3Row(NotifyBench.Result free, NotifyBench.Result freeLoaded, NotifyBench.Result stuck,
      NotifyBench.Result stuckLoaded) {
  }

  /** A P3 diagnosis row: 100 listeners on one executor, with or without the added load. */
  record P3Diagnosis(String executor, boolean loaded, NotifyBench.Result result) {
  }

  private static void notifications(Options o, Results results, Path logs) {
    int load = o.p3Load;
    BusyLoad busy = load > 0 ? BusyLoad.start(load, logs.resolve("p3-load.log")) : null;
    results.p3Load = load;
    results.p3LoadAverageAtStart = Machine.loadAverage();
    try {
      progress("P3: notification latency (warm-up)%s",
          busy == null ? "" : ", rounds with " + load + " busy thread(s) of another process"
              + " interleaved");
      NotifyBench.run(100, false, 0, o.quick ? 1_000 : 3_000);
      // {listeners, rounds per variant, warm-up changes per round, measured changes per round}:
      // rounds without and with the stuck listener, and without and with the added load,
      // alternate (A/B/C/D, B/C/D/A, ...), so that the machine's own load falls on all alike
      int[][] plan = o.quick
          ? new int[][] {{1, 2, 200, 2_500}, {100, 2, 50, 250}, {10_000, 2, 1, 5}}
          : new int[][] {{1, 4, 500, 5_000}, {100, 4, 100, 750}, {10_000, 4, 2, 10}};
      for (int[] p : plan) {
        NotifyBench.Result[] merged = new NotifyBench.Result[4];
        int variants = busy == null ? 2 : 4;
        for (int round = 0; round < p[1]; round++) {
          for (int k = 0; k < variants; k++) {
            int v = (round + k) % variants;
            boolean stuck = (v & 1) == 1;
            boolean loaded = (v & 2) == 2;
            if (busy != null) {
              busy.spin(loaded);
            }
            NotifyBench.Result r = NotifyBench.run(p[0], stuck, p[2], p[3]);
            merged[v] = merged[v] == null ? r : merged[v].plus(r);
          }
        }
        if (busy != null) {
          busy.spin(false);
        }
        results.p3.add(new P3Row(merged[0], merged[2], merged[1], merged[3]));
        for (int v = 0; v < variants; v++) {
          NotifyBench.Result r = merged[v];
          progress("P3: %d listener(s)%s%s: p50 %s, p99 %s, max %s (%d changes)", r.listeners(),
              r.stuck() ? " + 1 stuck" : "", (v & 2) == 2 ? ", " + load + " busy thread(s)" : "",
              Samples.us(r.p50()), Samples.us(r.p99()), Samples.us(r.max()), r.changes());
        }
      }
      diagnose(o, results, busy);
    } finally {
      if (busy != null) {
        busy.close();
      }
      results.p3LoadAverageAtEnd = Machine.loadAverage();
    }
  }

  /**
   * Where P3's time goes at 100 listeners: the same rounds with the listeners called on the
   * default shared pool, on the engine's own thread (a direct executor: no hand-off at all), and
   * on plain pools of one and of two threads given to the builder; idle and loaded alternating.
   */
  private static void diagnose(Options o, Results results, BusyLoad busy) {
    String[] names = {"shared pool (default)", "direct (the engine's thread)",
        "own pool, 1 thread", "own pool, 2 threads"};
    int rounds = o.quick ? 2 : 4;
    int changes = o.quick ? 250 : 750;
    int loads = busy == null ? 1 : 2;
    NotifyBench.Result[][] merged = new NotifyBench.Result[names.length][loads];
    java.util.concurrent.ExecutorService one = java.util.concurrent.Executors
        .newFixedThreadPool(1, r -> daemon(r, "p3-own-1"));
    java.util.concurrent.ExecutorService two = java.util.concurrent.Executors
        .newFixedThreadPool(2, r -> daemon(r, "p3-own-2"));
    try {
      java.util.concurrent.Executor[] executors = {null, Runnable::run, one, two};
      progress("P3: where the time goes, 100 listeners on %d executors", names.length);
      for (int round = 0; round < rounds; round++) {
        for (int k = 0; k < names.length * loads; k++) {
          int v = (round + k) % (names.length * loads);
          int e = v % names.length;
          int l = v / names.length;
          if (busy != null) {
            busy.spin(l == 1);
          }
          NotifyBench.Result r = NotifyBench.run(100, false, 100, changes, executors[e]);
          merged[e][l] = merged[e][l] == null ? r : merged[e][l].plus(r);
        }
      }
      if (busy != null) {
        busy.spin(false);
      }
    } finally {
      one.shutdownNow();
      two.shutdownNow();
    }
    for (int e = 0; e < names.length; e++) {
      for (int l = 0; l < loads; l++) {
        results.p3Diagnosis.add(new P3Diagnosis(names[e], l == 1, merged[e][l]));
        NotifyBench.Result r = merged[e][l];
        progress("P3 diagnosis: %s%s: first call p99 %s, last call p99 %s, all p99 %s", names[e],
            l == 1 ? ", loaded" : "", Samples.us(r.firstCalls().getValueAtPercentile(99)),
            Samples.us(r.lastCalls().getValueAtPercentile(99)), Samples.us(r.p99()));
      }
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** P4: the store's scale run ({@link BenchStore.Targets#elections()}), then the large one. */
  private static List<ScaleBench.Result[]> scale(BenchStore s, Options o, Path logs) {
    ScaleBench bench = new ScaleBench(logs, o.p4Warm(), o.p4Window(), o.p4MaxWindows());
    List<Integer> sizes = new ArrayList<>(List.of(s.targets().elections()));
    int large = o.p4Large >= 0 ? o.p4Large : s.largeElections();
    if (large > 0 && s.largeElections() > 0) {
      sizes.add(large);
    }
    List<ScaleBench.Result[]> out = new ArrayList<>();
    for (int n : sizes) {
      ScaleBench.Result[] r = new ScaleBench.Result[2];
      for (int i = 0; i < 2; i++) {
        String side = i == 0 ? "ours" : "raw";
        BenchStore.Scale scale = s.scale(side);
        progress("P4 %s: %,d elections, %s, in a child JVM%s", s.store(), n, side,
            scale.followers() == null ? "" : ", then a follower each in another");
        // a large fleet may take minutes to start: up to 3 (1,000: 4) minutes, and the child
        // gives up sooner when no more lead at once than ever did for 45 s
        r[i] = bench.run(s.store(), side, scale, n, n > 1_000 ? 180 : 240);
        progress("P4 %s %s: %s", s.store(), side, r[i].error != null ? r[i].error
            : String.format(Locale.ROOT, "%d threads, heap %.1f MB, %d holder(s), %.1f req/s"
                    + "%s (all leading after %.1f s)", r[i].threads, r[i].heap / 1048576.0,
                r[i].holders, r[i].requestsPerSecond, Double.isNaN(r[i].followerRequestsPerSecond)
                    ? "" : String.format(Locale.ROOT, ", followers %.1f req/s",
                    r[i].followerRequestsPerSecond), r[i].readyMillis / 1000.0));
      }
      out.add(r);
    }
    return out;
  }

  /** Everything measured, turned into tables, verdicts and JSON at the end. */
  static final class Results {
    final Map<String, Samples[]> p1Settled = new LinkedHashMap<>();
    final Map<String, Samples[]> p1Fresh = new LinkedHashMap<>();
    /** Ours only: the handover to a named candidate, followers settled. */
    final Map<String, Samples> p1Named = new LinkedHashMap<>();
    final Map<String, Samples[]> p2 = new LinkedHashMap<>();
    /** Per store, each scale run's {ours, raw}, smallest first. */
    final Map<String, List<ScaleBench.Result[]>> p4 = new LinkedHashMap<>();
    final Map<String, Double> p4RequestTargets = new LinkedHashMap<>();
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
    final List<P3Row> p3 = new ArrayList<>();
    final List<P3Diagnosis> p3Diagnosis = new ArrayList<>();
    int p3Load;
    String p3LoadAverageAtStart;
    String p3LoadAverageAtEnd;

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
        report.verdict("P1", e.getKey() + ", handover to a named candidate (issue 17; ours only):"
                + " the named follower, and nobody before it, is told LEADER in every run",
            String.format(Locale.ROOT, "p50 %s, p99 %s (plain resign p50 %s); %d of %d runs"
                    + " where another led or none", Samples.ms(n.median()), Samples.ms(n.p99()),
                plain == null ? "-" : Samples.ms(plain[0].median()), n.failures(),
                n.count() + n.failures()),
            n.count() > 0 && n.failures() == 0, null);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("store", e.getKey());
        m.put("named", samplesJson(n, sides.get(e.getKey())[0]));
        if (plain != null) {
          m.put("plainResign", samplesJson(plain[0], sides.get(e.getKey())[0]));
        }
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
      if (p3.isEmpty()) {
        return;
      }
      boolean loaded = p3Load > 0;
      String busy = p3Load + " busy thread" + (p3Load == 1 ? "" : "s");
      List<String> headers = new ArrayList<>(List.of("listeners", "stuck listener", "p50", "p99",
          "max"));
      if (loaded) {
        headers.addAll(List.of("p50, " + busy, "p99, " + busy, "max, " + busy));
      }
      headers.add("changes (each side)");
      Report.Table t = report.table("P3 notification latency",
          "(state change recorded by the engine -> listener called; default shared pool; one"
              + " change at a time; rounds without and with the stuck listener"
              + (loaded ? ", and without and with " + busy + " of another process spinning on"
                  + " the CPU (a loaded machine)," : "")
              + " alternate; HdrHistogram over every listener call; load average "
              + p3LoadAverageAtStart + " before, " + p3LoadAverageAtEnd + " after)",
          headers.toArray(new String[0]));
      List<Object> rows = new ArrayList<>();
      P3Row at100 = null;
      for (P3Row row : p3) {
        for (int k = 0; k < 2; k++) {
          NotifyBench.Result r = k == 0 ? row.free() : row.stuck();
          NotifyBench.Result l = k == 0 ? row.freeLoaded() : row.stuckLoaded();
          List<String> cells = new ArrayList<>(List.of(
              String.format(Locale.ROOT, "%,d", r.listeners()), r.stuck() ? "yes" : "no",
              Samples.us(r.p50()), Samples.us(r.p99()), Samples.us(r.max())));
          if (loaded) {
            cells.addAll(List.of(Samples.us(l.p50()), Samples.us(l.p99()), Samples.us(l.max())));
          }
          cells.add(Integer.toString(r.changes()));
          t.row(cells.toArray(new String[0]));
          rows.add(notifyJson(r, false, "shared pool (default)"));
          if (l != null) {
            rows.add(notifyJson(l, true, "shared pool (default)"));
          }
        }
        if (row.free().listeners() == 100) {
          at100 = row;
        }
      }
      report.json.put("P3_notificationLatency", rows);
      Map<String, Object> load = new LinkedHashMap<>();
      load.put("busyThreadsOfAnotherProcess", p3Load);
      load.put("loadAverageBefore", p3LoadAverageAtStart);
      load.put("loadAverageAfter", p3LoadAverageAtEnd);
      report.json.put("P3_load", load);
      diagnosisTable(report, busy);
      if (at100 == null) {
        return;
      }
      NotifyBench.Result free100 = at100.free();
      NotifyBench.Result stuck100 = at100.stuck();
      String withLoad = at100.freeLoaded() == null ? ""
          : " (with " + busy + " of another process: p99 " + Samples.us(at100.freeLoaded().p99())
              + ")";
      report.verdict("P3", "p99 <= 100 us at 100 listeners, no load added", "p99 "
              + Samples.us(free100.p99()) + withLoad, free100.p99() <= 100_000, null);
      double limit = Math.max(free100.p99() * 1.25, free100.p99() + 10_000);
      String stuckLoaded = at100.stuckLoaded() == null ? ""
          : "; with " + busy + ": " + Samples.us(at100.stuckLoaded().p99()) + " with, "
              + Samples.us(at100.freeLoaded().p99()) + " without";
      report.verdict("P3", "unchanged by a stuck listener (100 listeners, no load added; p99"
              + " within 25% or 10 us)", "p99 " + Samples.us(stuck100.p99()) + " with, "
              + Samples.us(free100.p99()) + " without" + stuckLoaded,
          stuck100.p99() <= limit, null);
    }

    /** P3 at 100 listeners on several executors: where the time goes. */
    private void diagnosisTable(Report report, String busy) {
      if (p3Diagnosis.isEmpty()) {
        return;
      }
      Report.Table t = report.table("P3 where the time goes",
          "(100 listeners, no stuck listener, the same rounds with the listeners called on"
              + " different executors given to the builder; first call: the first listener"
              + " call of each change (hand-off and wake-up); last call: the last of the 100"
              + " (the whole change); rows alternate)",
          "executor", "added load", "first call p50", "first call p99", "last call p50",
          "last call p99", "all calls p50", "all calls p99", "changes");
      List<Object> rows = new ArrayList<>();
      for (P3Diagnosis d : p3Diagnosis) {
        NotifyBench.Result r = d.result();
        t.row(d.executor(), d.loaded() ? busy : "none",
            Samples.us(r.firstCalls().getValueAtPercentile(50)),
            Samples.us(r.firstCalls().getValueAtPercentile(99)),
            Samples.us(r.lastCalls().getValueAtPercentile(50)),
            Samples.us(r.lastCalls().getValueAtPercentile(99)), Samples.us(r.p50()),
            Samples.us(r.p99()), Integer.toString(r.changes()));
        rows.add(notifyJson(r, d.loaded(), d.executor()));
      }
      report.json.put("P3_whereTheTimeGoes", rows);
    }

    private Map<String, Object> notifyJson(NotifyBench.Result r, boolean loaded,
        String executor) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("listeners", r.listeners());
      m.put("stuck", r.stuck());
      m.put("busyThreads", loaded ? p3Load : 0);
      m.put("executor", executor);
      m.put("changes", r.changes());
      m.put("calls", r.histogram().getTotalCount());
      m.put("p50us", r.p50() / 1e3);
      m.put("p90us", r.histogram().getValueAtPercentile(90) / 1e3);
      m.put("p99us", r.p99() / 1e3);
      m.put("p999us", r.histogram().getValueAtPercentile(99.9) / 1e3);
      m.put("maxUs", r.max() / 1e3);
      m.put("firstCallP50us", r.firstCalls().getValueAtPercentile(50) / 1e3);
      m.put("firstCallP99us", r.firstCalls().getValueAtPercentile(99) / 1e3);
      m.put("lastCallP50us", r.lastCalls().getValueAtPercentile(50) / 1e3);
      m.put("lastCallP99us", r.lastCalls().getValueAtPercentile(99) / 1e3);
      return m;
    }

    private void scaleTable(Report report) {
      if (p4.isEmpty()) {
        return;
      }
      double period = LeaderElection.Builder.DEFAULT_RETRY_PERIOD.toNanos() / 1e9;
      StringBuilder measures = new StringBuilder();
      for (String store : p4.keySet()) {
        measures.append("; ").append(store).append(": ").append(loadMeasures.get(store));
      }
      Report.Table t = report.table("P4 scale",
          "(n elections in one JVM of their own, on one client, one candidate each; on stores"
              + " with followers a second candidate each in a second JVM on a client of its own,"
              + " started once all lead, whose requests are counted apart; default D 15 s,"
              + " R 10 s, P 2 s; figures of the leaders' JVM; requests and writes counted by the"
              + " store at steady state: once all lead, a warm-up, then windows of equal length"
              + " until two consecutive ones agree within 10 % or 0.5/s, the rate over those"
              + " two; bytes per election: the heap after GC of the larger run minus the"
              + " smaller's, over the difference in elections (fixed costs cancel out)"
              + measures + ")",
          "store", "side", "elections", "live threads", "heap after GC", "bytes per election",
          "sessions / leases / connections holding", "store requests/s", "requests per P",
          "store writes/s", "followers' requests/s", "all leading after");
      List<Object> rows = new ArrayList<>();
      for (Map.Entry<String, List<ScaleBench.Result[]>> e : p4.entrySet()) {
        String store = e.getKey();
        List<ScaleBench.Result[]> runs = e.getValue();
        for (int k = 0; k < runs.size(); k++) {
          for (int i = 0; i < 2; i++) {
            ScaleBench.Result r = runs.get(k)[i];
            ScaleBench.Result smaller = k == 0 ? null : runs.get(k - 1)[i];
            double perElection = Double.NaN;
            if (smaller != null && r.error == null && smaller.error == null && r.heap > 0
                && smaller.heap > 0) {
              perElection = (r.heap - smaller.heap) / (double) (r.elections - smaller.elections);
            }
            String side = sides.get(store)[i];
            String n = String.format(Locale.ROOT, "%,d", r.elections);
            if (r.error != null) {
              t.row(store, side, n, "failed: " + r.error, "", "", "", "", "", "", "", "");
            } else {
              String holders = r.holders + " " + holderUnits.get(store);
              String rate = String.format(Locale.ROOT, "%.1f", r.requestsPerSecond)
                  + (r.steady ? "" : " (not steady: " + windows(r) + ")");
              t.row(store, side, n, r.threads + " (JVM alone " + r.jvmThreads + ")",
                  String.format(Locale.ROOT, "%.1f MB", r.heap / 1048576.0),
                  Double.isNaN(perElection) ? "-"
                      : String.format(Locale.ROOT, "%,.0f", perElection),
                  holders, rate,
                  String.format(Locale.ROOT, "%.1f (%.3f per election)",
                      r.requestsPerSecond * period, r.requestsPerSecond * period / r.elections),
                  Double.isNaN(r.writesPerSecond) ? "-"
                      : String.format(Locale.ROOT, "%.1f", r.writesPerSecond),
                  Double.isNaN(r.followerRequestsPerSecond) ? "-"
                      : String.format(Locale.ROOT, "%.1f (%d in %.0f s)",
                          r.followerRequestsPerSecond, r.followerRequests, r.measuredSeconds),
                  String.format(Locale.ROOT, "%.1f s", r.readyMillis / 1000.0));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("store", store);
            m.put("side", side);
            m.put("elections", r.elections);
            m.put("candidatesInStore", r.records);
            m.put("threads", r.threads);
            m.put("jvmThreadsBeforeFleet", r.jvmThreads);
            m.put("heapAfterGcBytes", r.heap);
            m.put("bytesPerElection", Double.isNaN(perElection) ? null : perElection);
            m.put("holders", r.holders);
            m.put("storeRequestsPerSecond", r.requestsPerSecond);
            m.put("storeRequestsPerPeriod", r.requestsPerSecond * period);
            m.put("storeWritesPerSecond", r.writesPerSecond);
            m.put("followerRequestsPerSecond", Double.isNaN(r.followerRequestsPerSecond) ? null
                : r.followerRequestsPerSecond);
            m.put("followerRequests", r.followerRequests < 0 ? null : r.followerRequests);
            m.put("allLeadingAfterMs", r.readyMillis);
            m.put("followersFollowingAfterMs", r.followersReadyMillis < 0 ? null
                : r.followersReadyMillis);
            m.put("error", r.error);
            m.putAll(r.json);
            rows.add(m);
          }
          scaleVerdicts(report, store, runs.get(k), period);
        }
      }
      report.json.put("P4_scale", rows);
    }

    private static String windows(ScaleBench.Result r) {
      StringBuilder b = new StringBuilder();
      for (double w : r.windowRates) {
        b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", w));
      }
      return b.toString();
    }

    /** The targets of one scale run (ours), with the raw side's figure beside where it helps. */
    private void scaleVerdicts(Report report, String store, ScaleBench.Result[] run,
        double period) {
      ScaleBench.Result ours = run[0];
      ScaleBench.Result raw = run[1];
      BenchStore.Targets goal = targets.get(store);
      String at = String.format(Locale.ROOT, "%s (%,d elections)", store, ours.elections);
      if (ours.error != null) {
        report.verdict("P4", at + ": the fleet leads, and is measured", "failed",
            false, ours.error);
        return;
      }
      report.verdict("P4", at + ": <= 32 live threads", ours.threads + " threads",
          ours.error == null && ours.threads <= 32, ours.error);
      long heapLimitMb = ours.elections > 1_000 ? 256 : 128;
      report.verdict("P4", at + ": <= " + heapLimitMb + " MB heap after GC",
          String.format(Locale.ROOT, "%.1f MB", ours.heap / 1048576.0),
          ours.error == null && ours.heap <= heapLimitMb * 1024 * 1024, ours.error);
      if (goal.maxHolders() > 0) {
        String unit = holderUnits.get(store);
        report.verdict("P4", at + ": <= " + goal.maxHolders() + " " + unit + " per JVM",
            ours.holders + " " + unit + " for " + ours.elections + " candidates",
            ours.error == null && ours.holders >= 0 && ours.holders <= goal.maxHolders(),
            ours.error);
      }
      String rawFigure = raw.error != null ? "; raw: failed"
          : String.format(Locale.ROOT, "; raw %.1f/s", raw.requestsPerSecond);
      double limit = p4RequestTargets.getOrDefault(store, -1.0);
      if (limit > 0) {
        report.verdict("P4", at + ": store requests <= " + Samples.ratio(limit).replace("x", "")
                + " per P per JVM at steady state",
            String.format(Locale.ROOT, "%.1f/s = %.1f per P%s%s", ours.requestsPerSecond,
                ours.requestsPerSecond * period, ours.steady ? "" : " (windows never agreed: "
                    + windows(ours) + ")", rawFigure),
            ours.error == null && ours.requestsPerSecond * period <= limit,
            ours.error != null ? ours.error : ours.steady ? null : "not steady");
      }
      if (!Double.isNaN(ours.followerRequestsPerSecond) || ours.followerRequests >= 0
          || (ours.error != null && ours.error.startsWith("followers"))) {
        double perLeader = ours.requestsPerSecond * period / ours.elections;
        report.verdict("P4", at + ": leaders one renewal each per P (<= 1 request per leader"
                + " per P, 5 % for the windows' edges)",
            String.format(Locale.ROOT, "%.1f/s = %.2f per leader per P%s",
                ours.requestsPerSecond, perLeader, rawFigure),
            ours.error == null && perLeader <= 1.05, ours.error);
        report.verdict("P4", at + ": followers 0 requests/s",
            String.format(Locale.ROOT, "%d requests in %.0f s (%.1f/s)%s", ours.followerRequests,
                ours.measuredSeconds, ours.followerRequestsPerSecond, raw.error != null ? ""
                    : String.format(Locale.ROOT, "; raw followers %.1f/s",
                        raw.followerRequestsPerSecond)),
            ours.error == null && ours.followerRequests == 0, ours.error);
      }
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
