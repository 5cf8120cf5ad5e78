package io.github.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.election.spi.LeaderInfo;
import io.github.election.spi.Observation;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The engine, driven by a backend whose answers the test gives by hand, on a manual clock. */
class EngineTest {

  private final ScriptedBackend backend = new ScriptedBackend();
  private final ManualTicker ticker = new ManualTicker();
  private final List<LeaderElection> opened = new CopyOnWriteArrayList<>();

  private LeaderElection election() {
    LeaderElection e = LeaderElection.builder(backend).name("jobs").identity("me").ticker(ticker)
        .leaseDuration(Duration.ofSeconds(15)).renewDeadline(Duration.ofSeconds(10))
        .retryPeriod(Duration.ofSeconds(2)).drainTimeout(Duration.ofSeconds(1)).build();
    opened.add(e);
    return e;
  }

  @AfterEach
  void closeAll() {
    backend.failEveryPoll();
    opened.forEach(LeaderElection::close);
  }

  @Test
  void leadsOnlyAfterAPollSaysSoAndForRAfterItWasSent() {
    LeaderElection e = election();
    e.start();
    assertThat(e.state()).isEqualTo(LeadershipState.UNKNOWN);
    CompletableFuture<Observation> poll = backend.nextPoll();
    long sentAround = ticker.read();
    ticker.advance(Duration.ofSeconds(3)); // the answer takes 3 s to come back
    poll.complete(Observation.leading(7));
    awaitView(e, LeadershipEvent::isLeader);
    assertThat(e.leader()).contains("me");
    assertThat(e.term()).isEqualTo(7);
    ticker.advance(Duration.ofMillis(6_999)); // 9.999 s after the poll was sent
    assertThat(e.isLeader()).isTrue();
    ticker.advance(Duration.ofMillis(1));
    LeadershipEvent expired = e.current();
    assertThat(expired.state()).isEqualTo(LeadershipState.UNKNOWN);
    assertThat(expired.sinceNanos()).as("expiry dates from the deadline")
        .isEqualTo(sentAround + Duration.ofSeconds(10).toNanos());
  }

  /**
   * A process frozen between becoming leader and the start of its leader-work thread resumes
   * after its renew deadline: the task must not be called for a leadership that has ended. The
   * test's ticker shows the work thread a clock past the deadline, as a frozen process would see.
   */
  @Test
  void leaderWorkIsNotStartedWhenItsLeadershipEndedBeforeItsThreadRan() {
    AtomicInteger runs = new AtomicInteger();
    List<LeadershipEvent> seen = new CopyOnWriteArrayList<>(); // every transition, in order
    Ticker frozenWorkThread = () -> ticker.read()
        + (Thread.currentThread().getName().contains("-leader-term-")
            ? Duration.ofHours(1).toNanos() : 0);
    LeaderElection e = LeaderElection.builder(backend).name("jobs").identity("me")
        .ticker(frozenWorkThread).leaseDuration(Duration.ofSeconds(15))
        .renewDeadline(Duration.ofSeconds(10)).retryPeriod(Duration.ofSeconds(2))
        .drainTimeout(Duration.ofSeconds(1)).whileLeader(term -> runs.incrementAndGet())
        .transitionRecorder((previous, next) -> seen.add(next)).build();
    opened.add(e);
    e.start();
    backend.answer(Observation.leading(5));
    await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() > 0 || seen.stream()
        .anyMatch(v -> v.state() == LeadershipState.UNKNOWN && v.sequence() > 1));
    assertThat(seen).anyMatch(LeadershipEvent::isLeader);
    assertThat(runs).as("runs of the leader work").hasValue(0);
  }

  @Test
  void anAnswerThatComesAfterTheDeadlineVouchesForNothing() {
    LeaderElection e = election();
    e.start();
    CompletableFuture<Observation> poll = backend.nextPoll();
    ticker.advance(Duration.ofSeconds(10));
    poll.complete(Observation.leading(1));
    assertThat(e.state()).isEqualTo(LeadershipState.UNKNOWN);
  }

  @Test
  void pushedObservationsCanTakeLeadershipAwayButNeverGrantIt() {
    LeaderElection e = election();
    e.start();
    backend.answer(Observation.following("other", 3));
    awaitView(e, v -> v.leader().isPresent());
    assertThat(e.current().leader()).contains("other");
    backend.context.observed(Observation.leading(4)); // no send time: only a hint to poll
    assertThat(e.isLeader()).isFalse();
    backend.answer(Observation.leading(4));
    awaitView(e, LeadershipEvent::isLeader);
    backend.context.observed(Observation.unknown("connection SUSPENDED"));
    assertThat(e.state()).isEqualTo(LeadershipState.UNKNOWN);
  }

  /**
   * A poll sent before the backend pushed UNKNOWN (our key deleted, say) answers from the store
   * as it was before: it must not make the candidate LEADER again (seen on an etcd cluster, where
   * a poll's answer came right after the watch reported the candidate's key revoked, and its old
   * term led again for 3 ms while another candidate led with a higher one).
   */
  @Test
  void aPollSentBeforeAPushedObservationDoesNotUndoIt() {
    LeaderElection e = election();
    e.start();
    backend.answer(Observation.leading(42));
    awaitView(e, LeadershipEvent::isLeader);
    backend.context.changed(); // a poll goes out
    CompletableFuture<Observation> inFlight = backend.nextPoll();
    ticker.advance(Duration.ofMillis(5));
    backend.context.observed(Observation.unknown("our key was deleted"));
    assertThat(e.state()).isEqualTo(LeadershipState.UNKNOWN);
    inFlight.complete(Observation.leading(42)); // read before the deletion
    assertThat(e.state()).as("the stale answer is ignored").isEqualTo(LeadershipState.UNKNOWN);
    backend.answer(Observation.following("other", 43)); // the poll that observed() asked for
    awaitView(e, v -> v.leader().equals(java.util.Optional.of("other")));
    assertThat(e.term()).isEqualTo(43);
  }

  @Test
  void aFailedPollKeepsTheStateUntilTheDeadline() {
    LeaderElection e = election();
    e.start();
    backend.answer(Observation.leading(1));
    awaitView(e, LeadershipEvent::isLeader);
    backend.nextPoll().completeExceptionally(new IllegalStateException("connection refused"));
    assertThat(e.isLeader()).isTrue();
    ticker.advance(Duration.ofSeconds(10));
    assertThat(e.isLeader()).isFalse();
  }

  @Test
  void changesReachListenersInOrderAndOnlyOnChange() {
    LeaderElection e = election();
    List<LeadershipEvent> seen = new CopyOnWriteArrayList<>();
    e.subscribe(seen::add);
    // each view is waited for before the next answer: a listener may rightly be told only the
    // newest of two views that come close together (coalescing, N3), which a loaded machine
    // does (seen once: the initial UNKNOWN and the first FOLLOWER became one call)
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 1);
    e.start();
    backend.answer(Observation.following("other", 3));
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 2);
    backend.answer(Observation.following("other", 3)); // no change: no call
    backend.answer(Observation.leading(4));
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() >= 3);
    assertThat(seen).extracting(LeadershipEvent::state).containsExactly(LeadershipState.UNKNOWN,
        LeadershipState.FOLLOWER, LeadershipState.LEADER);
    assertThat(seen).extracting(LeadershipEvent::sequence).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void resignLeavesLeaderAtOnceThenReleases() {
    LeaderElection e = election();
    e.start();
    backend.answer(Observation.leading(1));
    awaitView(e, LeadershipEvent::isLeader);
    e.resign();
    assertThat(e.current().state()).isEqualTo(LeadershipState.FOLLOWER);
    assertThat(backend.releases.get()).isEqualTo(1);
  }

  /**
   * Rule C2, kept by the engine for every backend: after a resign the candidate only inspects the
   * store, without taking part, until P has passed on the election's clock or another candidate
   * was seen leading.
   */
  @Test
  void resignHoldsOffUntilPHasPassed() {
    LeaderElection e = resignedLeader();
    backend.nextInspect().complete(new LeaderInfo("jobs", null, LeadershipEvent.NO_TERM, null));
    backend.context.changed(); // nobody leads: still no poll before P
    backend.nextInspect().complete(new LeaderInfo("jobs", null, LeadershipEvent.NO_TERM, null));
    assertThat(backend.polls).as("polls during the hold-off").isEmpty();
    assertThat(e.state()).isEqualTo(LeadershipState.FOLLOWER);
    ticker.advance(Duration.ofSeconds(2)); // P
    backend.context.changed();
    backend.answer(Observation.leading(2));
    awaitView(e, LeadershipEvent::isLeader);
  }

  /** An election that led with term 1 and resigned, on a backend that can inspect. */
  private LeaderElection resignedLeader() {
    backend.canInspect = true;
    LeaderElection e = election();
    e.start();
    backend.answer(Observation.leading(1));
    awaitView(e, LeadershipEvent::isLeader);
    e.resign();
    return e;
  }

  @Test
  void resignHoldsOffUntilAnotherCandidateLed() {
    LeaderElection e = resignedLeader();
    backend.nextInspect().complete(new LeaderInfo("jobs", "me", 1, null)); // our old record
    backend.context.changed();
    backend.nextInspect().complete(new LeaderInfo("jobs", "other", 2, null));
    awaitView(e, v -> v.leader().equals(java.util.Optional.of("other")));
    assertThat(e.term()).isEqualTo(2);
    backend.context.changed(); // another had its chance: take part again, before P has passed
    backend.answer(Observation.following("other", 2));
    assertThat(backend.inspects).isEmpty();
  }

  @Test
  void aCallThatNeverAnswersIsAFailedRoundAfterHalfTheRenewDeadline() {
    LeaderElection e = LeaderElection.builder(backend).name("jobs").identity("me").ticker(ticker)
        .leaseDuration(Duration.ofMillis(600)).renewDeadline(Duration.ofMillis(400))
        .retryPeriod(Duration.ofMillis(100)).drainTimeout(Duration.ofSeconds(1)).build();
    opened.add(e);
    e.start();
    CompletableFuture<Observation> silent = backend.nextPoll();
    // the engine gives up on the silent poll after R / 2 and makes the next one after P
    backend.answer(Observation.leading(3));
    awaitView(e, LeadershipEvent::isLeader);
    silent.complete(Observation.following("other", 2)); // too late: the newer answer stands
    assertThat(e.isLeader()).isTrue();
  }

  @Test
  void lifeCycleIsChecked() {
    LeaderElection e = election();
    assertThatThrownBy(e::resign).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("LATENT");
    e.start();
    assertThatThrownBy(e::start).isInstanceOf(IllegalStateException.class);
    e.close();
    e.close();
    assertThatThrownBy(e::start).isInstanceOf(IllegalStateException.class);
    assertThat(backend.leaves.get()).isEqualTo(1);
  }

  @Test
  void aSubscriberOfAClosedElectionHearsTheFinalViewOnce() {
    LeaderElection e = election();
    e.start();
    backend.failEveryPoll();
    e.close();
    List<LeadershipEvent> seen = new CopyOnWriteArrayList<>();
    e.subscribe(seen::add);
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 1);
    assertThat(seen.get(0).state()).isEqualTo(LeadershipState.UNKNOWN);
  }

  @Test
  void awaitWakesUpOnChangeAndOnTimeout() throws InterruptedException {
    LeaderElection e = election();
    e.start();
    assertThat(e.await(LeadershipEvent::isLeader, Duration.ofMillis(50))).isFalse();
    Thread answer = new Thread(() -> backend.answer(Observation.leading(2)));
    answer.start();
    assertThat(e.await(LeadershipEvent::isLeader, Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void closingLeavesNoThreadOfTheElectionBehind() throws InterruptedException {
    LeaderElection e = election();
    CountDownLatch stuck = new CountDownLatch(1);
    e.subscribe(ev -> {
      try {
        stuck.await(); // a listener that never returns by itself
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
    });
    e.start();
    backend.answer(Observation.leading(1));
    assertThat(electionThreads()).isNotEmpty();
    backend.failEveryPoll();
    e.close();
    await("no election thread left").atMost(Duration.ofSeconds(5))
        .until(() -> electionThreads().isEmpty());
  }

  @Test
  void leaderWorkRunsWhileLeadingAndIsInterruptedOnLoss() {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    LeaderElection e = LeaderElection.builder(backend).name("jobs").identity("me").ticker(ticker)
        .whileLeader(term -> {
          started.countDown();
          try {
            new CountDownLatch(1).await();
          } catch (InterruptedException ex) {
            interrupted.countDown();
          }
        }).build();
    opened.add(e);
    e.start();
    backend.answer(Observation.leading(1));
    await().atMost(Duration.ofSeconds(5)).until(() -> started.getCount() == 0);
    backend.context.observed(Observation.following("other", 2));
    await().atMost(Duration.ofSeconds(5)).until(() -> interrupted.getCount() == 0);
  }

  /** A poll's answer is applied on whichever thread completes it: wait for it to show. */
  private static void awaitView(LeaderElection e, java.util.function.Predicate<LeadershipEvent> p) {
    await().atMost(Duration.ofSeconds(5)).until(() -> p.test(e.current()));
  }

  private static Set<String> electionThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .map(Thread::getName).filter(n -> n.startsWith("election-") || n.contains("-leader-term-"))
        .collect(Collectors.toSet());
  }
}
