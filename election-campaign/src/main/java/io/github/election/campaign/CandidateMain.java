package io.github.election.campaign;

import io.github.election.ElectionBackends;
import io.github.election.LeaderElection;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.SettingValues;
import io.github.election.testing.StoreHarness;
import io.github.election.testing.Timings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One candidate of a campaign, as a child JVM: joins one election through {@link
 * ElectionBackends#open(String)}, prints one JSON line per transition, notification and leader
 * work run on standard output (see {@link Probe}), and obeys commands read from standard input,
 * one per line: {@code resign}, {@code expire} (asks the store to end this candidate's session),
 * {@code close}. Each command is answered by an {@code ack} line once done. When standard input
 * ends (the campaign died), the process halts at once.
 *
 * <pre>
 * java -cp ... io.github.election.campaign.CandidateMain --who c1#1 --identity c1 \
 *     --uri zookeeper://127.0.0.1:4001/campaign?sessionTimeout=3s --election e \
 *     --lease 3s --renew 2s --retry 300ms [--direct 127.0.0.1:2181]
 * </pre>
 *
 * <p>Not a library entry point: the campaign runner starts it.
 */
public final class CandidateMain {

  static {
    Logs.configure();
  }

  private static final Logger log = LoggerFactory.getLogger(CandidateMain.class);
  private static final Entry END = Entry.at(0, "end", "end").build();

  private final Map<String, String> args;
  private final String who;
  private final BlockingQueue<Entry> out = new LinkedBlockingQueue<>();
  private final PrintStream stdout;
  private final Thread writer;
  private ElectionBackend backend;
  private Probe probe;

  private CandidateMain(Map<String, String> args, PrintStream stdout) {
    this.args = args;
    this.who = required("who");
    this.stdout = stdout;
    this.writer = new Thread(this::write, "campaign-out");
  }

  /**
   * Runs the candidate until {@code close} or the end of standard input.
   *
   * @param argv {@code --name value} pairs, as in the class comment
   */
  public static void main(String[] argv) {
    Map<String, String> args = new HashMap<>();
    for (int i = 0; i + 1 < argv.length; i += 2) {
      if (!argv[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --name value, got '" + argv[i] + "'");
      }
      args.put(argv[i].substring(2), argv[i + 1]);
    }
    PrintStream stdout = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out),
        false, StandardCharsets.UTF_8);
    new CandidateMain(args, stdout).run();
  }

  private String required(String name) {
    String v = args.get(name);
    if (v == null) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return v;
  }

  private Duration duration(String name) {
    return SettingValues.parseDuration(required(name), name);
  }

  private void run() {
    writer.setDaemon(true);
    writer.start();
    Timings timings = new Timings(duration("lease"), duration("renew"), duration("retry"),
        Duration.ofMillis(500));
    backend = ElectionBackends.open(required("uri"));
    probe = new Probe(who, out::add);
    LeaderElection election = probe.build(backend, required("election"), required("identity"),
        timings, Integer.parseInt(args.getOrDefault("priority", "0")),
        args.containsKey("preempt-after") ? duration("preempt-after") : null);
    probe.start();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
        StandardCharsets.UTF_8));
    try {
      for (String line; (line = in.readLine()) != null; ) {
        String cmd = line.trim();
        if (cmd.isEmpty()) {
          continue;
        }
        String result = obey(cmd, election);
        out.add(Entry.at(System.nanoTime(), who, "ack").put("cmd", cmd).put("result", result)
            .build());
        if (cmd.equals("close")) {
          out.add(END);
          writer.join(10_000);
          System.exit(0);
        }
      }
    } catch (IOException e) {
      log.warn("{}: standard input failed: {}", who, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // the campaign is gone: no cleanup, as a crash
    Runtime.getRuntime().halt(3);
  }

  private String obey(String cmd, LeaderElection election) {
    try {
      if (cmd.startsWith("resign-to ")) {
        election.resign(cmd.substring("resign-to ".length()));
        return "ok";
      }
      switch (cmd) {
        case "resign":
          election.resign();
          return "ok";
        case "expire":
          expire();
          return "ok";
        case "close":
          election.close();
          backend.close();
          return "ok";
        default:
          return "unknown command";
      }
    } catch (RuntimeException e) {
      log.warn("{}: {} failed", who, cmd, e);
      return "failed: " + e;
    }
  }

  /**
   * Asks the store to end this candidate's session or lease, through the store harness of the
   * backend's scheme and the store's own address ({@code --direct}).
   */
  private void expire() {
    StoreHarness.provider(backend.name()).expire(backend, required("direct"));
  }

  private void write() {
    try {
      for (;;) {
        Entry e = out.take();
        if (e == END) {
          stdout.flush();
          return;
        }
        stdout.println(e.toJson());
        if (out.isEmpty()) {
          stdout.flush();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
