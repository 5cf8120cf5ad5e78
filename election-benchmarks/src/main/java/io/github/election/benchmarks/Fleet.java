package io.github.election.benchmarks;

import io.github.election.LeaderElection;
import io.github.election.spi.ElectionBackend;
import java.util.ArrayList;
import java.util.List;

/** Many elections of one side in one JVM, for the scale runs (P4). */
public interface Fleet extends AutoCloseable {

  /** How many of the fleet's candidates lead now. */
  int leading();

  /** Stops every candidate and client of the fleet. */
  @Override
  void close();

  /**
   * Our side: {@code n} elections named {@code prefix0 .. prefix(n-1)}, one candidate each, on
   * one backend, started now; closing the fleet closes them, then the backend.
   */
  static Fleet ofElections(ElectionBackend backend, String prefix, int n) {
    List<LeaderElection> elections = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      LeaderElection e = LeaderElection.builder(backend).name(prefix + i).identity("scale")
          .build();
      elections.add(e);
      e.start();
    }
    return new Fleet() {
      @Override
      public int leading() {
        return (int) elections.stream().filter(LeaderElection::isLeader).count();
      }

      @Override
      public void close() {
        elections.forEach(LeaderElection::close);
        backend.close();
      }
    };
  }
}
