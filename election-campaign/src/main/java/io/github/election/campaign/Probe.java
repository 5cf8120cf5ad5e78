package io.github.election.campaign;

import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.spi.ElectionBackend;
import io.github.election.testing.Timings;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * One candidate as the campaign watches it: an election built with a {@link
 * io.github.election.TransitionRecorder} that writes every transition, a listener that writes
 * every notification together with what the getters showed when it ran (rule N1), and leader
 * work that writes when each run starts and ends.
 *
 * <p>The leader work acts every few milliseconds, each time only after {@link
 * LeaderElection#current()} said LEADER with the run's own term; an act is stamped with the time
 * read <em>before</em> that check, so every act lies inside a LEADER period of the candidate even
 * when its process is frozen between the check and the stamp. A run ends when the election
 * interrupts it.
 *
 * <p>Entries go to a sink that must not block: the recorder runs under the election's lock.
 */
final class Probe {

  private static final long ACT_PERIOD_NANOS = Duration.ofMillis(20).toNanos();

  private final String who;
  private final Consumer<Entry> sink;
  private volatile LeaderElection election;
  private int priority;

  Probe(String who, Consumer<Entry> sink) {
    this.who = Objects.requireNonNull(who, "who");
    this.sink = Objects.requireNonNull(sink, "sink");
  }

  /** Builds the election, subscribed but not started. */
  LeaderElection build(ElectionBackend backend, String name, String identity, Timings timings) {
    return build(backend, name, identity, timings, 0, null);
  }

  /**
   * Builds the election of a candidate of {@code priority}, preemptive after {@code
   * preemptAfter} (null: not), subscribed but not started.
   */
  LeaderElection build(ElectionBackend backend, String name, String identity, Timings timings,
      int priority, Duration preemptAfter) {
    this.priority = priority;
    LeaderElection.Builder b = timings.applyTo(LeaderElection.builder(backend))
        .name(name)
        .identity(identity)
        .priority(priority)
        .drainTimeout(Duration.ofSeconds(1))
        .transitionRecorder(this::recorded)
        .whileLeader(this::lead);
    if (preemptAfter != null) {
      b.preemptAfter(preemptAfter);
    }
    LeaderElection e = b.build();
    election = e;
    e.subscribe(this::notified);
    return e;
  }

  /** Starts the election and says so. */
  void start() {
    election.start();
    sink.accept(Entry.at(System.nanoTime(), who, "started").put("priority", priority).build());
  }

  LeaderElection election() {
    return election;
  }

  private void recorded(LeadershipEvent previous, LeadershipEvent next) {
    sink.accept(Entry.at(next.sinceNanos(), who, "transition")
        .put("from", previous.state().name())
        .put("fromTerm", previous.term())
        .put("to", next.state().name())
        .put("leader", next.leader().orElse(null))
        .put("term", next.term())
        .put("seq", next.sequence())
        .put("at", System.nanoTime())
        .build());
  }

  private void notified(LeadershipEvent event) {
    LeadershipEvent cur = election.current(); // first thing: what do the getters show now?
    long t = System.nanoTime();
    sink.accept(Entry.at(t, who, "notify")
        .put("state", event.state().name())
        .put("leader", event.leader().orElse(null))
        .put("term", event.term())
        .put("seq", event.sequence())
        .put("curState", cur.state().name())
        .put("curLeader", cur.leader().orElse(null))
        .put("curTerm", cur.term())
        .put("curSeq", cur.sequence())
        .build());
  }

  private void lead(long term) {
    sink.accept(Entry.at(System.nanoTime(), who, "work-start").put("term", term).build());
    long acts = 0;
    long firstAct = 0;
    long lastAct = 0;
    try {
      while (!Thread.currentThread().isInterrupted()) {
        long t = System.nanoTime(); // stamped before the check: see the class comment
        LeadershipEvent cur = election.current();
        if (cur.isLeader() && cur.term() == term) {
          if (acts++ == 0) {
            firstAct = t;
          }
          lastAct = t;
        }
        LockSupport.parkNanos(ACT_PERIOD_NANOS); // returns at once when interrupted
      }
    } finally {
      sink.accept(Entry.at(System.nanoTime(), who, "work-end")
          .put("term", term)
          .put("acts", acts)
          .put("firstAct", acts == 0 ? null : firstAct)
          .put("lastAct", acts == 0 ? null : lastAct)
          .build());
    }
  }
}
