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
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * P4, scale: {@code n} elections (one candidate each) of one side in a JVM of their own
 * ({@link ScaleChild}), on one client, with the library's default timings (D 15 s, R 10 s, P
 * 2 s). Once all lead and a warm-up passed, the store's request counter is read over a window
 * (steady state), the store is asked which sessions or leases hold the candidates, and the child
 * reports its live threads and its heap after a full GC. Ours and raw run one after the other
 * (a child each) on the same store.
 */
final class ScaleBench {

  /** What one child found. */
  static final class Result {
    final Map<String, Object> json = new LinkedHashMap<>();
    int threads = -1;
    int jvmThreads = -1;
    long heap = -1;
    double requestsPerSecond = Double.NaN;
    double writesPerSecond = Double.NaN; // fsyncs (ZooKeeper), raft proposals (etcd)
    int holders = -1; // sessions (ZooKeeper), leases (etcd), held Leases (Kubernetes)
    int records = -1; // candidate nodes / keys / Leases in the store
    long readyMillis = -1;
    /** The rates of the scale's parts ({@link BenchStore.Scale#parts()}), for the table. */
    String parts = "";
    String error;
  }

  private final Path logs;
  private final long warmMillis;
  private final long windowMillis;

  ScaleBench(Path logs, long warmMillis, long windowMillis) {
    this.logs = logs;
    this.warmMillis = warmMillis;
    this.windowMillis = windowMillis;
  }

  /** Runs one side's fleet of {@code n} elections in a child JVM, with the store's probes. */
  Result run(String store, String side, BenchStore.Scale scale, int n) {
    String target = scale.target();
    Result r = new Result();
    Path log = logs.resolve("scale-" + store + "-" + side + ".log");
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
        ScaleChild.class.getName(), store, side, target, Integer.toString(n)));
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.to(log.toFile())).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start a child JVM", e);
    }
    BlockingQueue<String> lines = new ArrayBlockingQueue<>(64);
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.offer(line);
        }
      } catch (IOException e) {
        // the child ended
      }
    }, "bench-child-reader");
    reader.setDaemon(true);
    reader.start();
    Writer out = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
    try {
      String ready = next(lines, 300, "READY");
      if (ready == null || !ready.startsWith("READY")) {
        r.error = "child not ready: " + ready + " (see " + log + ")";
        return r;
      }
      r.readyMillis = Long.parseLong(ready.split(" ")[2]);
      Background.sleep(warmMillis);
      long w0 = scale.writes();
      Map<String, Long> p0 = scale.parts();
      long c0 = scale.requests();
      long t0 = System.nanoTime();
      Background.sleep(windowMillis);
      long c1 = scale.requests();
      long t1 = System.nanoTime();
      Map<String, Long> p1 = scale.parts();
      long w1 = scale.writes();
      r.requestsPerSecond = (c1 - c0) / ((t1 - t0) / 1e9);
      Map<String, Double> byPart = new LinkedHashMap<>();
      p1.forEach((k, v) -> byPart.put(k, (v - p0.getOrDefault(k, 0L)) / ((t1 - t0) / 1e9)));
      if (!byPart.isEmpty()) {
        r.json.put("requestsPerSecondBy", byPart);
        StringBuilder b = new StringBuilder();
        byPart.forEach((k, v) -> b.append(b.length() == 0 ? " (" : ", ").append(k).append(' ')
            .append(String.format(java.util.Locale.ROOT, "%.1f", v)));
        r.parts = b.append(')').toString();
      }
      if (w0 >= 0 && w1 >= 0) {
        r.writesPerSecond = (w1 - w0) / ((t1 - t0) / 1e9);
      }
      r.holders = scale.holders();
      r.records = scale.records();
      send(out, "REPORT");
      String result = next(lines, 60, "RESULT");
      if (result == null) {
        r.error = "no report from the child (see " + log + ")";
        return r;
      }
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
      send(out, "CLOSE");
      next(lines, 60, "CLOSED");
    } finally {
      try {
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
    return r;
  }

  private static void send(Writer out, String line) {
    try {
      out.write(line + "\n");
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("the child JVM is gone", e);
    }
  }

  /** The next line starting with one of the words, waiting up to {@code seconds}. */
  private static String next(BlockingQueue<String> lines, int seconds, String word) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    try {
      for (;;) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        String line = lines.poll(left, TimeUnit.NANOSECONDS);
        if (line == null) {
          return null;
        }
        if (line.startsWith(word) || line.startsWith("NOT" + word)) {
          return line;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
