package io.github.election.cli;

import io.github.election.ElectionBackends;
import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.LeadershipState;
import io.github.election.memory.InMemoryElectionStore;
import io.github.election.spi.ElectionBackend;
import io.github.election.testing.TcpProxy;
import io.github.election.zookeeper.testing.EmbeddedZooKeeper;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code elect demo}: three candidates on an embedded ZooKeeper, a live timeline, a crash of the
 * leader and a resignation, with the measured failover and handover times.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Starts ZooKeeper in this process (nothing to install), runs three "
        + "candidates, prints each one's state, leader and term as they change, crashes the "
        + "leader, makes the next one resign, prints the measured failover and handover "
        + "times, and ends.",
        "With --backend URI (or --backend-file PATH) it runs against another store (the "
            + "crash then needs an in-process store: memory://NAME; other stores skip it). The "
            + "environment variable " + BackendOptions.ENVIRONMENT + " does not apply to the "
            + "demo: without an option it always runs on its own ZooKeeper."})
final class DemoCommand implements Callable<Integer> {

  static final Duration D = Duration.ofSeconds(3);
  static final Duration R = Duration.ofSeconds(2);
  static final Duration P = Duration.ofMillis(500);

  @Spec
  CommandSpec spec;

  @Mixin
  BackendOptions backendOptions;

  /** The store given, or null for the embedded ZooKeeper. */
  private URI backend;

  private PrintWriter out;
  private final long t0 = System.nanoTime();
  private final List<Candidate> candidates = new ArrayList<>();

  /** One demo candidate: its client, the proxy it talks through (embedded store only), its election. */
  private static final class Candidate {
    final String name;
    final ElectionBackend client;
    final TcpProxy proxy;
    LeaderElection election;
    boolean gone;

    Candidate(String name, ElectionBackend client, TcpProxy proxy) {
      this.name = name;
      this.client = client;
      this.proxy = proxy;
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    out = spec.commandLine().getOut();
    backend = backendOptions.given(false).orElse(null); // ELECT_BACKEND does not apply: see the description
    EmbeddedZooKeeper zk = null;
    try {
      if (backend == null) {
        out.println("starting ZooKeeper in this process ...");
        zk = EmbeddedZooKeeper.start();
      }
      String where = zk != null ? "embedded ZooKeeper at " + zk.connectString() : ElectionBackends.redact(backend);
      out.printf("election demo: 3 candidates on %s; D=%ds R=%ds P=%dms%n%n", where,
          D.toSeconds(), R.toSeconds(), P.toMillis());
      out.printf("%8s  %-6s %-9s %-7s %s%n", "t (ms)", "who", "state", "leader", "term");
      for (String name : List.of("alpha", "beta", "gamma")) {
        candidates.add(candidate(name, zk));
      }
      candidates.forEach(c -> c.election.start());

      Candidate first = awaitLeader(null);
      boolean crashable = first.proxy != null || backend.getScheme().equals("memory");
      if (crashable) {
        note(first.name + " leads; its process crashes (no clean-up: its session must run out)");
      }
      long t = System.nanoTime();
      boolean crashed = crashable && crash(first);
      double failover = Double.NaN;
      Candidate second;
      if (crashed) {
        second = awaitLeader(first);
        failover = millis(t, second);
        note(String.format("failover after the crash: %.0f ms (D + P = %d ms)", failover,
            D.plus(P).toMillis()));
      } else {
        note(first.name + " leads; this store cannot be crashed from here, so it resigns instead");
        first.election.resign();
        second = awaitLeader(first);
      }
      note(second.name + " resigns");
      t = System.nanoTime();
      second.election.resign();
      Candidate third = awaitLeader(second);
      double handover = millis(t, third);
      note(String.format("handover after resign: %.1f ms", handover));

      out.println();
      out.println("summary");
      if (crashed) {
        out.printf("  failover (leader crashed -> next LEADER):   %8.1f ms   bound D + P = %d ms%n",
            failover, D.plus(P).toMillis());
      }
      out.printf("  handover (leader resigned -> next LEADER):  %8.1f ms%n", handover);
      out.flush();
      return Elect.OK;
    } finally {
      for (Candidate c : candidates) {
        if (c.election != null) {
          c.election.close();
        }
        c.client.close();
        if (c.proxy != null) {
          c.proxy.close();
        }
      }
      if (zk != null) {
        zk.close();
      }
      note("all closed");
    }
  }

  private Candidate candidate(String name, EmbeddedZooKeeper zk) {
    Candidate c;
    if (zk != null) {
      TcpProxy proxy = new TcpProxy("127.0.0.1", zk.port());
      c = new Candidate(name, ElectionBackends.open("zookeeper://" + proxy.address()
          + "/elect-demo?sessionTimeout=" + D.toSeconds() + "s&acl=open"), proxy);
    } else {
      c = new Candidate(name, ElectionBackends.open(backend), null);
    }
    c.election = LeaderElection.builder(c.client).name("demo").identity(name)
        .leaseDuration(D).renewDeadline(R).retryPeriod(P).build();
    c.election.subscribe(this::print);
    return c;
  }

  /** Crashes a candidate's link to the store, if this store allows; returns whether it did. */
  private boolean crash(Candidate c) {
    if (c.proxy != null) {
      c.proxy.close(); // connection reset, reconnects refused: the session expires on the server
    } else if (backend.getScheme().equals("memory")) {
      InMemoryElectionStore.named(backend.getAuthority()).crash(c.client);
    } else {
      return false;
    }
    c.gone = true;
    return true;
  }

  /** Waits until a candidate other than {@code except} leads and the others follow it. */
  private Candidate awaitLeader(Candidate except) throws InterruptedException {
    Duration atMost = D.plus(P).multipliedBy(3);
    long end = System.nanoTime() + atMost.toNanos();
    while (System.nanoTime() < end) {
      Candidate leader = null;
      for (Candidate c : candidates) {
        if (c != except && !c.gone && c.election.isLeader()) {
          leader = c;
        }
      }
      if (leader != null && settled(leader)) {
        return leader;
      }
      candidates.get(0).election.await(v -> false, Duration.ofMillis(5)); // waits without sleep
    }
    throw new IllegalStateException("no leader within " + atMost.toMillis() + " ms");
  }

  private boolean settled(Candidate leader) {
    for (Candidate c : candidates) {
      if (c == leader || c.gone) {
        continue;
      }
      LeadershipEvent v = c.election.current();
      if (v.state() != LeadershipState.FOLLOWER
          || !v.leader().equals(Optional.of(leader.name))) {
        return false;
      }
    }
    return true;
  }

  private static double millis(long start, Candidate leader) {
    return (leader.election.current().sinceNanos() - start) / 1e6;
  }

  private synchronized void print(LeadershipEvent e) {
    out.printf("%8d  %-6s %-9s %-7s %s%n", TimeUnit.NANOSECONDS.toMillis(e.sinceNanos() - t0),
        e.identity(), e.state(), e.leader().orElse("-"),
        e.term() == LeadershipEvent.NO_TERM ? "-" : String.valueOf(e.term()));
    out.flush();
  }

  private synchronized void note(String text) {
    out.printf("%8d  -- %s%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), text);
    out.flush();
  }
}
