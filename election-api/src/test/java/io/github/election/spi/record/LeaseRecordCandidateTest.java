package io.github.election.spi.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.election.LeadershipEvent;
import io.github.election.Ticker;
import io.github.election.spi.CandidateContext;
import io.github.election.spi.ElectionSettings;
import io.github.election.spi.LeaderInfo;
import io.github.election.spi.Observation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The generic lease candidate (client-go's algorithm) against a record in memory, on a ticker
 * and a wall clock that only the test moves. D = 15 s, R = 10 s, P = 2 s.
 */
class LeaseRecordCandidateTest {

  private static final Duration D = Duration.ofSeconds(15);
  private static final Duration R = Duration.ofSeconds(10);
  private static final Duration P = Duration.ofSeconds(2);

  private final AtomicLong ticks = new AtomicLong(1_000_000_000L);
  private final Ticker ticker = ticks::get;
  private final AtomicReference<Instant> wall =
      new AtomicReference<>(Instant.parse("2026-12-02T04:00:00Z"));
  private final Clock clock = new Clock() {
    @Override
    public Instant instant() {
      return wall.get();
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  };
  private final InMemoryRecordStore store = new InMemoryRecordStore();
  /** Wake-ups the candidates asked for: delay in nanos. */
  private final List<Long> alarms = new ArrayList<>();
  private final AtomicInteger left = new AtomicInteger();

  /** A context without an engine: counts the changes reported. */
  private final class Context implements CandidateContext {
    final ElectionSettings settings;
    final AtomicInteger changes = new AtomicInteger();

    Context(String identity) {
      settings = new ElectionSettings("jobs", identity, D, R, P);
    }

    @Override
    public ElectionSettings settings() {
      return settings;
    }

    @Override
    public Ticker ticker() {
      return ticker;
    }

    @Override
    public void changed() {
      changes.incrementAndGet();
    }

    @Override
    public void observed(Observation observation) {
      throw new AssertionError("the generic candidate reports through changed() only");
    }
  }

  private Context context;

  private LeaseRecordCandidate candidate(String identity) {
    context = new Context(identity);
    return new LeaseRecordCandidate(store, context, (task, delayNanos) -> {
      synchronized (alarms) {
        alarms.add(delayNanos);
      }
      return new CompletableFuture<Void>();
    }, clock, left::incrementAndGet);
  }

  private void advance(Duration d) {
    ticks.addAndGet(d.toNanos());
  }

  private static <T> T now(CompletionStage<T> stage) {
    CompletableFuture<T> f = stage.toCompletableFuture();
    assertThat(f).as("answered at once").isDone();
    return f.join();
  }

  private static LeaderRecord held(String holder, long transitions, Instant at) {
    return new LeaderRecord(holder, D, at, at, transitions);
  }

  // ------------------------------------------------------------------ acquire and renew

  @Test
  void acquiresTheRecordWhenThereIsNone() {
    LeaseRecordCandidate me = candidate("me");
    assertThat(now(me.poll())).isEqualTo(Observation.leading(1));
    LeaderRecord r = store.record();
    assertThat(r.holderIdentity()).isEqualTo("me");
    assertThat(r.leaseDuration()).isEqualTo(D);
    assertThat(r.leaderTransitions()).isZero();
    assertThat(r.acquireTime()).isEqualTo(wall.get());
    assertThat(r.renewTime()).isEqualTo(wall.get());
    assertThat(store.requests()).containsExactly("get", "create");
    assertThat(store.watcher).as("the store's watch was started").isSameAs(me);
  }

  @Test
  void renewsItsRecordInTheSamePeriod() {
    LeaseRecordCandidate me = candidate("me");
    now(me.poll());
    Instant acquired = wall.get();
    advance(P);
    wall.set(acquired.plusSeconds(2));
    assertThat(now(me.poll())).isEqualTo(Observation.leading(1));
    LeaderRecord r = store.record();
    assertThat(r.leaderTransitions()).as("same period, same term").isZero();
    assertThat(r.acquireTime()).isEqualTo(acquired);
    assertThat(r.renewTime()).isEqualTo(acquired.plusSeconds(2));
  }

  @Test
  void takesAReleasedRecordAtOnceWithTheNextTerm() {
    store.put(new LeaderRecord(null, Duration.ofSeconds(1), wall.get(), wall.get(), 4));
    LeaseRecordCandidate me = candidate("me");
    assertThat(now(me.poll())).isEqualTo(Observation.leading(6));
    assertThat(store.record().leaderTransitions()).isEqualTo(5);
  }

  // ------------------------------------------------------------------ expiry by observed time

  @Test
  void followsAHolderUntilItsRecordWasSeenUnchangedForTheLeaseDuration() {
    // written an hour ago by the wall clock: a wall-clock judge would take it at once
    store.put(held("other", 4, wall.get().minusSeconds(3600)));
    LeaseRecordCandidate me = candidate("me");
    assertThat(now(me.poll())).isEqualTo(Observation.following("other", 5));
    assertThat(alarms).as("woken when the lease runs out")
        .containsExactly(D.toNanos() + TimeUnit.MILLISECONDS.toNanos(1));
    advance(D.minusNanos(1));
    assertThat(now(me.poll())).isEqualTo(Observation.following("other", 5));
    advance(Duration.ofNanos(1));
    assertThat(now(me.poll())).isEqualTo(Observation.leading(6));
    assertThat(store.record().holderIdentity()).isEqualTo("me");
    assertThat(store.record().leaderTransitions()).isEqualTo(5);
  }

  @Test
  void aRenewalSeenRestartsTheExpiryClock() {
    Instant t0 = wall.get();
    store.put(held("other", 0, t0));
    LeaseRecordCandidate me = candidate("me");
    now(me.poll());
    advance(Duration.ofSeconds(10));
    store.put(new LeaderRecord("other", D, t0, t0.plusSeconds(10), 0)); // renewed
    assertThat(now(me.poll())).isEqualTo(Observation.following("other", 1));
    advance(Duration.ofSeconds(10)); // 20 s since the first sight, 10 s since the renewal
    assertThat(now(me.poll())).isEqualTo(Observation.following("other", 1));
    advance(Duration.ofSeconds(5));
    assertThat(now(me.poll())).isEqualTo(Observation.leading(2));
  }

  @Test
  void theRecordsOwnLeaseDurationCounts() {
    store.put(new LeaderRecord("other", Duration.ofSeconds(40), wall.get(), wall.get(), 0));
    LeaseRecordCandidate me = candidate("me");
    now(me.poll());
    advance(D.plusSeconds(10));
    assertThat(now(me.poll())).isEqualTo(Observation.following("other", 1));
    advance(Duration.ofSeconds(15));
    assertThat(now(me.poll())).isEqualTo(Observation.leading(2));
  }

  // ------------------------------------------------------------------ conflicts

  @Test
  void anUpdateThatLostARaceReadsAgainAndFollowsTheWinner() {
    store.put(new LeaderRecord(null, Duration.ofSeconds(1), wall.get(), wall.get(), 2));
    store.beforeWrite = () -> store.put(held("other", 3, wall.get()));
    LeaseRecordCandidate me = candidate("me");
    assertThat(now(me.poll())).isEqualTo(Observation.following("other", 4));
    assertThat(store.requests()).containsExactly("get", "update", "get");
    assertThat(store.record().holderIdentity()).isEqualTo("other");
  }

  @Test
  void aCreateThatLostARaceReadsAgainAndFollowsTheWinner() {
    store.beforeWrite = () -> store.put(held("other", 0, wall.get()));
    LeaseRecordCandidate me = candidate("me");
    assertThat(now(me.poll())).isEqualTo(Observation.following("other", 1));
    assertThat(store.requests()).containsExactly("get", "create", "get");
  }

  @Test
  void twoLostRacesInARowFailTheRound() {
    store.put(new LeaderRecord(null, Duration.ofSeconds(1), wall.get(), wall.get(), 2));
    LeaseRecordCandidate me = candidate("me");
    store.beforeWrite = () -> {
      store.put(new LeaderRecord(null, Duration.ofSeconds(1), wall.get(), wall.get(), 2));
      store.beforeWrite = () -> store.put(
          new LeaderRecord(null, Duration.ofSeconds(1), wall.get(), wall.get(), 2));
    };
    assertThatThrownBy(() -> me.poll().toCompletableFuture().get())
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("changed under two updates in a row");
  }

  // ------------------------------------------------------------------ release

  @Test
  void releaseClearsTheHolderAndShortensTheLeaseSoAnotherTakesOverAtOnce() {
    LeaseRecordCandidate me = candidate("me");
    now(me.poll());
    advance(P);
    now(me.poll());
    int before = store.requests().size();
    wall.set(wall.get().plusSeconds(3));
    now(me.release());
    assertThat(store.requests().subList(before, store.requests().size()))
        .as("released at the version it wrote last: no read").containsExactly("update");
    LeaderRecord r = store.record();
    assertThat(r.holderIdentity()).isNull();
    assertThat(r.leaseDuration()).isEqualTo(Duration.ofSeconds(1));
    assertThat(r.leaderTransitions()).as("transitions kept").isZero();
    assertThat(r.acquireTime()).isEqualTo(wall.get());
    assertThat(r.renewTime()).isEqualTo(wall.get());

    LeaseRecordCandidate other = candidate("other");
    assertThat(now(other.poll())).isEqualTo(Observation.leading(2));
  }

  @Test
  void releaseAfterAnotherWroteReadsAgainAndLeavesAnotherHoldersRecordAlone() {
    LeaseRecordCandidate me = candidate("me");
    now(me.poll());
    VersionedRecord others = store.put(held("other", 1, wall.get()));
    now(me.release());
    assertThat(store.requests()).containsExactly("get", "create", "update", "get");
    assertThat(store.record()).isEqualTo(others.record());
  }

  @Test
  void leaveReleasesAndTellsTheStoreBeforeTheReleaseIsSent() {
    LeaseRecordCandidate me = candidate("me");
    now(me.poll());
    store.hold();
    CompletionStage<Void> leaving = me.leave();
    assertThat(store.leftWith).as("the store was told before the release was answered")
        .isNotNull();
    assertThat(store.leftWith.toCompletableFuture()).isNotDone();
    store.proceed();
    now(leaving);
    assertThat(store.record().holderIdentity()).isNull();
    assertThat(left).hasValue(1);
    // no change is reported once the candidate has left
    int changes = context.changes.get();
    me.recordChanged(held("other", 3, wall.get()));
    me.recordMayHaveChanged();
    assertThat(context.changes).hasValue(changes);
  }

  // ------------------------------------------------------------------ terms

  @Test
  void aRenewalTooLateForTheEnginesDeadlineStartsANewPeriod() {
    LeaseRecordCandidate me = candidate("me");
    assertThat(now(me.poll())).isEqualTo(Observation.leading(1));
    // the engine's deadline of the first confirmation (R from its call) passes before this
    // round's latest answer (R / 2 from this call): the engine may have left LEADER
    advance(R.dividedBy(2));
    assertThat(now(me.poll())).isEqualTo(Observation.leading(2));
    assertThat(store.record().leaderTransitions()).isEqualTo(1);
  }

  @Test
  void anAnswerThatCameAfterTheBudgetDoesNotContinueItsPeriod() {
    LeaseRecordCandidate me = candidate("me");
    store.hold();
    CompletionStage<Observation> slow = me.poll();
    advance(R.dividedBy(2).minusMillis(1));
    store.answerHeld(); // the get answers in time, and the create is sent in time
    advance(Duration.ofMillis(1));
    store.proceed(); // the create answers when the engine no longer waits (R / 2)
    assertThat(now(slow)).isEqualTo(Observation.leading(1));
    advance(Duration.ofMillis(1));
    assertThat(now(me.poll())).as("the engine never saw term 1 confirmed in time")
        .isEqualTo(Observation.leading(2));
  }

  @Test
  void takingItsRecordAgainAfterAReleaseThatFailedStartsANewPeriod() {
    LeaseRecordCandidate me = candidate("me");
    now(me.poll());
    store.failWith = new RecordRefusedException("forbidden: update leases", null);
    now(me.release()); // the record still names this candidate
    store.failWith = null;
    advance(P); // the engine's hold-off after the resign
    assertThat(now(me.poll())).isEqualTo(Observation.leading(2));
    assertThat(store.record().leaderTransitions()).isEqualTo(1);
  }

  @Test
  void aRestartedCandidateFindingItsOwnNameStartsANewPeriod() {
    store.put(held("me", 7, wall.get()));
    LeaseRecordCandidate me = candidate("me");
    assertThat(now(me.poll())).isEqualTo(Observation.leading(9));
    assertThat(store.record().leaderTransitions()).isEqualTo(8);
  }

  @Test
  void aDeletedRecordIsCreatedWithTheTransitionsAfterTheLastSeen() {
    store.put(held("other", 5, wall.get()));
    LeaseRecordCandidate me = candidate("me");
    now(me.poll());
    store.put(null);
    assertThat(now(me.poll())).isEqualTo(Observation.leading(7));
    assertThat(store.record().leaderTransitions()).isEqualTo(6);
  }

  // ------------------------------------------------------------------ ordering and budget

  @Test
  void aReleaseWaitsForTheRequestsOfThePollBeforeIt() {
    LeaseRecordCandidate me = candidate("me");
    store.hold();
    CompletionStage<Observation> poll = me.poll();
    CompletionStage<Void> release = me.release();
    assertThat(store.requests()).as("only the poll's read is under way").containsExactly("get");
    store.proceed();
    assertThat(now(poll)).isEqualTo(Observation.leading(1));
    now(release);
    assertThat(store.requests()).containsExactly("get", "create", "update");
    assertThat(store.record().holderIdentity()).isNull();
  }

  @Test
  void noWriteIsSentOnceThePollsBudgetHasPassed() {
    LeaseRecordCandidate me = candidate("me");
    store.hold();
    CompletionStage<Observation> poll = me.poll();
    advance(R.dividedBy(2));
    store.proceed();
    assertThatThrownBy(() -> poll.toCompletableFuture().get())
        .hasMessageContaining("not sent: the round ran out of time");
    assertThat(store.requests()).containsExactly("get");
    assertThat(store.record()).isNull();
  }

  // ------------------------------------------------------------------ refusals

  @Test
  void aRefusedRequestIsUnknownWithTheStoresReason() {
    store.failWith = new RecordRefusedException("forbidden: update leases", null);
    LeaseRecordCandidate me = candidate("me");
    Observation o = now(me.poll());
    assertThat(o.kind()).isEqualTo(Observation.Kind.UNKNOWN);
    assertThat(o.reason()).contains("forbidden: update leases");
    now(me.release()); // refused too: the lease runs out instead, and release does not fail
  }

  @Test
  void anUnreachableStoreFailsTheRound() {
    store.failWith = new IllegalStateException("no answer");
    LeaseRecordCandidate me = candidate("me");
    assertThatThrownBy(() -> me.poll().toCompletableFuture().get())
        .hasRootCauseMessage("no answer");
  }

  // ------------------------------------------------------------------ watch

  @Test
  void theWatchWakesTheEngineForANewHolderOrAReleaseNotForARenewal() {
    Instant t0 = wall.get();
    store.put(held("other", 0, t0));
    LeaseRecordCandidate me = candidate("me");
    now(me.poll());
    assertThat(context.changes).hasValue(0);
    me.recordChanged(new LeaderRecord("other", D, t0, t0.plusSeconds(2), 0));
    assertThat(context.changes).as("a renewal").hasValue(0);
    me.recordChanged(new LeaderRecord(null, Duration.ofSeconds(1), t0, t0, 0));
    assertThat(context.changes).as("a release").hasValue(1);
    me.recordChanged(held("third", 1, t0));
    assertThat(context.changes).as("a new holder").hasValue(2);
    me.recordChanged(null);
    assertThat(context.changes).as("the record deleted").hasValue(3);
    me.recordMayHaveChanged();
    assertThat(context.changes).as("the watch restarted").hasValue(4);
  }

  // ------------------------------------------------------------------ requests per round

  /** The requests sent since {@code from} (an index into the store's list). */
  private List<String> requestsSince(int from) {
    List<String> all = store.requests();
    return all.subList(from, all.size());
  }

  @Test
  void aFollowerWithAHealthyWatchSendsNoRequestPerPoll() {
    store.healthy = true;
    Instant t0 = wall.get();
    store.put(held("other", 0, t0));
    LeaseRecordCandidate me = candidate("me");
    assertThat(now(me.poll())).isEqualTo(Observation.following("other", 1));
    assertThat(store.requests()).as("the first poll reads").containsExactly("get");
    for (int i = 1; i <= 20; i++) { // 40 s: longer than D, kept alive by the renewals seen
      advance(P);
      store.put(new LeaderRecord("other", D, t0, t0.plusSeconds(2L * i), 0)); // a renewal
      assertThat(now(me.poll())).isEqualTo(Observation.following("other", 1));
    }
    assertThat(store.requests()).as("no request while the watch is healthy")
        .containsExactly("get");
    store.put(held("third", 1, t0)); // a takeover, delivered by the watch
    assertThat(now(me.poll())).isEqualTo(Observation.following("third", 2));
    assertThat(store.requests()).containsExactly("get");
  }

  @Test
  void aFollowerWithAHealthyWatchWritesOnceTheLeaseRanOutByItsOwnClock() {
    store.healthy = true;
    store.put(held("other", 4, wall.get()));
    LeaseRecordCandidate me = candidate("me");
    now(me.poll());
    advance(D.minusNanos(1));
    assertThat(now(me.poll())).isEqualTo(Observation.following("other", 5));
    assertThat(store.requests()).containsExactly("get");
    advance(Duration.ofNanos(1));
    assertThat(now(me.poll())).as("L3: the dead holder's lease ran out by this clock")
        .isEqualTo(Observation.leading(6));
    assertThat(store.requests()).as("a takeover at the version the watch showed, no read")
        .containsExactly("get", "update");
  }

  @Test
  void aTakeoverFromTheWatchedRecordThatLostARaceReadsAndFollows() {
    store.healthy = true;
    store.put(held("other", 4, wall.get()));
    LeaseRecordCandidate me = candidate("me");
    now(me.poll());
    advance(D);
    store.beforeWrite = () -> store.putUnseen(held("third", 5, wall.get()));
    assertThat(now(me.poll())).isEqualTo(Observation.following("third", 6));
    assertThat(store.requests()).containsExactly("get", "update", "get");
    advance(P);
    assertThat(now(me.poll())).as("the read was taken while the watch was healthy")
        .isEqualTo(Observation.following("third", 6));
    assertThat(store.requests()).containsExactly("get", "update", "get");
  }

  @Test
  void aFollowerWhoseWatchBrokeReadsAtEveryPoll() {
    store.healthy = true;
    store.put(held("other", 0, wall.get()));
    LeaseRecordCandidate me = candidate("me");
    now(me.poll());
    int changes = context.changes.get();
    store.breakWatch();
    assertThat(context.changes).as("the engine polls at once").hasValue(changes + 1);
    for (int i = 0; i < 3; i++) {
      advance(P);
      assertThat(now(me.poll())).isEqualTo(Observation.following("other", 1));
    }
    assertThat(store.requests()).containsExactly("get", "get", "get", "get");
  }

  @Test
  void aFollowerThatMissedEventsWhileTheWatchWasDownReadsOnceAfterItCameBack() {
    store.healthy = true;
    store.put(held("other", 0, wall.get()));
    LeaseRecordCandidate me = candidate("me");
    now(me.poll());
    store.breakWatch();
    store.putUnseen(held("third", 1, wall.get())); // a handover in the gap
    store.restoreWatch();
    advance(P);
    assertThat(now(me.poll())).as("the change in the gap is seen")
        .isEqualTo(Observation.following("third", 2));
    assertThat(store.requests()).containsExactly("get", "get");
    for (int i = 0; i < 3; i++) {
      advance(P);
      assertThat(now(me.poll())).isEqualTo(Observation.following("third", 2));
    }
    assertThat(store.requests()).as("one read after the watch came back, then none")
        .containsExactly("get", "get");
  }

  @Test
  void aReadWhoseAnswerMayBeOlderThanAnEventIsNotTrusted() {
    store.healthy = true;
    store.put(held("other", 0, wall.get()));
    LeaseRecordCandidate me = candidate("me");
    now(me.poll());
    store.breakWatch();
    store.restoreWatch();
    store.hold();
    CompletionStage<Observation> poll = me.poll(); // reads: the watch restarted
    store.put(held("third", 1, wall.get())); // an event while the read is under way
    store.putUnseen(held("fourth", 2, wall.get())); // the answer is of another version
    store.proceed();
    assertThat(now(poll)).isEqualTo(Observation.following("fourth", 3));
    advance(P);
    now(me.poll());
    assertThat(store.requests()).as("which of event and answer is newer is unknown: read again")
        .containsExactly("get", "get", "get");
    advance(P);
    now(me.poll());
    assertThat(store.requests()).containsExactly("get", "get", "get");
  }

  @Test
  void aVersionlessChangeMakesTheNextPollRead() {
    store.healthy = true;
    store.put(held("other", 0, wall.get()));
    LeaseRecordCandidate me = candidate("me");
    now(me.poll());
    me.recordChanged(held("third", 1, wall.get()));
    advance(P);
    now(me.poll());
    assertThat(store.requests()).containsExactly("get", "get");
  }

  @Test
  void aLeaderRenewsWithExactlyOneWrite() {
    LeaseRecordCandidate me = candidate("me"); // no watch at all: the write itself is the check
    assertThat(now(me.poll())).isEqualTo(Observation.leading(1));
    for (int i = 0; i < 5; i++) {
      int before = store.requests().size();
      advance(P);
      assertThat(now(me.poll())).isEqualTo(Observation.leading(1));
      assertThat(requestsSince(before)).as("renewal %s", i).containsExactly("update");
    }
    assertThat(store.record().leaderTransitions()).isZero();
  }

  @Test
  void aLeaderNeverAnswersFromItsWatch() {
    store.healthy = true;
    LeaseRecordCandidate me = candidate("me");
    now(me.poll());
    advance(P);
    int before = store.requests().size();
    store.failWith = new IllegalStateException("no answer");
    assertThatThrownBy(() -> me.poll().toCompletableFuture().get())
        .as("S2: only a write of this round confirms a leader").hasRootCauseMessage("no answer");
    assertThat(requestsSince(before)).containsExactly("update");
  }

  @Test
  void aRenewalThatLostARaceReadsAndFollowsTheWinner() {
    LeaseRecordCandidate me = candidate("me");
    now(me.poll());
    store.put(held("other", 1, wall.get())); // took over (the lease ran out while it stalled)
    advance(P);
    int before = store.requests().size();
    assertThat(now(me.poll())).isEqualTo(Observation.following("other", 2));
    assertThat(requestsSince(before)).containsExactly("update", "get");
    advance(P);
    before = store.requests().size();
    now(me.poll());
    assertThat(requestsSince(before)).as("a follower without a healthy watch reads")
        .containsExactly("get");
  }

  @Test
  void aRenewalThatLostARaceToAWriteKeepingItsNameRenewsAtTheVersionRead() {
    LeaseRecordCandidate me = candidate("me");
    now(me.poll());
    Instant t0 = wall.get();
    store.put(held("me", 0, t0)); // another writer touched the record, keeping the holder
    advance(P);
    int before = store.requests().size();
    assertThat(now(me.poll())).as("same period, same term").isEqualTo(Observation.leading(1));
    assertThat(requestsSince(before)).containsExactly("update", "get", "update");
    advance(P);
    before = store.requests().size();
    now(me.poll());
    assertThat(requestsSince(before)).containsExactly("update");
  }

  // ------------------------------------------------------------------ the adapter

  @Test
  void inspectNamesTheHolderWhileItsLeaseRunsByTheWallClock() {
    Instant renewed = Instant.parse("2026-12-02T04:00:00Z");
    LeaderRecord r = new LeaderRecord("other", D, renewed.minusSeconds(60), renewed, 4);
    LeaderInfo info = RecordElectionBackend.leaderInfo("jobs", r, renewed.plus(D));
    assertThat(info.leader()).contains("other");
    assertThat(info.term()).isEqualTo(5);
    assertThat(info.since()).contains(renewed.minusSeconds(60));
    assertThat(RecordElectionBackend.leaderInfo("jobs", r, renewed.plus(D).plusMillis(1))
        .leader()).as("ran out").isEmpty();
    LeaderInfo released = RecordElectionBackend.leaderInfo("jobs",
        new LeaderRecord(null, Duration.ofSeconds(1), renewed, renewed, 4), renewed);
    assertThat(released.leader()).isEmpty();
    assertThat(released.term()).isEqualTo(LeadershipEvent.NO_TERM);
  }

  @Test
  void anEmptyHolderIsNone() {
    assertThat(new LeaderRecord("", D, null, null, 0).holderIdentity()).isNull();
    assertThatThrownBy(() -> new LeaderRecord("a", D, null, null, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
