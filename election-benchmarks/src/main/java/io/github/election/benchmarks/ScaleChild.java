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

  private ScaleChild() {
  }

  private static String oneLine(Throwable e) {
    StringBuilder b = new StringBuilder(e.toString());
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      b.append("; caused by ").append(c);
    }
    return b.toString().replace('\n', ' ');
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
    long stallNanos = TimeUnit.SECONDS.toNanos(30);
    long lastGain = System.nanoTime();
    long nextProgress = started + TimeUnit.SECONDS.toNanos(10);
    int leading = fleet.leading();
    while (leading < n && System.nanoTime() - end < 0 && System.nanoTime() - lastGain < stallNanos) {
      Thread.sleep(20);
      int now = fleet.leading();
      if (now > leading) {
        lastGain = System.nanoTime();
      }
      leading = now;
      if (System.nanoTime() - nextProgress >= 0) {
        nextProgress += TimeUnit.SECONDS.toNanos(10);
        System.out.println("PROGRESS " + leading + " "
            + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
        System.out.flush();
      }
    }
    String problem = leading == n ? null : fleet.problem();
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
