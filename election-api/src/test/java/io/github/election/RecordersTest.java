package io.github.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.election.StoreRound.Outcome;
import io.github.election.spi.Observation;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The synchronous recorders a built election takes ({@link LeaderElection#recordRounds}, {@link
 * LeaderElection#recordTransitions}): what metrics are made of. Driven like {@link EngineTest},
 * by a backend whose answers the test gives by hand, on a manual clock.
 */
class RecordersTest {

  private final ScriptedBackend backend = new ScriptedBackend();
  private final ManualTicker ticker = new ManualTicker();
  private final List<LeaderElection> opened = new CopyOnWriteArrayList<>();
  /** Rounds and transitions as recorded, in the order of the calls. */
  private final List<Object> recorded = new CopyOnWriteArrayList<>();

  private LeaderElection election(Duration renewDeadline, Duration retryPeriod) {
    LeaderElection e = LeaderElection.builder(backend).name("jobs").identity("me").ticker(ticker)
        .leaseDuration(renewDeadline.multipliedBy(3).dividedBy(2)).renewDeadline(renewDeadline)
        .retryPeriod(retryPeriod).drainTimeout(Duration.ofSeconds(1)).build();
    opened.add(e);
    e.recordRounds(recorded::add);
    e.recordTransitions((previous, next) -> recorded.add(next));
    return e;
  }

  private LeaderElection election() {
    return election(Duration.ofSeconds(10), Duration.ofSeconds(2));
  }

  @AfterEach
  void closeAll() {
    backend.failEveryPoll();
    opened.forEach(LeaderElection::close);
  }

  @Test
  void eachRoundIsRecordedWithItsLatencyOnTheElectionsClockAndItsOutcome() {
    LeaderElection e = election();
    e.start();
    CompletableFuture<Observation> poll = backend.nextPoll();
    long sent = ticker.read();
    ticker.advance(Duration.ofMillis(1_500));
    poll.complete(Observation.leading(7));
    StoreRound first = awaitRounds(1).get(0);
    assertThat(first.outcome()).isEqualTo(Outcome.LEADING);
    assertThat(first.failed()).isFalse();
    assertThat(first.sentNanos()).isEqualTo(sent);
    assertThat(first.latencyNanos()).isEqualTo(Duration.ofMillis(1_500).toNanos());
    assertThat(first.reason()).isEmpty();
    assertThat(first.error()).isEmpty();

    backend.context.changed();
    backend.answer(Observation.following("other", 8));
    assertThat(awaitRounds(2).get(1).outcome()).isEqualTo(Outcome.FOLLOWING);

    backend.context.changed();
    IllegalStateException refused = new IllegalStateException("connection refused");
    backend.nextPoll().completeExceptionally(refused);
    StoreRound error = awaitRounds(3).get(2);
    assertThat(error.outcome()).isEqualTo(Outcome.ERROR);
    assertThat(error.failed()).isTrue();
    assertThat(error.error()).containsSame(refused);
    assertThat(error.reason()).contains("connection refused");

    backend.context.changed();
    backend.answer(Observation.unknown("session SUSPENDED"));
    StoreRound unknown = awaitRounds(4).get(3);
    assertThat(unknown.outcome()).isEqualTo(Outcome.UNKNOWN);
    assertThat(unknown.reason()).contains("session SUSPENDED");
    assertThat(unknown.error()).isEmpty();
  }

  @Test
  void anAnswerAfterTheRenewDeadlineIsALateRound() {
    LeaderElection e = election();
    e.start();
    CompletableFuture<Observation> poll = backend.nextPoll();
    ticker.advance(Duration.ofSeconds(10));
    poll.complete(Observation.leading(1));
    StoreRound late = awaitRounds(1).get(0);
    assertThat(late.outcome()).isEqualTo(Outcome.LATE);
    assertThat(late.failed()).isTrue();
    assertThat(e.isLeader()).isFalse();
  }

  @Test
  void aCallWithoutAnswerIsATimedOutRoundAfterHalfTheRenewDeadline() {
    LeaderElection e = election(Duration.ofMillis(400), Duration.ofMillis(100));
    e.start();
    backend.nextPoll(); // never answered: the engine gives up after R / 2 (200 ms)
    StoreRound timedOut = awaitRounds(1).get(0);
    assertThat(timedOut.outcome()).isEqualTo(Outcome.TIMEOUT);
    assertThat(timedOut.error()).get().isInstanceOf(TimeoutException.class);
    assertThat(timedOut.reason()).get().asString().contains("jobs/me", "200ms");
  }

  @Test
  void anAnswerOlderThanAPushedNoticeIsASupersededRound() {
    LeaderElection e = election();
    e.start();
    backend.answer(Observation.leading(42));
    awaitRounds(1);
    backend.context.changed();
    CompletableFuture<Observation> inFlight = backend.nextPoll();
    backend.context.observed(Observation.unknown("our key was deleted"));
    inFlight.complete(Observation.leading(42));
    assertThat(awaitRounds(2).get(1).outcome()).isEqualTo(Outcome.SUPERSEDED);
    assertThat(e.state()).isEqualTo(LeadershipState.UNKNOWN);
  }

  /** A metric of "last confirmed" reads the transition to LEADER before the round that made it. */
  @Test
  void theTransitionARoundCausedIsRecordedBeforeTheRound() {
    LeaderElection e = election();
    e.start();
    backend.answer(Observation.leading(3));
    awaitRounds(1);
    assertThat(recorded).hasSize(2);
    assertThat(recorded.get(0)).isInstanceOfSatisfying(LeadershipEvent.class,
        v -> assertThat(v.isLeader()).isTrue());
    assertThat(recorded.get(1)).isInstanceOf(StoreRound.class);
  }

  @Test
  void aRecorderAddedLaterSeesWhatFollowsAndStopsWhenItsSubscriptionCloses() {
    LeaderElection e = election();
    e.start();
    backend.answer(Observation.following("other", 1));
    awaitRounds(1);
    List<LeadershipEvent> later = new CopyOnWriteArrayList<>();
    List<StoreRound> laterRounds = new CopyOnWriteArrayList<>();
    Subscription transitions = e.recordTransitions((previous, next) -> later.add(next));
    Subscription rounds = e.recordRounds(laterRounds::add);
    backend.context.changed();
    backend.answer(Observation.leading(2));
    awaitRounds(2);
    assertThat(later).extracting(LeadershipEvent::state).containsExactly(LeadershipState.LEADER);
    assertThat(laterRounds).extracting(StoreRound::outcome).containsExactly(Outcome.LEADING);
    transitions.close();
    rounds.close();
    transitions.close(); // idempotent
    backend.context.changed();
    backend.answer(Observation.following("other", 3));
    awaitRounds(3);
    assertThat(later).hasSize(1);
    assertThat(laterRounds).hasSize(1);
  }

  @Test
  void closeRecordsTheFinalViewThenNothingMore() {
    LeaderElection e = election();
    e.start();
    backend.answer(Observation.leading(1));
    awaitRounds(1);
    backend.failEveryPoll();
    e.close();
    LeadershipEvent last = (LeadershipEvent) recorded.stream()
        .filter(LeadershipEvent.class::isInstance).reduce((a, b) -> b).orElseThrow();
    assertThat(last.state()).isEqualTo(LeadershipState.UNKNOWN);
    assertThat(last.sequence()).isEqualTo(e.current().sequence());
    List<Object> afterClose = new CopyOnWriteArrayList<>();
    e.recordTransitions((previous, next) -> afterClose.add(next)).close();
    e.recordRounds(afterClose::add);
    backend.context.changed();
    assertThat(afterClose).isEmpty();
  }

  @Test
  void aRecorderThatThrowsDoesNotStopTheElection() {
    LeaderElection e = election();
    e.recordRounds(round -> {
      throw new IllegalStateException("broken recorder");
    });
    e.recordTransitions((previous, next) -> {
      throw new IllegalStateException("broken recorder");
    });
    e.start();
    backend.answer(Observation.leading(5));
    await().atMost(Duration.ofSeconds(5)).until(e::isLeader);
    assertThat(awaitRounds(1)).hasSize(1);
  }

  /** The rounds recorded so far, once there are at least n. */
  private List<StoreRound> awaitRounds(int n) {
    await().atMost(Duration.ofSeconds(5)).until(() -> rounds().size() >= n);
    return rounds();
  }

  private List<StoreRound> rounds() {
    return recorded.stream().filter(StoreRound.class::isInstance).map(StoreRound.class::cast)
        .toList();
  }
}
