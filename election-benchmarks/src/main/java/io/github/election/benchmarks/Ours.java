package io.github.election.benchmarks;

import io.github.election.LeaderElection;
import io.github.election.LeadershipState;
import io.github.election.spi.ElectionBackend;
import io.github.election.testing.Timings;
import java.util.function.LongConsumer;

/** Our side of a benchmark: one {@link LeaderElection} per candidacy, on a backend. */
public final class Ours {

  private Ours() {
  }

  /** Builds and starts a candidate; its listener reports LEADER notifications to onLeader. */
  public static BenchStore.Candidate join(ElectionBackend backend, Timings timings,
      String election, String identity, LongConsumer onLeader) {
    LeaderElection e = timings.applyTo(LeaderElection.builder(backend)).name(election)
        .identity(identity).build();
    e.subscribe(ev -> {
      if (ev.isLeader()) {
        onLeader.accept(System.nanoTime());
      }
    });
    e.start();
    return new Candidate(e);
  }

  /** A candidacy of ours. */
  static final class Candidate implements BenchStore.Candidate {
    final LeaderElection election;

    Candidate(LeaderElection election) {
      this.election = election;
    }

    @Override
    public String identity() {
      return election.identity();
    }

    @Override
    public boolean isLeader() {
      return election.isLeader();
    }

    @Override
    public boolean follows(String leader) {
      var e = election.current();
      return e.state() == LeadershipState.FOLLOWER && e.leader().map(leader::equals).orElse(false);
    }

    @Override
    public void giveUp() {
      election.resign();
    }

    @Override
    public void giveUpTo(String successor) {
      election.resign(successor);
    }

    @Override
    public void close() {
      election.close();
    }
  }
}
