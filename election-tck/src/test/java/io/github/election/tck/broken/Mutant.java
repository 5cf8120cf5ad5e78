package io.github.election.tck.broken;

import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.LeadershipListener;
import io.github.election.Subscription;
import io.github.election.spi.Candidate;
import io.github.election.spi.CandidateContext;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.Observation;
import io.github.election.spi.OpenCandidate;
import io.github.election.tck.BrokenFixture;
import io.github.election.tck.ElectionFixture;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;

/**
 * Implementations that are wrong on purpose, each breaking the rules it names; the kit must fail
 * on each of them ({@code KitCatchesBrokenImplementationsTest}). Broken backends change what
 * the store reports to the (correct) engine; broken handles change what the user sees.
 */
public enum Mutant {

  /** Every candidate that sees a leader claims to lead in the same term. */
  TWO_LEADERS("S1") {
    @Override
    ElectionFixture fixture() {
      return backends(b -> new ForwardingBackend(b) {
        @Override
        CompletionStage<Observation> poll(Candidate real, Object[] state) {
          return real.poll().thenApply(o -> o.kind() == Observation.Kind.FOLLOWING
              && o.leader().isPresent() ? Observation.leading(o.term()) : o);
        }
      });
    }
  },

  /** The getters return what the last notification said, never checking the renew deadline. */
  DEADLINE_NEVER_CHECKED("S2") {
    @Override
    ElectionFixture fixture() {
      return handles(e -> new CachingElection(e, false));
    }
  },

  /** Every period has term 1. */
  REPEATED_TERM("S3") {
    @Override
    ElectionFixture fixture() {
      return backends(b -> new ForwardingBackend(b) {
        @Override
        CompletionStage<Observation> poll(Candidate real, Object[] state) {
          return real.poll().thenApply(o -> o.kind() == Observation.Kind.LEADING
              ? Observation.leading(1)
              : o.kind() == Observation.Kind.FOLLOWING
                  ? Observation.following(o.leader().orElse(null), Math.min(1, o.term())) : o);
        }
      });
    }
  },

  /** leader() of a leader is empty. */
  LEADER_WITHOUT_IDENTITY("S4") {
    @Override
    ElectionFixture fixture() {
      return handles(e -> new ForwardingElection(e) {
        @Override
        public Optional<String> leader() {
          return Optional.empty();
        }
      });
    }
  },

  /** Nobody is ever told it leads. */
  NEVER_ELECTS("L1") {
    @Override
    ElectionFixture fixture() {
      return backends(b -> new ForwardingBackend(b) {
        @Override
        CompletionStage<Observation> poll(Candidate real, Object[] state) {
          return real.poll().thenApply(o -> o.kind() == Observation.Kind.LEADING
              ? Observation.following(null, 0) : o);
        }
      });
    }
  },

  /** The store's change notifications are dropped: followers notice only at their next poll. */
  NO_WATCH("L2") {
    @Override
    ElectionFixture fixture() {
      return backends(b -> new ForwardingBackend(b) {
        @Override
        void changed(CandidateContext real) {
        }

        @Override
        void observed(CandidateContext real, Observation o) {
        }
      });
    }
  },

  /** A follower keeps reporting the first leader it saw, whatever the store says later. */
  STALE_FOLLOWERS("L3") {
    @Override
    ElectionFixture fixture() {
      return backends(b -> new ForwardingBackend(b) {
        @Override
        CompletionStage<Observation> poll(Candidate real, Object[] state) {
          return real.poll().thenApply(o -> {
            if (o.kind() == Observation.Kind.FOLLOWING && state[0] == null) {
              state[0] = o;
            }
            return state[0] != null && o.kind() == Observation.Kind.LEADING
                ? (Observation) state[0] : o;
          });
        }
      });
    }
  },

  /** After one failed round with the store a candidate never talks to it again. */
  GIVES_UP_AFTER_FAILURE("L4", "F3") {
    @Override
    ElectionFixture fixture() {
      return backends(b -> new ForwardingBackend(b) {
        @Override
        CompletionStage<Observation> poll(Candidate real, Object[] state) {
          if (state[0] != null) {
            return CompletableFuture.failedFuture(new IllegalStateException("gave up"));
          }
          return real.poll().whenComplete((o, err) -> {
            if (err != null) {
              state[0] = err;
            }
          });
        }
      });
    }
  },

  /** Listeners are called before the getters show the change. */
  NOTIFY_BEFORE_STATE("N1") {
    @Override
    ElectionFixture fixture() {
      return handles(e -> new CachingElection(e, true));
    }
  },

  /** A change that happens while a listener is busy is dropped. */
  LOST_WAKE_UP("N2") {
    @Override
    ElectionFixture fixture() {
      return handles(e -> new WrappingElection(e) {
        @Override
        LeadershipListener wrap(LeadershipListener l) {
          AtomicBoolean busy = new AtomicBoolean();
          return ev -> {
            if (busy.compareAndSet(false, true)) {
              pool.execute(() -> {
                try {
                  l.onChange(ev);
                } finally {
                  busy.set(false);
                }
              });
            }
          };
        }
      });
    }
  },

  /** Every change is queued for a busy listener: no coalescing, no bound. */
  UNBOUNDED_QUEUE("N3") {
    @Override
    ElectionFixture fixture() {
      return handles(e -> new WrappingElection(e) {
        @Override
        LeadershipListener wrap(LeadershipListener l) {
          ExecutorService own = Executors.newSingleThreadExecutor();
          owned.add(own);
          return ev -> own.execute(() -> l.onChange(ev));
        }
      });
    }
  },

  /** All listeners are called one after the other on one thread: a stuck one stalls the rest. */
  SEQUENTIAL_DELIVERY("N4") {
    @Override
    ElectionFixture fixture() {
      return handles(SequentialElection::new);
    }
  },

  /** Each notification runs on a thread of its own, so calls of one listener overlap. */
  CONCURRENT_DELIVERY("N5") {
    @Override
    ElectionFixture fixture() {
      return handles(e -> new WrappingElection(e) {
        @Override
        LeadershipListener wrap(LeadershipListener l) {
          return ev -> pool.execute(() -> l.onChange(ev));
        }
      });
    }
  },

  /** A new listener is not told the current state. */
  NO_INITIAL_NOTIFICATION("N6") {
    @Override
    ElectionFixture fixture() {
      return handles(e -> new WrappingElection(e) {
        @Override
        LeadershipListener wrap(LeadershipListener l) {
          AtomicBoolean first = new AtomicBoolean(true);
          return ev -> {
            if (!first.getAndSet(false)) {
              l.onChange(ev);
            }
          };
        }
      });
    }
  },

  /** Listeners hear the same view again every 20 ms. */
  SPURIOUS_NOTIFICATIONS("N7") {
    @Override
    ElectionFixture fixture() {
      return handles(e -> new WrappingElection(e) {
        @Override
        LeadershipListener wrap(LeadershipListener l) {
          ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
          owned.add(timer);
          timer.scheduleWithFixedDelay(() -> l.onChange(inner.current()), 20, 20,
              TimeUnit.MILLISECONDS);
          return l;
        }
      });
    }
  },

  /** Unsubscribing does nothing. */
  IGNORES_UNSUBSCRIBE("N8") {
    @Override
    ElectionFixture fixture() {
      return handles(e -> new ForwardingElection(e) {
        @Override
        public Subscription subscribe(LeadershipListener listener) {
          inner.subscribe(listener);
          return () -> { };
        }
      });
    }
  },

  /** Followers are not told who leads. */
  FOLLOWERS_BLIND("N9") {
    @Override
    ElectionFixture fixture() {
      return backends(b -> new ForwardingBackend(b) {
        @Override
        CompletionStage<Observation> poll(Candidate real, Object[] state) {
          return real.poll().thenApply(o -> o.kind() == Observation.Kind.FOLLOWING
              ? Observation.following(null, o.term()) : o);
        }
      });
    }
  },

  /** close() drops the subscriptions before the final state is told. */
  CLOSE_WITHOUT_FINAL_STATE("C1") {
    @Override
    ElectionFixture fixture() {
      return handles(e -> new ForwardingElection(e) {
        final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();

        @Override
        public Subscription subscribe(LeadershipListener listener) {
          Subscription s = inner.subscribe(listener);
          subscriptions.add(s);
          return s;
        }

        @Override
        public void close() {
          subscriptions.forEach(Subscription::close);
          inner.close();
        }
      });
    }
  },

  /** resign() does not give the lease up in the store. */
  RESIGN_KEEPS_LEASE("C2") {
    @Override
    ElectionFixture fixture() {
      return backends(b -> new ForwardingBackend(b) {
        @Override
        CompletionStage<Void> release(Candidate real) {
          return CompletableFuture.completedFuture(null);
        }
      });
    }
  },

  /** close() leaves a thread behind. */
  LEAKS_A_THREAD("C3") {
    @Override
    ElectionFixture fixture() {
      return handles(e -> new ForwardingElection(e) {
        @Override
        public void close() {
          inner.close();
          Thread leaked = new Thread(() -> {
            try {
              LEAKED.await();
            } catch (InterruptedException ignored) {
              // end
            }
          }, "leaked-by-a-broken-handle");
          leaked.setDaemon(true);
          leaked.start();
        }
      });
    }
  },

  /** The store takes names it cannot hold ("bad/name" here) without complaint. */
  ACCEPTS_NAMES_IT_CANNOT_HOLD("C4") {
    @Override
    ElectionFixture fixture() {
      return new BrokenFixture(b -> b, b -> b, e -> e, List.of("bad/name"));
    }
  },

  /** The leader work runs on a thread the election does not track: never interrupted, never awaited. */
  DETACHED_WORK("T1", "T2", "T3") {
    @Override
    ElectionFixture fixture() {
      return new BrokenFixture(b -> b, b -> b, e -> e, List.of(), task -> term -> {
        Thread detached = new Thread(() -> {
          try {
            task.lead(term);
          } catch (Exception ignored) {
            // end
          }
        }, "detached-leader-work");
        detached.setDaemon(true);
        DETACHED.add(detached);
        detached.start();
      });
    }
  },

  /**
   * After a failed round the candidate waits out a reconnect backoff that doubles with each
   * failure up to two minutes, as gRPC's reconnect does, before it talks to the store again.
   */
  RECONNECTS_AFTER_LONG_BACKOFF("F4") {
    @Override
    ElectionFixture fixture() {
      return backends(b -> new ForwardingBackend(b) {
        @Override
        CompletionStage<Observation> poll(Candidate real, Object[] state) {
          long[] backoff = state[0] == null ? new long[2] : (long[]) state[0]; // {until, length}
          state[0] = backoff;
          synchronized (backoff) {
            if (backoff[1] > 0 && System.nanoTime() - backoff[0] < 0) {
              return CompletableFuture.failedFuture(new IllegalStateException("reconnecting"));
            }
          }
          return real.poll().whenComplete((o, err) -> {
            synchronized (backoff) {
              if (err == null) {
                backoff[1] = 0;
              } else {
                backoff[1] = backoff[1] == 0 ? TimeUnit.MILLISECONDS.toNanos(200)
                    : Math.min(2 * backoff[1], TimeUnit.MINUTES.toNanos(2));
                backoff[0] = System.nanoTime() + backoff[1];
              }
            }
          });
        }
      });
    }
  },

  /** A handover ignores the name: the store's next candidate in line leads (the SPI's default). */
  HANDOVER_IGNORES_NAME("H1") {
    @Override
    ElectionFixture fixture() {
      return backends(b -> new ForwardingBackend(b) {
        @Override
        CompletionStage<Void> handOver(Candidate real, String successor,
            java.time.Duration timeout) {
          return real.release();
        }
      });
    }
  },

  /** A handover to a name nobody has never lets the others lead: the leader keeps its lease. */
  HANDOVER_WAITS_FOR_THE_NAME("H2") {
    @Override
    ElectionFixture fixture() {
      return backends(b -> new ForwardingBackend(b) {
        @Override
        CompletionStage<Void> handOver(Candidate real, String successor,
            java.time.Duration timeout) {
          return successor.startsWith("c") ? real.handOver(successor, timeout)
              : CompletableFuture.completedFuture(null);
        }
      });
    }
  },

  /** An observer reports each leader with the term after its own. */
  OBSERVER_SHIFTS_TERMS("O1") {
    @Override
    ElectionFixture fixture() {
      return backends(b -> new ForwardingBackend(b) {
        @Override
        CompletionStage<Observation> observerPoll(Candidate real, Object[] state) {
          return real.poll().thenApply(o -> o.leader().isPresent()
              ? Observation.following(o.leader().get(), o.term() + 1) : o);
        }
      });
    }
  },

  /** An observer's watch is dropped: it sees changes only at its next timed look. */
  OBSERVER_WITHOUT_WATCH("O2") {
    @Override
    ElectionFixture fixture() {
      return backends(b -> new ForwardingBackend(b) {
        @Override
        void observerChanged(CandidateContext real) {
        }
      });
    }
  },

  /** An observer takes part as a candidate that never claims to lead (it writes to the store). */
  OBSERVER_ENROLS("O3") {
    @Override
    ElectionFixture fixture() {
      return backends(b -> new ForwardingBackend(b) {
        @Override
        Candidate observing(CandidateContext wrapped) {
          return inner.join(wrapped);
        }

        @Override
        CompletionStage<Observation> observerPoll(Candidate real, Object[] state) {
          return real.poll().thenApply(o -> o.kind() == Observation.Kind.LEADING
              ? Observation.following(null, 0) : o);
        }
      });
    }
  },

  /** When the store does not answer, an observer reports what it saw last. */
  OBSERVER_TRUSTS_STALE_ANSWERS("O3") {
    @Override
    ElectionFixture fixture() {
      return backends(b -> new ForwardingBackend(b) {
        @Override
        CompletionStage<Observation> observerPoll(Candidate real, Object[] state) {
          return real.poll().handle((o, err) -> {
            if (err == null) {
              state[0] = o;
              return o;
            }
            return state[0] != null ? (Observation) state[0] : Observation.unknown("no answer");
          });
        }
      });
    }
  },

  /**
   * The backend "confirms" every candidate every 20 ms without asking the store (a heartbeat
   * that never checks the session it stands for), and drops its notices (changes, the store
   * cannot tell): a candidate whose session the store ended, or who lost the store, stays as it
   * was.
   */
  CONFIRMS_WITHOUT_THE_STORE("S5", "F1") {
    @Override
    ElectionFixture fixture() {
      return backends(b -> new ForwardingBackend(b) {
        @Override
        void joined(CandidateContext real) {
          ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fake-heartbeat");
            t.setDaemon(true);
            return t;
          });
          timer.scheduleWithFixedDelay(() -> real.confirmation().confirmed(), 20, 20,
              TimeUnit.MILLISECONDS);
          HEARTBEATS.add(timer);
        }

        @Override
        void changed(CandidateContext real) {
        }

        @Override
        void observed(CandidateContext real, Observation o) {
        }
      });
    }
  },

  /** Candidates are listed without their priorities (every one as 0): priority has no effect. */
  PRIORITIES_NOT_PUBLISHED("K1", "K2", "K3") {
    @Override
    ElectionFixture fixture() {
      return backends(b -> new ForwardingBackend(b) {
        @Override
        public CompletionStage<List<OpenCandidate>> candidates(String election) {
          return inner.candidates(election).thenApply(list -> list.stream()
              .map(c -> new OpenCandidate(c.identity(), 0)).toList());
        }
      });
    }
  },

  /** The list of candidates is read once per client and never again: late joiners are unseen. */
  CANDIDATES_LISTED_ONCE("K1") {
    @Override
    ElectionFixture fixture() {
      return backends(b -> new ForwardingBackend(b) {
        private volatile CompletionStage<List<OpenCandidate>> first;

        @Override
        public CompletionStage<List<OpenCandidate>> candidates(String election) {
          if (first == null) {
            first = inner.candidates(election);
          }
          return first;
        }
      });
    }
  },

  /** When the store does not answer, the candidate reports what it saw last, leadership included. */
  TRUSTS_STALE_ANSWERS("F1", "F2") {
    @Override
    ElectionFixture fixture() {
      return backends(b -> new ForwardingBackend(b) {
        @Override
        CompletionStage<Observation> poll(Candidate real, Object[] state) {
          return real.poll().handle((o, err) -> {
            if (err == null) {
              state[0] = o;
              return o;
            }
            return state[0] != null ? (Observation) state[0] : Observation.unknown("no answer");
          });
        }
      });
    }
  };

  /** Interrupted after the kit ran against {@link #DETACHED_WORK}. */
  static final List<Thread> DETACHED = new CopyOnWriteArrayList<>();

  /** Stopped after the kit ran against {@link #CONFIRMS_WITHOUT_THE_STORE}. */
  static final List<ExecutorService> HEARTBEATS = new CopyOnWriteArrayList<>();

  /** Released after the kit ran against {@link #LEAKS_A_THREAD}. */
  static final CountDownLatch LEAKED = new CountDownLatch(1);

  private final List<String> rules;

  Mutant(String... rules) {
    this.rules = List.of(rules);
  }

  /** The rules whose tests must fail. */
  public List<String> rules() {
    return rules;
  }

  abstract ElectionFixture fixture();

  /** A fresh fixture of this broken implementation. */
  public ElectionFixture newFixture() {
    return fixture();
  }

  /** Ends what the mutants left running on purpose. */
  public static void releaseLeftovers() {
    LEAKED.countDown();
    DETACHED.forEach(Thread::interrupt);
    HEARTBEATS.forEach(ExecutorService::shutdownNow);
  }

  private static ElectionFixture backends(UnaryOperator<ElectionBackend> wrap) {
    return new BrokenFixture(wrap, b -> ((ForwardingBackend) b).inner, e -> e, List.of());
  }

  private static ElectionFixture handles(UnaryOperator<LeaderElection> wrap) {
    return new BrokenFixture(b -> b, b -> b, wrap, List.of());
  }

  /** A handle whose listeners are wrapped before they reach the real election. */
  abstract static class WrappingElection extends ForwardingElection {
    final ExecutorService pool = Executors.newCachedThreadPool();
    final List<ExecutorService> owned = new CopyOnWriteArrayList<>();

    WrappingElection(LeaderElection inner) {
      super(inner);
      owned.add(pool);
    }

    abstract LeadershipListener wrap(LeadershipListener l);

    @Override
    public Subscription subscribe(LeadershipListener listener) {
      return inner.subscribe(wrap(listener));
    }

    @Override
    public void close() {
      inner.close();
      owned.forEach(ExecutorService::shutdownNow);
    }
  }

  /** A handle whose getters read a copy kept by notifications, updated before or after the listeners run. */
  static final class CachingElection extends ForwardingElection {
    private final List<LeadershipListener> listeners = new CopyOnWriteArrayList<>();
    private volatile LeadershipEvent cache;

    CachingElection(LeaderElection inner, boolean notifyFirst) {
      super(inner);
      cache = inner.current();
      inner.subscribe(e -> {
        if (!notifyFirst) {
          cache = e;
        }
        listeners.forEach(l -> l.onChange(e));
        cache = e;
      });
    }

    @Override
    public LeadershipEvent current() {
      return cache;
    }

    @Override
    public Subscription subscribe(LeadershipListener listener) {
      listeners.add(listener);
      listener.onChange(cache);
      return () -> listeners.remove(listener);
    }
  }

  /** A handle that calls all listeners in turn from one relay. */
  static final class SequentialElection extends ForwardingElection {
    private final List<LeadershipListener> listeners = new CopyOnWriteArrayList<>();

    SequentialElection(LeaderElection inner) {
      super(inner);
      inner.subscribe(e -> listeners.forEach(l -> {
        try {
          l.onChange(e);
        } catch (RuntimeException ignored) {
          // keep going
        }
      }));
    }

    @Override
    public Subscription subscribe(LeadershipListener listener) {
      listeners.add(listener);
      return () -> listeners.remove(listener);
    }
  }
}
