package io.github.election.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.LeadershipState;
import io.github.election.StoreRound;
import io.github.election.Ticker;
import io.github.election.memory.InMemoryElectionStore;
import io.github.election.spi.ElectionBackend;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The meters, checked against what the election itself recorded (its own transition and round
 * recorders), on the in-memory store.
 */
class LeaderElectionMetricsTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private final InMemoryElectionStore store = new InMemoryElectionStore();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final AtomicLong manualClock = new AtomicLong(1_000_000_000L);
  private final Ticker manual = manualClock::get;

  /** What one election recorded of itself, to compare the meters with. */
  private static final class Seen {
    final List<LeadershipEvent[]> transitions = new CopyOnWriteArrayList<>();
    final List<StoreRound> rounds = new CopyOnWriteArrayList<>();
  }

  private LeaderElection election(String name, String identity, ElectionBackend backend,
      Ticker ticker, Seen seen) {
    LeaderElection e = LeaderElection.builder(backend).name(name).identity(identity)
        .ticker(ticker).leaseDuration(Duration.ofSeconds(3)).renewDeadline(Duration.ofSeconds(2))
        .retryPeriod(Duration.ofMillis(200)).drainTimeout(Duration.ofSeconds(1))
        .transitionRecorder((previous, next) -> seen.transitions.add(
            new LeadershipEvent[] {previous, next}))
        .build();
    e.recordRounds(seen.rounds::add);
    toClose.add(e);
    return e;
  }

  private ElectionBackend client() {
    ElectionBackend b = store.connect();
    toClose.add(b);
    return b;
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  @Test
  void stateTransitionsAndLeadershipPeriodsMatchTheElectionsOwnTransitions() {
    Seen seenA = new Seen();
    Seen seenB = new Seen();
    LeaderElection a = election("jobs", "a", client(), Ticker.system(), seenA);
    LeaderElection b = election("jobs", "b", client(), Ticker.system(), seenB);
    SimpleMeterRegistry registryA = new SimpleMeterRegistry();
    SimpleMeterRegistry registryB = new SimpleMeterRegistry();
    LeaderElectionMetrics.of(a).bindTo(registryA);
    LeaderElectionMetrics.of(b).bindTo(registryB);
    a.start();
    await().atMost(WAIT).until(a::isLeader);
    assertThat(state(registryA, "jobs", "leader")).isEqualTo(1.0);
    assertThat(state(registryA, "jobs", "follower")).isEqualTo(0.0);
    assertThat(state(registryA, "jobs", "unknown")).isEqualTo(0.0);
    assertThat(registryA.get("election.term").tag("election", "jobs").gauge().value())
        .isEqualTo(a.term());
    b.start();
    await().atMost(WAIT).until(() -> b.leader().equals(a.leader()));
    a.resign(); // b takes over; a follows it
    await().atMost(WAIT).until(b::isLeader);
    await().atMost(WAIT).until(() -> a.leader().equals(java.util.Optional.of("b")));
    assertThat(state(registryA, "jobs", "follower")).isEqualTo(1.0);
    assertThat(registryB.get("election.term").gauge().value()).isEqualTo(b.term());
    a.close();
    b.close();

    for (var check : List.of(new Object[] {seenA, registryA}, new Object[] {seenB, registryB})) {
      Seen seen = (Seen) check[0];
      SimpleMeterRegistry registry = (SimpleMeterRegistry) check[1];
      for (LeadershipState from : LeadershipState.values()) {
        for (LeadershipState to : LeadershipState.values()) {
          long expected = seen.transitions.stream()
              .filter(t -> t[0].state() == from && t[1].state() == to).count();
          assertThat(registry.get("election.transitions").tag("from", lower(from))
              .tag("to", lower(to)).counter().count()).as(from + " -> " + to)
              .isEqualTo(expected);
        }
      }
      List<Long> periods = periods(seen.transitions);
      Timer leadership = registry.get("election.leadership").timer();
      assertThat(leadership.count()).isEqualTo(periods.size()).isPositive();
      assertThat(leadership.totalTime(TimeUnit.NANOSECONDS))
          .isCloseTo(periods.stream().mapToLong(Long::longValue).sum(), within(1.0));
    }
  }

  @Test
  void roundsAreTimedByOutcomeAndFailuresCountedByCause() {
    Seen seen = new Seen();
    ElectionBackend client = client();
    LeaderElection e = election("reports", "a", client, Ticker.system(), seen);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    LeaderElectionMetrics.of(e).bindTo(registry);
    e.start();
    await().atMost(WAIT).until(e::isLeader);
    store.cut(client); // rounds fail: the store refuses the client
    await().atMost(WAIT).until(() -> seen.rounds.stream().filter(StoreRound::failed).count() >= 2);
    store.heal(client);
    await().atMost(WAIT).until(e::isLeader);
    e.close();

    for (StoreRound.Outcome outcome : StoreRound.Outcome.values()) {
      List<StoreRound> of = seen.rounds.stream().filter(r -> r.outcome() == outcome).toList();
      Timer timer = registry.get("election.rounds").tag("outcome", lower(outcome)).timer();
      assertThat(timer.count()).as(outcome.toString()).isEqualTo(of.size());
      assertThat(timer.totalTime(TimeUnit.NANOSECONDS)).as(outcome.toString())
          .isCloseTo(of.stream().mapToLong(StoreRound::latencyNanos).sum(), within(1.0));
    }
    List<StoreRound> failed = seen.rounds.stream().filter(StoreRound::failed).toList();
    assertThat(failed).isNotEmpty();
    for (StoreRound r : failed) {
      String exception = r.error().map(t -> t.getClass().getSimpleName()).orElse("none");
      long expected = failed.stream().filter(f -> f.outcome() == r.outcome()
          && f.error().map(t -> t.getClass().getSimpleName()).orElse("none").equals(exception))
          .count();
      Counter counter = registry.get("election.rounds.failed").tag("election", "reports")
          .tag("cause", lower(r.outcome())).tag("exception", exception).counter();
      assertThat(counter.count()).isEqualTo(expected);
    }
    assertThat(registry.get("election.rounds.failed").counters().stream()
        .mapToDouble(Counter::count).sum()).isEqualTo(failed.size());
  }

  /**
   * The age of the last confirmation, on the election's clock: the client is cut off so that no
   * round confirms the leadership again, and the clock moved by hand.
   */
  @Test
  void confirmationAgeCountsFromTheSendTimeOfTheLastConfirmingRound() {
    Seen seen = new Seen();
    ElectionBackend client = client();
    LeaderElection e = election("age", "a", client, manual, seen);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new LeaderElectionMetrics(List.of(e), Tags.of("app", "test"), manual).bindTo(registry);
    assertThat(age(registry)).isNaN();
    e.start();
    await().atMost(WAIT).until(e::isLeader);
    store.cut(client);
    await().atMost(WAIT).until(() -> seen.rounds.get(seen.rounds.size() - 1).failed());
    long lastConfirmed = seen.rounds.stream()
        .filter(r -> r.outcome() == StoreRound.Outcome.LEADING)
        .reduce((x, y) -> y).orElseThrow().sentNanos();
    manualClock.addAndGet(Duration.ofMillis(1_500).toNanos());
    assertThat(e.isLeader()).isTrue();
    assertThat(age(registry)).isEqualTo((manualClock.get() - lastConfirmed) / 1e9);
    assertThat(registry.get("election.leadership.confirmation.age").tag("app", "test").gauge()
        .getId().getBaseUnit()).isEqualTo("seconds");
    manualClock.addAndGet(Duration.ofSeconds(1).toNanos()); // past R: no longer leader
    assertThat(e.isLeader()).isFalse();
    assertThat(age(registry)).isNaN();
  }

  @Test
  void boundDuringALeadershipPeriodTimesItFromItsStart() {
    Seen seen = new Seen();
    LeaderElection e = election("late", "a", client(), Ticker.system(), seen);
    e.start();
    await().atMost(WAIT).until(e::isLeader);
    long since = e.current().sinceNanos();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    LeaderElectionMetrics.of(e).bindTo(registry);
    e.close();
    LeadershipEvent[] end = seen.transitions.stream().filter(t -> t[0].isLeader()).findFirst()
        .orElseThrow();
    Timer leadership = registry.get("election.leadership").timer();
    assertThat(leadership.count()).isEqualTo(1);
    assertThat(leadership.totalTime(TimeUnit.NANOSECONDS))
        .isCloseTo(end[1].sinceNanos() - since, within(1.0));
  }

  @Test
  void closeRemovesTheMetersAndStopsRecording() {
    Seen seen = new Seen();
    LeaderElection e = election("closing", "a", client(), Ticker.system(), seen);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    LeaderElectionMetrics metrics = LeaderElectionMetrics.of(e);
    metrics.bindTo(registry);
    assertThat(registry.getMeters()).isNotEmpty();
    metrics.close();
    metrics.close();
    assertThat(registry.getMeters()).isEmpty();
    e.start();
    await().atMost(WAIT).until(e::isLeader);
    assertThat(registry.getMeters()).isEmpty();
    assertThatThrownBy(() -> metrics.bindTo(registry)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void twoCandidatesOfOneElectionInOneBinderAreRefused() {
    LeaderElection a = election("jobs", "a", client(), Ticker.system(), new Seen());
    LeaderElection b = election("jobs", "b", client(), Ticker.system(), new Seen());
    assertThatThrownBy(() -> LeaderElectionMetrics.of(a, b))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'jobs'");
  }

  @Test
  void severalElectionsInOneBinderAreTaggedByName() {
    ElectionBackend client = client();
    LeaderElection one = election("one", "a", client, Ticker.system(), new Seen());
    LeaderElection two = election("two", "a", client, Ticker.system(), new Seen());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    LeaderElectionMetrics.of(one, two).bindTo(registry);
    one.start();
    await().atMost(WAIT).until(one::isLeader);
    assertThat(state(registry, "one", "leader")).isEqualTo(1.0);
    assertThat(state(registry, "two", "unknown")).isEqualTo(1.0);
  }

  /** Leadership periods from a list of transitions: from a LEADER view's since to the next's. */
  private static List<Long> periods(List<LeadershipEvent[]> transitions) {
    List<Long> periods = new ArrayList<>();
    for (LeadershipEvent[] t : transitions) {
      if (t[0].isLeader()) {
        periods.add(t[1].sinceNanos() - t[0].sinceNanos());
      }
    }
    return periods;
  }

  private static double state(SimpleMeterRegistry registry, String election, String state) {
    return registry.get("election.state").tag("election", election).tag("state", state).gauge()
        .value();
  }

  private static double age(SimpleMeterRegistry registry) {
    return registry.get("election.leadership.confirmation.age").gauge().value();
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(java.util.Locale.ROOT);
  }
}
