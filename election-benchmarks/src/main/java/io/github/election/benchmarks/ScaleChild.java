package io.github.election.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The JVM of one scale run (P4): starts a fleet of elections of one side on one store, says
 * {@code READY} once every one of them leads, and on {@code REPORT} (a line on standard input)
 * prints its live threads and its heap after a full GC; on {@code CLOSE} it closes the fleet and
 * exits. Nothing else runs in this JVM, so every thread and every byte it reports belongs to the
 * fleet, its client and the JVM itself.
 *
 * <p>Arguments: {@code store side target n [readySeconds]}, where side is {@code ours} or {@code
 * raw} (with {@code .followers} for a fleet of followers, which is ready once every one of them
 * follows the leader of the fleet started before) and target is the connect string (ZooKeeper),
 * the endpoint (etcd) or the port of the mock API server's front end (Kubernetes). It prints
 * {@code PROGRESS leading seconds} every 10 s while it waits; it gives up waiting after
 * readySeconds (240 by default), or after 30 s in which no more came to lead, and then says
 * {@code NOTREADY leading millis [what went wrong]}; {@code FAILED what} when the fleet could not
 * be started at all.
 */
public final class ScaleChild {

  /** How long the child waits for one more candidate to lead than ever did, before it gives up. */
  static final int STALL_SECONDS = 45;

  private ScaleChild() {
  }

  private static String oneLine(Throwable e) {
    StringBuilder b = new StringBuilder(e.toString());
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      b.append("; caused by ").append(c);
    }
    return b.toString().replace('\n', ' ');
  }

  /**
   * Writes the heap's class histogram after a full GC (the top 40 lines of jcmd's {@code
   * GC.class_histogram}) to {@code <bench.logs>/scale-<store>-<side>-<n>.histogram.txt}: what
   * the bytes per election are made of.
   */
  private static void histogram(String store, String side, int n) {
    try {
      Object out = ManagementFactory.getPlatformMBeanServer().invoke(
          new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
          "gcClassHistogram", new Object[] {new String[0]},
          new String[] {String[].class.getName()});
      String[] lines = String.valueOf(out).split("\n");
      StringBuilder top = new StringBuilder();
      for (int i = 0; i < Math.min(lines.length, 43); i++) {
        top.append(lines[i]).append('\n');
      }
      top.append(lines[lines.length - 1]).append('\n');
      java.nio.file.Path dir = java.nio.file.Path.of(System.getProperty("bench.logs",
          "target/bench-logs"));
      java.nio.file.Files.writeString(dir.resolve("scale-" + store + "-" + side + "-" + n
          + ".histogram.txt"), top.toString());
    } catch (Exception e) {
      System.err.println("no class histogram: " + e);
    }
  }

  public static void main(String[] args) throws Exception {
    Bench.configureLogging();
    String store = args[0];
    String side = args[1];
    String target = args[2];
    int n = Integer.parseInt(args[3]);
    int readySeconds = args.length > 4 ? Integer.parseInt(args[4]) : 240;
    int jvmThreads = ManagementFactory.getThreadMXBean().getThreadCount();
    long started = System.nanoTime();
    Fleet fleet;
    try {
      fleet = BenchStore.provider(store).fleet(side, target, n);
    } catch (RuntimeException | Error e) {
      e.printStackTrace();
      System.out.println("FAILED " + oneLine(e));
      System.out.flush();
      System.exit(1);
      return;
    }
    long end = started + TimeUnit.SECONDS.toNanos(readySeconds);
    long stallNanos = TimeUnit.SECONDS.toNanos(STALL_SECONDS);
    long lastGain = System.nanoTime();
    long nextProgress = started + TimeUnit.SECONDS.toNanos(10);
    int leading = fleet.leading();
    int most = leading;
    while (leading < n && System.nanoTime() - end < 0 && System.nanoTime() - lastGain < stallNanos) {
      Thread.sleep(20);
      leading = fleet.leading();
      if (leading > most) {
        most = leading;
        lastGain = System.nanoTime();
      }
      if (System.nanoTime() - nextProgress >= 0) {
        nextProgress += TimeUnit.SECONDS.toNanos(10);
        System.out.println("PROGRESS " + leading + " "
            + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
        System.out.flush();
      }
    }
    String problem = leading == n ? null : fleet.problem();
    if (leading < n) {
      problem = "at most " + most + " at once" + (problem == null ? "" : "; " + problem);
    }
    System.out.println((leading == n ? "READY " : "NOTREADY ") + leading + " "
        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
        + (problem == null ? "" : " " + problem.replace('\n', ' ')));
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.equals("REPORT")) {
        for (int i = 0; i < 3; i++) {
          System.gc();
          Thread.sleep(100);
        }
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long heap = memory.getHeapMemoryUsage().getUsed();
        histogram(store, side, n);
        Map<String, Integer> names = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
          names.merge(t.getName().replaceAll("\\d+", "#"), 1, Integer::sum);
        }
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        StringBuilder groups = new StringBuilder();
        names.forEach((k, v) -> groups.append(k.replace(';', '_').replace('=', '_')).append('=')
            .append(v).append(';'));
        System.out.println("RESULT threads=" + threads + " jvmThreads=" + jvmThreads + " heap="
            + heap + " leading=" + fleet.leading() + " names=" + groups);
        System.out.flush();
      } else if (line.equals("CLOSE")) {
        long closing = System.nanoTime();
        try {
          fleet.close();
        } finally {
          System.out.println("CLOSED " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing));
          System.out.flush();
          System.exit(0);
        }
      }
    }
    System.exit(0);
  }
}
