package io.github.election.spi.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.LeadershipState;
import io.github.election.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The record tier end to end: the engine over {@link RecordElectionBackend} over a record in
 * memory. The ticker moves only when the test says so; D = 60 s, R = 40 s, P = 30 s, so a
 * handover that waited for the next timed round (after at least 27 s) would miss every bound.
 */
class RecordElectionBackendTest {

  private static final Duration P = Duration.ofSeconds(30);

  private final AtomicLong ticks = new AtomicLong(1_000_000_000L);
  private final Ticker ticker = ticks::get;
  private final InMemoryRecordBackend backend = new InMemoryRecordBackend();
  private final List<LeaderElection> opened = new ArrayList<>();

  @AfterEach
  void closeAll() {
    opened.forEach(LeaderElection::close);
    backend.close();
  }

  private LeaderElection started(String identity) {
    LeaderElection e = LeaderElection.builder(backend).name("jobs").identity(identity)
        .ticker(ticker).leaseDuration(Duration.ofSeconds(60)).renewDeadline(Duration.ofSeconds(40))
        .retryPeriod(P).drainTimeout(Duration.ofSeconds(1)).build();
    opened.add(e);
    e.start();
    return e;
  }

  private static void awaitView(LeaderElection e, Predicate<LeadershipEvent> view) {
    await().atMost(Duration.ofSeconds(10)).until(() -> view.test(e.current()));
  }

  private static Predicate<LeadershipEvent> following(String leader, long term) {
    return v -> v.state() == LeadershipState.FOLLOWER && v.leader().equals(Optional.of(leader))
        && v.term() == term;
  }

  @Test
  void oneLeadsTheOtherFollowsAndTakesOverAtOnceWhenTheLeaderCloses() {
    LeaderElection a = started("a");
    awaitView(a, v -> v.isLeader() && v.term() == 1);
    LeaderElection b = started("b");
    awaitView(b, following("a", 1));
    a.close();
    awaitView(b, v -> v.isLeader() && v.term() == 2);
    assertThat(backend.record("jobs").record().holderIdentity()).isEqualTo("b");
  }

  @Test
  void aResignedLeaderLetsTheOtherLeadAndFollowsIt() {
    LeaderElection a = started("a");
    awaitView(a, LeadershipEvent::isLeader);
    LeaderElection b = started("b");
    awaitView(b, following("a", 1));
    a.resign();
    awaitView(b, v -> v.isLeader() && v.term() == 2);
    awaitView(a, following("b", 2));
  }

  @Test
  void aLoneResignedCandidateLeadsAgainOnlyAfterTheRetryPeriod() {
    LeaderElection a = started("a");
    awaitView(a, LeadershipEvent::isLeader);
    a.resign();
    InMemoryRecordStore record = backend.record("jobs");
    assertThat(record.record().holderIdentity()).as("released").isNull();
    // a change of the record during the hold-off: the engine only inspects the store (C2)
    int peeks = backend.peeks.get();
    record.watcher.recordMayHaveChanged();
    await().atMost(Duration.ofSeconds(10)).until(() -> backend.peeks.get() > peeks);
    assertThat(a.state()).isEqualTo(LeadershipState.FOLLOWER);
    assertThat(record.record().holderIdentity()).isNull();
    ticks.addAndGet(P.toNanos());
    record.watcher.recordMayHaveChanged();
    awaitView(a, v -> v.isLeader() && v.term() == 2);
  }

  @Test
  void aHandoverGoesToTheNamedCandidateWhileTheOthersWait() {
    LeaderElection a = started("a");
    awaitView(a, LeadershipEvent::isLeader);
    LeaderElection b = started("b");
    LeaderElection c = started("c");
    awaitView(b, following("a", 1));
    awaitView(c, following("a", 1));
    a.resign("c");
    awaitView(c, v -> v.isLeader() && v.term() == 2);
    awaitView(b, following("c", 2));
    assertThat(backend.record("jobs").record().preferredHolder()).as("cleared by c").isNull();
  }

  @Test
  void aHandoverToAnUnknownNameIsLeftToTheOthersAfterTheHandoverTimeout() {
    LeaderElection a = started("a");
    awaitView(a, LeadershipEvent::isLeader);
    LeaderElection b = started("b");
    awaitView(b, following("a", 1));
    a.resign("nobody");
    InMemoryRecordStore record = backend.record("jobs");
    assertThat(record.record().holderIdentity()).isNull();
    assertThat(record.record().preferredHolder()).isEqualTo("nobody");
    assertThat(record.record().leaseDuration()).as("the handover timeout: P").isEqualTo(P);
    // b's round after the release saw the record and left it to the name
    awaitView(b, v -> v.state() == LeadershipState.FOLLOWER && v.leader().isEmpty());
    assertThat(record.record().holderIdentity()).as("before the timeout").isNull();
    ticks.addAndGet(P.toNanos());
    record.watchers().forEach(RecordStore.Watcher::recordMayHaveChanged);
    // b takes it; a, which handed over, waits a retry period longer (C2)
    awaitView(b, v -> v.isLeader() && v.term() == 2);
    awaitView(a, following("b", 2));
  }
}
