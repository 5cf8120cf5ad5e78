package io.github.election.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * P4, scale: {@code n} elections (one candidate each) of one side in a JVM of their own
 * ({@link ScaleChild}), on one client, with the library's default timings (D 15 s, R 10 s, P
 * 2 s). Where the store's scale run has followers ({@link BenchStore.Scale#followers()}), a
 * second JVM then starts one more candidate per election, on a client of its own, once the first
 * JVM's all lead, so that the leaders' and the followers' requests are counted apart.
 *
 * <p>Steady state: once every election has a leader (and every follower has seen it), a warm-up
 * passes, then the store's request counter is read over windows of equal length until the rates
 * of two consecutive windows agree (within 10 % or 0.5 requests/s), at most {@code maxWindows}
 * windows; the figure is the rate over those two windows. Then the store is asked which sessions
 * or leases hold the candidates, and the child reports its live threads and its heap after a full
 * GC. Ours and raw run one after the other (a child each) on the same store.
 */
final class ScaleBench {

  /** What one child found. */
  static final class Result {
    final Map<String, Object> json = new LinkedHashMap<>();
    int elections;
    int threads = -1;
    int jvmThreads = -1;
    long heap = -1;
    double requestsPerSecond = Double.NaN;
    double writesPerSecond = Double.NaN; // fsyncs (ZooKeeper), raft proposals (etcd)
    /** The followers' requests per second (a JVM of their own), NaN without followers. */
    double followerRequestsPerSecond = Double.NaN;
    /** The followers' requests counted over the measured windows, -1 without followers. */
    long followerRequests = -1;
    /** Whether two consecutive windows agreed. */
    boolean steady;
    /** The rates of every window, in order. */
    final List<Double> windowRates = new ArrayList<>();
    double measuredSeconds;
    int holders = -1; // sessions (ZooKeeper), leases (etcd), held Leases (Kubernetes)
    int records = -1; // candidate nodes / keys / Leases in the store
    long readyMillis = -1;
    long followersReadyMillis = -1;
    String error;
  }

  /** Agreement of two consecutive windows' rates: within this fraction ... */
  static final double AGREE_FRACTION = 0.10;
  /** ... or within this many requests per second (rates near 0: a ping more or less). */
  static final double AGREE_ABSOLUTE = 0.5;

  private final Path logs;
  private final long warmMillis;
  private final long windowMillis;
  private final int maxWindows;

  ScaleBench(Path logs, long warmMillis, long windowMillis, int maxWindows) {
    this.logs = logs;
    this.warmMillis = warmMillis;
    this.windowMillis = windowMillis;
    this.maxWindows = maxWindows;
  }

  /** One child JVM and the lines it printed. */
  private final class Child implements AutoCloseable {
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final Writer out;
    final Path log;
    double closeSeconds = -1;

    Child(String store, String side, String target, int n, int readySeconds) {
      String name = "scale-" + store + "-" + side + "-" + n;
      this.log = logs.resolve(name + ".stderr.log");
      List<String> cmd = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"),
          "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
          // its own log file beside the harness's (bench-<name>.log)
          "-Dbench.logs=" + logs, "-Dbench.log.name=" + name,
          ScaleChild.class.getName(), store, side, target, Integer.toString(n),
          Integer.toString(readySeconds)));
      try {
        process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.to(log.toFile()))
            .start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start a child JVM", e);
      }
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
            process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.startsWith("PROGRESS ")) {
              String[] f = line.split(" ");
              Bench.progress("P4 %s %s: %s of %d leading after %s s", store, side, f[1], n,
                  f[2]);
            } else {
              lines.offer(line);
            }
          }
        } catch (IOException e) {
          // the child ended
        }
      }, "bench-child-reader");
      reader.setDaemon(true);
      reader.start();
      out = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /** Waits for READY; null when ready, else what happened. */
    String awaitReady(int seconds, long[] readyMillis) {
      String ready = next(seconds, "READY");
      if (ready != null && ready.startsWith("READY")) {
        readyMillis[0] = Long.parseLong(ready.split(" ")[2]);
        return null;
      }
      if (ready == null) {
        return "no answer from the child within " + seconds + " s" + lastLogLine();
      }
      if (ready.startsWith("FAILED")) {
        return "could not start: " + ready.substring(6).trim();
      }
      // NOTREADY leading millis [problem]
      String[] f = ready.split(" ", 4);
      return String.format(Locale.ROOT, "%s leading (or following) when it gave up after %.0f s%s",
          f[1],
          Long.parseLong(f[2]) / 1000.0, f.length > 3 ? ": " + f[3] : "");
    }

    private String lastLogLine() {
      try {
        List<String> all = java.nio.file.Files.readAllLines(log);
        for (int i = all.size() - 1; i >= 0; i--) {
          if (!all.get(i).isBlank()) {
            return "; last log line: " + all.get(i).trim();
          }
        }
      } catch (IOException e) {
        // no log
      }
      return " (see " + log + ")";
    }

    /**
     * The next line starting with the word (or NOT and the word, or FAILED), waiting up to
     * {@code seconds}; null when none came or the child ended without one.
     */
    String next(int seconds, String word) {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      try {
        for (;;) {
          long left = end - System.nanoTime();
          if (left <= 0) {
            return null;
          }
          String line = lines.poll(Math.min(left, TimeUnit.SECONDS.toNanos(1)),
              TimeUnit.NANOSECONDS);
          if (line == null) {
            if (!process.isAlive() && lines.isEmpty()) {
              process.waitFor(1, TimeUnit.SECONDS); // the reader may still hold the last lines
              line = lines.poll();
              if (line == null) {
                return null;
              }
            } else {
              continue;
            }
          }
          if (line.startsWith(word) || line.startsWith("NOT" + word)
              || line.startsWith("FAILED")) {
            return line;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }

    void send(String line) {
      try {
        out.write(line + "\n");
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("the child JVM is gone", e);
      }
    }

    /** Whether the fleet came to lead: a fleet that did not gets 20 s to close, not 120. */
    boolean led;

    @Override
    public void close() {
      long t0 = System.nanoTime();
      String closed = null;
      int wait = led ? 120 : 20;
      try {
        send("CLOSE");
        closed = next(wait, "CLOSED");
      } catch (UncheckedIOException e) {
        // gone already
      }
      if (closed == null) {
        Bench.progress("a scale child did not close within %d s; stopping it (see %s)", wait,
            log);
      } else {
        closeSeconds = (System.nanoTime() - t0) / 1e9;
      }
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }

  /**
   * Runs one side's fleet of {@code n} elections in a child JVM, with the store's probes; waits
   * up to {@code readySeconds} for all to lead (the child gives up sooner when no more lead at
   * once than ever did for {@value ScaleChild#STALL_SECONDS} s).
   */
  Result run(String store, String side, BenchStore.Scale scale, int n, int readySeconds) {
    Result r = new Result();
    r.elections = n;
    Child leaders = new Child(store, side, scale.target(), n, readySeconds);
    try {
      long[] ready = {-1};
      r.error = leaders.awaitReady(readySeconds + 60, ready);
      r.readyMillis = ready[0];
      if (r.error != null) {
        return r;
      }
      leaders.led = true;
      BenchStore.Scale followerScale = scale.followers();
      Child followers = null;
      try {
        if (followerScale != null) {
          followers = new Child(store, side + ".followers", followerScale.target(), n,
              readySeconds);
          r.error = followers.awaitReady(readySeconds + 60, ready);
          r.followersReadyMillis = ready[0];
          followers.led = r.error == null;
          if (r.error != null) {
            r.error = "followers: " + r.error;
            return r;
          }
        }
        Bench.progress("P4 %s %s: all %s after %.1f s; warm-up, then windows of %d s",
            store, side, followerScale == null ? "lead" : "lead and follow",
            (followerScale == null ? r.readyMillis : r.followersReadyMillis) / 1000.0,
            windowMillis / 1000);
        measure(r, scale, followerScale);
        long asked = System.nanoTime();
        r.holders = scale.holders();
        r.records = scale.records();
        r.json.put("storeAskedSeconds", (System.nanoTime() - asked) / 1e9);
        leaders.send("REPORT");
        String result = leaders.next(60, "RESULT");
        if (result == null) {
          r.error = "no report from the child (see " + leaders.log + ")";
          return r;
        }
        parse(r, result);
      } finally {
        if (followers != null) {
          followers.close();
        }
      }
    } finally {
      leaders.close();
      r.json.put("closeSeconds", leaders.closeSeconds);
    }
    return r;
  }

  /** The warm-up, then windows until two consecutive ones agree. */
  private void measure(Result r, BenchStore.Scale scale, BenchStore.Scale followers) {
    Background.sleep(warmMillis);
    List<long[]> marks = new ArrayList<>(); // {nanoTime, requests, writes, follower requests}
    marks.add(mark(scale, followers));
    int agreedAt = -1;
    for (int w = 1; w <= maxWindows; w++) {
      Background.sleep(windowMillis);
      marks.add(mark(scale, followers));
      r.windowRates.add(rate(marks.get(w - 1), marks.get(w), 1));
      if (w >= 2) {
        double a = r.windowRates.get(w - 2);
        double b = r.windowRates.get(w - 1);
        if (Math.abs(a - b) <= Math.max(AGREE_FRACTION * Math.max(a, b), AGREE_ABSOLUTE)) {
          agreedAt = w;
          break;
        }
      }
    }
    r.steady = agreedAt > 0;
    int last = marks.size() - 1;
    long[] from = marks.get(Math.max(0, last - 2));
    long[] to = marks.get(last);
    r.measuredSeconds = (to[0] - from[0]) / 1e9;
    r.requestsPerSecond = rate(from, to, 1);
    if (from[2] >= 0 && to[2] >= 0) {
      r.writesPerSecond = rate(from, to, 2);
    }
    if (followers != null) {
      r.followerRequests = to[3] - from[3];
      r.followerRequestsPerSecond = rate(from, to, 3);
    }
    r.json.put("windowSeconds", windowMillis / 1000.0);
    r.json.put("windowRequestsPerSecond", r.windowRates);
    r.json.put("steady", r.steady);
    r.json.put("measuredSeconds", r.measuredSeconds);
  }

  private static long[] mark(BenchStore.Scale scale, BenchStore.Scale followers) {
    long w = scale.writes();
    long c = scale.requests();
    long f = followers == null ? 0 : followers.requests();
    return new long[] {System.nanoTime(), c, w, f};
  }

  private static double rate(long[] from, long[] to, int k) {
    return (to[k] - from[k]) / ((to[0] - from[0]) / 1e9);
  }

  private static void parse(Result r, String result) {
    String body = result.substring("RESULT ".length());
    int namesAt = body.indexOf(" names=");
    String threadNames = namesAt < 0 ? "" : body.substring(namesAt + 1);
    body = namesAt < 0 ? body : body.substring(0, namesAt) + " " + threadNames.replace(' ', '_');
    for (String kv : body.split(" ")) {
      String[] parts = kv.split("=", 2);
      switch (parts[0]) {
        case "threads" -> r.threads = Integer.parseInt(parts[1]);
        case "jvmThreads" -> r.jvmThreads = Integer.parseInt(parts[1]);
        case "heap" -> r.heap = Long.parseLong(parts[1]);
        case "leading" -> r.json.put("leadingAtReport", Integer.parseInt(parts[1]));
        case "names" -> {
          Map<String, Integer> names = new LinkedHashMap<>();
          for (String g : parts[1].split(";")) {
            if (!g.isEmpty()) {
              int eq = g.lastIndexOf('=');
              names.put(g.substring(0, eq), Integer.parseInt(g.substring(eq + 1)));
            }
          }
          r.json.put("threadNames", names);
        }
        default -> { }
      }
    }
  }
}
