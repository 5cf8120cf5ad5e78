package io.github.election.examples.plain;

import io.github.election.ElectionBackends;
import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.spi.ElectionBackend;
import io.github.election.zookeeper.testing.EmbeddedZooKeeper;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Three candidates of one election, each on a client of its own as three replicas would be:
 * one leads and works, resigns, the next takes over, its process ends (close), the third takes
 * over. Without an argument it starts ZooKeeper in this process; with one, it uses that store
 * ({@code zookeeper://host:2181/elections}, {@code etcd://...}, {@code memory://demo}).
 *
 * <pre>
 * examples/run.sh plain                          # ZooKeeper in the process
 * examples/run.sh plain zookeeper://127.0.0.1:2181/elections
 * </pre>
 */
public final class PlainJavaExample {

  private PlainJavaExample() {
  }

  /** Runs the example; the argument, if any, is the store's URI. */
  public static void main(String[] args) throws InterruptedException {
    if (args.length > 0) {
      run(args[0], System.out);
      return;
    }
    try (EmbeddedZooKeeper zookeeper = EmbeddedZooKeeper.start()) {
      run(zookeeper.uri("/examples").toString(), System.out);
    }
  }

  /**
   * The example on the store of {@code uri}, telling what happens on {@code out}.
   *
   * @return the identities that led, in order
   */
  public static List<String> run(String uri, PrintStream out) throws InterruptedException {
    List<ElectionBackend> clients = new ArrayList<>();
    List<LeaderElection> candidates = new ArrayList<>();
    List<String> leaders = new ArrayList<>();
    BlockingQueue<String> working = new LinkedBlockingQueue<>(); // who started working, in order
    try {
      for (String name : List.of("alpha", "beta", "gamma")) {
        ElectionBackend client = ElectionBackends.open(uri); // one client each: three replicas
        clients.add(client);
        LeaderElection candidate = LeaderElection.builder(client)
            .name("nightly-report")
            .identity(name)
            .whileLeader(term -> {
              out.println(name + ": leading with term " + term + ", working");
              working.add(name);
              Thread.sleep(Long.MAX_VALUE); // the work: interrupted when leadership ends
            })
            .build();
        candidate.subscribe(e -> out.println(name + ": " + e.state()
            + e.leader().map(l -> " (leader " + l + ")").orElse("")
            + (e.term() == LeadershipEvent.NO_TERM ? "" : " term " + e.term())));
        candidates.add(candidate);
        candidate.start();
      }
      for (int round = 0; round < 3; round++) {
        String name = working.poll(30, TimeUnit.SECONDS);
        if (name == null) {
          throw new IllegalStateException("nobody led within 30s");
        }
        LeaderElection leader = candidates.stream().filter(c -> c.identity().equals(name))
            .findFirst().orElseThrow();
        leaders.add(name);
        if (round == 0) {
          out.println(leader.identity() + ": resigning");
          leader.resign();
        } else if (round == 1) {
          out.println(leader.identity() + ": closing (the process ends)");
          leader.close();
          candidates.remove(leader);
        }
      }
      out.println("leaders in turn: " + leaders);
      return leaders;
    } finally {
      candidates.forEach(LeaderElection::close);
      clients.forEach(ElectionBackend::close);
    }
  }
}
