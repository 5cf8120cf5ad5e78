package io.github.election.benchmarks;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * P1, graceful handover: the leader gives up the way its client offers (ours: {@code resign()};
 * Curator: {@code LeaderLatch.close()}; jetcd: {@code Election.resign}; fabric8: cancelling the
 * elector, which releases the Lease), and the time until the next candidate's client tells its
 * user it leads is measured.
 *
 * <p>Each side has three clients (own connection each, straight to the store, no proxy). A run:
 * the leader leads alone; two new candidacies join on the other two clients; once the store
 * shows them (or, on Kubernetes, once they have seen the leader), either at once ("fresh") or
 * after 500 ms and a random part of up to 500 ms more ("settled": the random part puts the give-up
 * at a random phase of a client that polls, such as Spring Integration's follower, which tries
 * its lock every 100 ms; after a fixed 500 ms it would try again a few milliseconds after each
 * give-up), the leader gives up; then the old leader and the candidate that did
 * not win leave, and the winner leads alone for the next run. Ours and raw alternate run by run
 * (A/B, B/A, ...), so that the load of the machine falls on both alike. On a store with a round
 * trip probe ({@link BenchStore#roundTrip()}), plain round trips are timed after each run, under
 * the same load: the first on a connection idle since the previous run (as the statements of a
 * handover find theirs), then a few back to back.
 */
final class HandoverBench {

  static final long SETTLE_MILLIS = 500;
  /** The random part of the settle time: a random phase against the schedule of a polling client. */
  static final int SETTLE_JITTER_MILLIS = 500;
  /** Back-to-back round trips timed after each measured run, where the store has a probe. */
  static final int ROUND_TRIPS_PER_RUN = 5;

  /** One side's three clients and the run under way. */
  static final class Group {
    final BenchStore.Side side;
    final String election;
    final BenchStore.Client[] clients = new BenchStore.Client[3];
    final BenchStore.Candidate[] joined = new BenchStore.Candidate[3];
    Samples samples = new Samples();
    final Duration wait;
    int leaderSlot;
    int joins;
    volatile Run run;

    Group(BenchStore.Side side, String election, Duration wait) {
      this.side = side;
      this.election = election;
      this.wait = wait;
    }

    /** Records into the samples of an earlier group (a store per run). */
    Group adopt(Samples earlier) {
      this.samples = earlier;
      return this;
    }

    void open() {
      for (int i = 0; i < 3; i++) {
        clients[i] = side.newClient(false);
      }
      start();
    }

    /** The first leader: slot 0 alone. */
    private void start() {
      leaderSlot = 0;
      joined[0] = join(0);
      if (!until(wait, () -> joined[0].isLeader())) {
        throw new IllegalStateException(side.label() + ": no leader in " + election);
      }
    }

    private BenchStore.Candidate join(int slot) {
      String id = "c" + slot + "-" + joins++;
      return clients[slot].join(election, id, t -> notified(slot, t));
    }

    private void notified(int slot, long at) {
      Run r = run;
      if (r != null && slot != r.leaderSlot && at - r.t0 >= 0 && r.at.compareAndSet(0, at)) {
        r.winner = slot;
        r.done.countDown();
      }
    }

    void joinFollowers() {
      for (int s = 0; s < 3; s++) {
        if (s != leaderSlot) {
          joined[s] = join(s);
        }
      }
    }

    /** Until the store holds the three candidacies, or the followers have seen the leader. */
    boolean awaitEnrolled() {
      String leader = joined[leaderSlot].identity();
      if (side.enrolled(election) < 0) {
        return until(wait, () -> {
          for (int s = 0; s < 3; s++) {
            if (s != leaderSlot && !joined[s].follows(leader)) {
              return false;
            }
          }
          return true;
        });
      }
      return until(wait, () -> side.enrolled(election) == 3);
    }

    /**
     * The leader gives up (when {@code named}, to the follower that joined last); the time until
     * another candidate (the named one) is told it leads, or -1.
     */
    long handover(boolean named) {
      Run r = new Run(leaderSlot, System.nanoTime());
      run = r;
      int successor = -1;
      for (int s = 0; s < 3; s++) {
        if (s != leaderSlot) {
          successor = s;
        }
      }
      if (named) {
        joined[leaderSlot].giveUpTo(joined[successor].identity());
      } else {
        joined[leaderSlot].giveUp();
      }
      try {
        if (!r.done.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
          return -1;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
      if (named && r.winner != successor) {
        Bench.progress("P1 named %s: %s led, not the named %s", side.label(),
            r.winner < 0 ? "nobody" : joined[r.winner].identity(), joined[successor].identity());
        return -1;
      }
      return r.at.get() - r.t0;
    }

    /** The old leader and the losing follower leave; the winner leads alone. */
    void cleanup(boolean ok) {
      Run r = run;
      run = null;
      if (!ok || r == null || r.winner < 0) {
        for (int s = 0; s < 3; s++) {
          leave(s);
        }
        if (side.enrolled(election) >= 0) {
          until(wait, () -> side.enrolled(election) == 0);
        }
        start();
        return;
      }
      for (int s = 0; s < 3; s++) {
        if (s != r.winner) {
          leave(s);
        }
      }
      leaderSlot = r.winner;
      if (side.enrolled(election) >= 0) {
        until(wait, () -> side.enrolled(election) == 1);
      }
      until(wait, () -> joined[leaderSlot].isLeader());
    }

    private void leave(int s) {
      if (joined[s] != null) {
        joined[s].close();
        joined[s] = null;
      }
    }

    /** Everything of this group goes, in the background (a store per run). */
    void discard() {
      run = null;
      for (int s = 0; s < 3; s++) {
        BenchStore.Candidate c = joined[s];
        BenchStore.Client client = clients[s];
        joined[s] = null;
        clients[s] = null;
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

    void close() {
      for (int s = 0; s < 3; s++) {
        if (joined[s] != null) {
          joined[s].close();
        }
      }
      for (BenchStore.Client c : clients) {
        if (c != null) {
          Background.close(c);
        }
      }
    }
  }

  /** One handover under way. */
  static final class Run {
    final int leaderSlot;
    final long t0;
    final AtomicLong at = new AtomicLong();
    final CountDownLatch done = new CountDownLatch(1);
    volatile int winner = -1;

    Run(int leaderSlot, long t0) {
      this.leaderSlot = leaderSlot;
      this.t0 = t0;
    }
  }

  private HandoverBench() {
  }

  /**
   * Measures {@code runs} handovers per side (after {@code warmup} unrecorded ones), ours and
   * raw alternating. Returns {ours, raw, back-to-back round trips, round trips on an idle
   * connection} (the last two empty when the store has no probe).
   */
  static Samples[] measure(BenchStore store, boolean settled, int warmup, int runs,
      String tag) {
    return measure(store, settled, false, warmup, runs, tag);
  }

  /**
   * Ours only, followers settled: the leader hands over to the follower that joined last
   * ({@code resign(successor)}), beside P1. Returns {ours}.
   */
  static Samples measureNamed(BenchStore store, int warmup, int runs) {
    return measure(store, true, true, warmup, runs, "n")[0];
  }

  private static Samples[] measure(BenchStore store, boolean settled, boolean named,
      int warmup, int runs, String tag) {
    Duration wait = store.timings().electionBound().plusSeconds(5);
    boolean perRun = store.storePerRun();
    Group ours = new Group(store.ours(), "h-" + tag + "-o", wait);
    Group raw = named ? null : new Group(store.raw(), "h-" + tag + "-r", wait);
    Random random = new Random(tag.hashCode() * 31L + store.store().hashCode());
    Samples roundTrips = new Samples();
    Samples idleRoundTrips = new Samples();
    try {
      if (!perRun) {
        ours.open();
        if (!named) {
          raw.open();
        }
      }
      for (int i = -warmup; i < runs; i++) {
        if (perRun) {
          store.renew();
          ours = new Group(store.ours(), "h-" + tag + "-o", wait).adopt(ours.samples);
          ours.open();
          if (!named) {
            raw = new Group(store.raw(), "h-" + tag + "-r", wait).adopt(raw.samples);
            raw.open();
          }
        }
        List<Group> order = named ? List.of(ours)
            : (i & 1) == 0 ? List.of(ours, raw) : List.of(raw, ours);
        if (settled) {
          // both sides' followers join and settle together, then each hands over in turn
          for (Group g : order) {
            g.joinFollowers();
          }
          boolean[] enrolled = new boolean[order.size()];
          for (int k = 0; k < order.size(); k++) {
            enrolled[k] = order.get(k).awaitEnrolled();
          }
          Background.sleep(SETTLE_MILLIS + random.nextInt(SETTLE_JITTER_MILLIS));
          for (int k = 0; k < order.size(); k++) {
            one(order.get(k), enrolled[k], i >= 0, perRun, named);
          }
        } else {
          for (Group g : order) {
            g.joinFollowers();
            one(g, g.awaitEnrolled(), i >= 0, perRun, false);
          }
        }
        long idle = store.roundTrip();
        if (i >= 0 && idle >= 0) {
          idleRoundTrips.add(idle);
          for (int k = 0; k < ROUND_TRIPS_PER_RUN; k++) {
            roundTrips.add(store.roundTrip());
          }
        }
        if (i >= 0 && (i + 1) % 10 == 0) {
          Bench.progress("P1 %s %s: %d/%d runs, ours median %s, raw median %s", store.store(),
              named ? "named" : settled ? "settled" : "fresh", i + 1, runs,
              Samples.ms(ours.samples.median()),
              named ? "-" : Samples.ms(raw.samples.median()));
        }
      }
    } finally {
      ours.close();
      if (raw != null) {
        raw.close();
      }
    }
    return new Samples[] {ours.samples, raw == null ? null : raw.samples, roundTrips,
        idleRoundTrips};
  }

  private static void one(Group g, boolean enrolled, boolean record, boolean perRun,
      boolean named) {
    long took = enrolled ? g.handover(named) : -1;
    if (record) {
      if (took >= 0) {
        g.samples.add(took);
      } else {
        g.samples.fail();
        Bench.progress("P1 %s: a run failed (%s)", g.side.label(),
            enrolled ? "no new leader in time" : "followers did not enrol in time");
      }
    }
    if (perRun) {
      g.discard();
    } else {
      g.cleanup(took >= 0);
    }
  }

  /** Polls a condition every 200 us until it holds or the time is up. */
  static boolean until(Duration max, BooleanSupplier condition) {
    long end = System.nanoTime() + max.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - end > 0) {
        return false;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(200_000);
    }
    return true;
  }
}
