package io.github.election.benchmarks;

import io.github.election.LeaderElection;
import io.github.election.spi.ElectionBackend;
import java.util.ArrayList;
import java.util.List;

/** Many elections of one side in one JVM, for the scale runs (P4). */
public interface Fleet extends AutoCloseable {

  /**
   * How many of the fleet's candidates lead now; for a fleet of followers, how many follow the
   * leader of their election.
   */
  int leading();

  /**
   * What went wrong when not every candidate came to lead (such as the first error of a failed
   * campaign and how many failed), or null when the fleet knows of nothing.
   */
  default String problem() {
    return null;
  }

  /** Stops every candidate and client of the fleet. */
  @Override
  void close();

  /**
   * Our side: {@code n} elections named {@code prefix0 .. prefix(n-1)}, one candidate each, on
   * one backend, started now; closing the fleet closes them, then the backend.
   */
  static Fleet ofElections(ElectionBackend backend, String prefix, int n) {
    return ofElections(backend, prefix, n, "scale", LeaderElection::isLeader);
  }

  /**
   * Our side's followers: {@code n} more candidates, of identity {@code follower}, in the
   * elections {@code prefix0 .. prefix(n-1)} whose leader {@code leader} leads already (from
   * another JVM); {@link #leading()} counts those that follow it.
   */
  static Fleet ofFollowers(ElectionBackend backend, String prefix, int n, String leader) {
    return ofElections(backend, prefix, n, "follower", e -> {
      var now = e.current();
      return now.state() == io.github.election.LeadershipState.FOLLOWER
          && now.leader().map(leader::equals).orElse(false);
    });
  }

  private static Fleet ofElections(ElectionBackend backend, String prefix, int n,
      String identity, java.util.function.Predicate<LeaderElection> ready) {
    List<LeaderElection> elections = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      LeaderElection e = LeaderElection.builder(backend).name(prefix + i).identity(identity)
          .build();
      elections.add(e);
      e.start();
    }
    return new Fleet() {
      @Override
      public int leading() {
        return (int) elections.stream().filter(ready).count();
      }

      /** Closes the elections 16 at a time (each waits for its release), then the backend. */
      @Override
      public void close() {
        java.util.concurrent.ExecutorService closers =
            java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
          elections.forEach(e -> closers.execute(e::close));
        } finally {
          closers.shutdown();
          try {
            closers.awaitTermination(2, java.util.concurrent.TimeUnit.MINUTES);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        backend.close();
      }
    };
  }
}
