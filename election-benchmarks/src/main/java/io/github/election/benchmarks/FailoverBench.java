package io.github.election.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * P2, crash failover: the leader's client dies without any cleanup (its TCP proxy is cut, then
 * closed: nothing more reaches the store, nothing is released, its session or lease must run
 * out), and the time until another candidate's client tells its user it leads is measured.
 *
 * <p>Runs in batches: each batch starts {@code perBatch} elections of ours and as many of the raw
 * client side by side (three candidates each, every candidate on a client of its own behind its
 * own proxy), lets them settle for a random 200-700 ms (a random phase against the keep-alive
 * and renewal schedules, as a real crash has), then crashes every leader, in shuffled order.
 */
final class FailoverBench {

  /** One election of one side, with its three proxied clients. */
  static final class Group {
    final BenchStore.Side side;
    final String election;
    final BenchStore.Client[] clients = new BenchStore.Client[3];
    final BenchStore.Candidate[] joined = new BenchStore.Candidate[3];
    final Samples samples;
    volatile HandoverBench.Run run;
    int leaderSlot = -1;

    Group(BenchStore.Side side, String election, Samples samples) {
      this.side = side;
      this.election = election;
      this.samples = samples;
    }

    void open() {
      for (int i = 0; i < 3; i++) {
        clients[i] = side.newClient(true);
      }
      for (int i = 0; i < 3; i++) {
        int slot = i;
        joined[i] = clients[i].join(election, "c" + i, t -> notified(slot, t));
      }
    }

    private void notified(int slot, long at) {
      HandoverBench.Run r = run;
      if (r != null && slot != r.leaderSlot && at - r.t0 >= 0 && r.at.compareAndSet(0, at)) {
        r.winner = slot;
        r.done.countDown();
      }
    }

    /** One leader, and the store holds all three candidacies (or they all follow it). */
    boolean ready() {
      int leader = -1;
      for (int s = 0; s < 3; s++) {
        if (joined[s].isLeader()) {
          if (leader >= 0) {
            return false;
          }
          leader = s;
        }
      }
      if (leader < 0) {
        return false;
      }
      int enrolled = side.enrolled(election);
      if (enrolled >= 0 && enrolled != 3) {
        return false;
      }
      for (int s = 0; s < 3; s++) {
        if (s != leader && enrolled < 0 && !joined[s].follows(joined[leader].identity())) {
          return false;
        }
      }
      leaderSlot = leader;
      return true;
    }

    void crash() {
      run = new HandoverBench.Run(leaderSlot, System.nanoTime());
      clients[leaderSlot].crash();
    }

    void await(Duration max) {
      HandoverBench.Run r = run;
      try {
        long left = r.t0 + max.toNanos() - System.nanoTime();
        if (r.done.await(Math.max(0, left), TimeUnit.NANOSECONDS)) {
          samples.add(r.at.get() - r.t0);
        } else {
          samples.fail();
          Bench.progress("P2 %s: no new leader within %s", side.label(), max);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void close() {
      for (int s = 0; s < 3; s++) {
        BenchStore.Candidate c = joined[s];
        BenchStore.Client client = clients[s];
        Background.close(() -> {
          if (c != null) {
            c.close();
          }
          if (client != null) {
            client.close();
          }
        });
      }
    }
  }

  private FailoverBench() {
  }

  /** Measures about {@code runs} crash failovers per side. Returns {ours, raw}. */
  static Samples[] measure(BenchStore store, int runs, int perBatch, long seed) {
    Samples ours = new Samples();
    Samples raw = new Samples();
    Random random = new Random(seed);
    Duration max = store.timings().electionBound().plusSeconds(5);
    int batches = (runs + perBatch - 1) / perBatch;
    for (int b = 0; b < batches; b++) {
      if (store.storePerRun() && b > 0) {
        store.renew();
      }
      List<Group> groups = new ArrayList<>();
      for (int k = 0; k < perBatch; k++) {
        groups.add(new Group(store.ours(), "f-" + b + "-" + k + "-o", ours));
        groups.add(new Group(store.raw(), "f-" + b + "-" + k + "-r", raw));
      }
      try {
        groups.forEach(Group::open);
        List<Group> ready = new ArrayList<>();
        for (Group g : groups) {
          if (HandoverBench.until(Duration.ofSeconds(30), g::ready)) {
            ready.add(g);
          } else {
            g.samples.fail();
            Bench.progress("P2 %s: election %s did not settle", g.side.label(), g.election);
          }
        }
        Background.sleep(200 + random.nextInt(500));
        Collections.shuffle(ready, random);
        for (Group g : ready) {
          g.crash();
        }
        for (Group g : ready) {
          g.await(max);
        }
      } finally {
        groups.forEach(Group::close);
      }
      Bench.progress("P2 %s: batch %d/%d, ours median %s, raw median %s", store.store(), b + 1,
          batches, Samples.ms(ours.median()), Samples.ms(raw.median()));
    }
    return new Samples[] {ours, raw};
  }
}
