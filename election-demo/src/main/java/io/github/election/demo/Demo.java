package io.github.election.demo;

import io.github.election.ElectionBackends;
import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.LeadershipState;
import io.github.election.spi.ElectionBackend;
import io.github.election.tck.InMemoryElectionStore;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Three candidates of one election in this process, their transitions printed as a timeline:
 * the leader resigns, the next one closes, the third crashes, and each handover is timed.
 *
 * <p>Runs on the in-memory store; {@code --backend URI} runs it against another store.
 */
public final class Demo {

  private static final Duration D = Duration.ofSeconds(3);
  private static final Duration R = Duration.ofSeconds(2);
  private static final Duration P = Duration.ofMillis(500);

  private final PrintStream out = System.out;
  private final long t0 = System.nanoTime();
  private final List<ElectionBackend> clients = new ArrayList<>();
  private final List<LeaderElection> candidates = new ArrayList<>();
  private final InMemoryElectionStore store = new InMemoryElectionStore();
  private final String backendUri;

  private Demo(String backendUri) {
    this.backendUri = backendUri;
  }

  /** Entry point: {@code [--backend URI]}. */
  public static void main(String[] args) throws InterruptedException {
    String backend = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--backend") && i + 1 < args.length) {
        backend = args[++i];
      } else if (args[i].equals("--help")) {
        System.out.println("usage: Demo [--backend URI]   (default: an in-memory store)");
        return;
      } else {
        System.err.println("unknown argument: " + args[i] + " (try --help)");
        System.exit(2);
      }
    }
    new Demo(backend).run();
  }

  private ElectionBackend client() {
    ElectionBackend c = backendUri == null ? store.connect() : ElectionBackends.open(backendUri);
    clients.add(c);
    return c;
  }

  private void run() throws InterruptedException {
    out.printf("election demo: 3 candidates, D=%ss R=%ss P=%sms, on %s%n%n", D.toSeconds(),
        R.toSeconds(), P.toMillis(), backendUri == null ? "an in-memory store" : backendUri);
    out.printf("%8s  %-6s %-9s %-7s %s%n", "t (ms)", "who", "state", "leader", "term");
    out.printf("%8s  (t: when the state began, on the monotonic clock; lines come as listeners hear of it)%n", "");
    try {
      for (String who : List.of("alpha", "beta", "gamma")) {
        LeaderElection e = LeaderElection.builder(client()).name("demo-election").identity(who)
            .leaseDuration(D).renewDeadline(R).retryPeriod(P).build();
        e.subscribe(this::print);
        candidates.add(e);
      }
      candidates.forEach(LeaderElection::start);

      LeaderElection first = awaitLeader(null, D.plus(P));
      note(first.identity() + " leads; it resigns");
      long t = System.nanoTime();
      first.resign();
      LeaderElection second = awaitLeader(first, D.plus(P));
      note(String.format("handover after resign: %.1f ms", millisSince(t, second)));

      note(second.identity() + " closes");
      t = System.nanoTime();
      second.close();
      gone.add(second);
      LeaderElection third = awaitLeader(second, D.plus(P));
      note(String.format("handover after close: %.1f ms", millisSince(t, third)));

      if (backendUri == null) {
        note(third.identity() + " crashes (its lease is left to run out)");
        t = System.nanoTime();
        store.crash(clients.get(candidates.indexOf(third)));
        gone.add(third);
        LeaderElection fourth = awaitLeader(third, D.plus(P).plus(P));
        note(String.format("failover after crash: %.1f ms (bound D + P = %d ms)",
            millisSince(t, fourth), D.plus(P).toMillis()));
      }
    } finally {
      candidates.forEach(LeaderElection::close);
      clients.forEach(ElectionBackend::close);
    }
    note("all closed");
  }

  /**
   * Waits until a candidate other than {@code except} leads and every other open candidate
   * follows it.
   */
  private LeaderElection awaitLeader(LeaderElection except, Duration atMost)
      throws InterruptedException {
    long end = System.nanoTime() + atMost.toNanos();
    while (System.nanoTime() < end) {
      LeaderElection leader = null;
      boolean settled = true;
      for (LeaderElection e : candidates) {
        if (e != except && e.isLeader()) {
          leader = e;
        }
      }
      for (LeaderElection e : candidates) {
        LeadershipEvent v = e.current();
        if (leader != null && e != leader && v.state() != LeadershipState.FOLLOWER
            && !closed(e)) {
          settled = false;
        }
        if (leader != null && e != leader && v.state() == LeadershipState.FOLLOWER
            && !v.leader().equals(Optional.of(leader.identity()))) {
          settled = false;
        }
      }
      if (leader != null && settled) {
        return leader;
      }
      candidates.get(0).await(v -> false, Duration.ofMillis(5)); // a short wait that needs no sleep
    }
    throw new IllegalStateException("no leader within " + atMost.toMillis() + " ms");
  }

  private final List<LeaderElection> gone = new ArrayList<>();

  private boolean closed(LeaderElection e) {
    return gone.contains(e);
  }

  private static double millisSince(long start, LeaderElection leader) {
    return (leader.current().sinceNanos() - start) / 1e6;
  }

  private synchronized void print(LeadershipEvent e) {
    out.printf("%8d  %-6s %-9s %-7s %s%n", TimeUnit.NANOSECONDS.toMillis(e.sinceNanos() - t0),
        e.identity(), e.state(), e.leader().orElse("-"),
        e.term() == LeadershipEvent.NO_TERM ? "-" : String.valueOf(e.term()));
  }

  private synchronized void note(String text) {
    out.printf("%8d  -- %s%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), text);
  }

}
