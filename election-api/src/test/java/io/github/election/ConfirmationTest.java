package io.github.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.election.spi.Confirmation;
import io.github.election.spi.Observation;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Rule S5 in the engine: a confirmation by a shared request (session heartbeat, lease keep-alive)
 * keeps a view alive for R after its send time, only if it was sent after the round the view
 * came from and no change was reported since; the timed round then runs only when
 * confirmations stop. D 15 s, R 10 s, P 2 s on a manual clock.
 */
class ConfirmationTest {

  private final ScriptedBackend backend = new ScriptedBackend();
  private final ManualTicker ticker = new ManualTicker();
  private final List<LeaderElection> opened = new CopyOnWriteArrayList<>();

  private LeaderElection started() {
    LeaderElection e = LeaderElection.builder(backend).name("jobs").identity("me").ticker(ticker)
        .leaseDuration(Duration.ofSeconds(15)).renewDeadline(Duration.ofSeconds(10))
        .retryPeriod(Duration.ofSeconds(2)).drainTimeout(Duration.ofSeconds(1)).build();
    opened.add(e);
    e.start();
    return e;
  }

  @AfterEach
  void closeAll() {
    backend.failEveryPoll();
    opened.forEach(LeaderElection::close);
  }

  private static void awaitView(LeaderElection e, Predicate<LeadershipEvent> p) {
    await().atMost(Duration.ofSeconds(5)).until(() -> p.test(e.current()));
  }

  @Test
  void aConfirmationKeepsALeaderForRAfterItsSendTime() {
    LeaderElection e = started();
    backend.answer(Observation.leading(3));
    awaitView(e, LeadershipEvent::isLeader);
    ticker.advance(Duration.ofSeconds(8));
    Confirmation c = backend.context.confirmation(); // sent 8 s after the round
    ticker.advance(Duration.ofSeconds(1)); // answered 1 s later
    assertThat(c.confirmed()).isTrue();
    ticker.advance(Duration.ofMillis(8_999)); // 9.999 s after the heartbeat was sent
    assertThat(e.isLeader()).isTrue();
    assertThat(e.term()).isEqualTo(3);
    ticker.advance(Duration.ofMillis(1));
    assertThat(e.isLeader()).as("R after the heartbeat's send time").isFalse();
  }

  @Test
  void aHeartbeatSentBeforeTheRoundConfirmsNothing() {
    LeaderElection e = started();
    CompletableFuture<Observation> poll = backend.nextPoll();
    ticker.advance(Duration.ofMillis(1));
    Confirmation early = backend.context.confirmation(); // sent after the round: fine
    ticker.advance(Duration.ofSeconds(1));
    poll.complete(Observation.following("other", 2));
    awaitView(e, v -> v.state() == LeadershipState.FOLLOWER);
    // the leader changed: a round shows this candidate leading
    backend.context.changed();
    CompletableFuture<Observation> second = backend.nextPoll();
    ticker.advance(Duration.ofSeconds(1));
    second.complete(Observation.leading(4));
    awaitView(e, LeadershipEvent::isLeader);
    assertThat(early.confirmed()).as("a heartbeat sent before the round that made it leader")
        .isFalse();
    ticker.advance(Duration.ofSeconds(9)); // R after the second round was sent
    assertThat(e.isLeader()).isFalse();
  }

  @Test
  void aChangeReportedSinceTheRoundBlocksConfirmationsUntilTheNextRound() {
    LeaderElection e = started();
    backend.answer(Observation.leading(3));
    awaitView(e, LeadershipEvent::isLeader);
    ticker.advance(Duration.ofSeconds(1));
    Confirmation c = backend.context.confirmation();
    backend.context.changed(); // the watch fired before the heartbeat's answer came
    CompletableFuture<Observation> round = backend.nextPoll();
    assertThat(c.confirmed()).as("confirmation after a change notice").isFalse();
    ticker.advance(Duration.ofSeconds(1));
    round.complete(Observation.following("other", 4));
    awaitView(e, v -> v.state() == LeadershipState.FOLLOWER);
    ticker.advance(Duration.ofSeconds(1));
    Confirmation after = backend.context.confirmation();
    assertThat(after.confirmed()).as("a confirmation after the next round").isTrue();
    assertThat(e.current().leader()).contains("other");
  }

  @Test
  void aPushedObservationEndsWhatConfirmationsKeptAlive() {
    LeaderElection e = started();
    backend.answer(Observation.leading(3));
    awaitView(e, LeadershipEvent::isLeader);
    Confirmation c = backend.context.confirmation();
    backend.context.observed(Observation.unknown("session expired"));
    assertThat(e.state()).isEqualTo(LeadershipState.UNKNOWN);
    assertThat(c.confirmed()).isFalse();
    assertThat(e.state()).isEqualTo(LeadershipState.UNKNOWN);
  }

  @Test
  void aLapsedViewIsNotRevived() {
    LeaderElection e = started();
    backend.answer(Observation.leading(3));
    awaitView(e, LeadershipEvent::isLeader);
    ticker.advance(Duration.ofSeconds(5));
    Confirmation c = backend.context.confirmation();
    ticker.advance(Duration.ofSeconds(5)); // R after the round, 5 s after the heartbeat
    assertThat(e.state()).isEqualTo(LeadershipState.UNKNOWN);
    assertThat(c.confirmed()).as("a view that lapsed needs a round").isFalse();
    assertThat(e.state()).isEqualTo(LeadershipState.UNKNOWN);
  }

  @Test
  void whileConfirmedNoTimedRoundRunsAndOnceConfirmationsStopOneDoes() {
    LeaderElection e = started();
    backend.answer(Observation.following("other", 2));
    awaitView(e, v -> v.state() == LeadershipState.FOLLOWER);
    for (int i = 0; i < 10; i++) { // 20 s of heartbeats every P
      ticker.advance(Duration.ofSeconds(2));
      assertThat(backend.context.confirmation().confirmed()).isTrue();
    }
    assertThat(e.current().leader()).contains("other");
    assertThat(backend.polls).as("rounds while confirmed").isEmpty();
    // confirmations stop: a round comes within 1.5 P of the last one (the scheduler runs on
    // real time; the engine's timer re-arms on the manual clock's reading)
    ticker.advance(Duration.ofSeconds(3));
    CompletableFuture<Observation> fallback = backend.nextPoll();
    fallback.complete(Observation.following("other", 2));
    assertThat(e.state()).isEqualTo(LeadershipState.FOLLOWER);
  }

  @Test
  void aFollowerLeadsOnAWatchEventWithAConfirmationSentAfterItsRound() {
    LeaderElection e = started();
    backend.answer(Observation.following("other", 2));
    awaitView(e, v -> v.state() == LeadershipState.FOLLOWER);
    ticker.advance(Duration.ofSeconds(1));
    Confirmation c = backend.context.confirmation();
    assertThat(c.confirmed()).isTrue();
    assertThatThrownBy(() -> c.leading(0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(c.leading(2)).as("a term not above the last one seen").isFalse();
    ticker.advance(Duration.ofSeconds(1));
    assertThat(c.leading(5)).isTrue();
    assertThat(e.isLeader()).isTrue();
    assertThat(e.term()).isEqualTo(5);
    ticker.advance(Duration.ofMillis(8_999)); // 9.999 s after the confirmation's send time
    assertThat(e.isLeader()).isTrue();
    ticker.advance(Duration.ofMillis(1));
    assertThat(e.isLeader()).isFalse();
  }

  @Test
  void noLeadershipFromAConfirmationWhileResigning() {
    backend.canInspect = true;
    LeaderElection e = started();
    backend.answer(Observation.leading(3));
    awaitView(e, LeadershipEvent::isLeader);
    Confirmation c = backend.context.confirmation();
    e.resign();
    assertThat(c.confirmed()).as("a confirmation in the hold-off after a resign").isFalse();
    assertThat(c.leading(9)).isFalse();
    assertThat(e.isLeader()).isFalse();
  }
}
