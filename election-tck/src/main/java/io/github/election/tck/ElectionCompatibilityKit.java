package io.github.election.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.election.LeaderElection;
import io.github.election.LeaderObserver;
import io.github.election.LeaderTask;
import io.github.election.LeadershipEvent;
import io.github.election.LeadershipState;
import io.github.election.Subscription;
import io.github.election.spi.ElectionBackend;
import io.github.election.testing.Fault;
import io.github.election.testing.Timings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * The compatibility kit: one test per rule of the leadership contract (docs/CONTRACT.md), named
 * after the rule ({@code S1_...}, {@code N3_...}). A backend's test extends this class and
 * supplies its store through {@link #createFixture()}:
 *
 * <pre>{@code
 * class MyStoreCompatibilityTest extends ElectionCompatibilityKit {
 *   protected ElectionFixture createFixture() {
 *     return new MyStoreFixture();   // starts the store, hands out clients, injects faults
 *   }
 * }
 * }</pre>
 *
 * <p>Every test builds its candidates on fresh clients of the fixture, in an election of its
 * own, with the fixture's {@link Timings}; a {@link SafetyMonitor} records all of them and
 * every test ends by checking S1 and S3 on the whole history. Rules that need a fault the
 * fixture does not list in {@link ElectionFixture#faults()} are skipped with the reason.
 *
 * <p>When a test fails, its display name gives the rule; docs/CONTRACT.md says what the rule
 * promises and the test's javadoc what to look at first.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
public abstract class ElectionCompatibilityKit {

  /**
   * The tag of the kit's tests that hold a fault for 30 s (rule F4): a backend's build can run
   * them apart, but a backend passes the kit only with them.
   */
  public static final String SLOW = "slow";

  /** Makes the fixture of one test; the kit closes it after the test. */
  protected abstract ElectionFixture createFixture();

  /** The fixture of the running test. */
  protected ElectionFixture fixture;
  /** Its timings. */
  protected Timings timings;
  /** The monitor of every candidate of the running test. */
  protected SafetyMonitor monitor;
  /** The name of the running test's election, unique per test. */
  protected String electionName;

  private final List<Participant> participants = new CopyOnWriteArrayList<>();
  private final List<ElectionBackend> backends = new CopyOnWriteArrayList<>();
  private final List<Runnable> cleanups = new CopyOnWriteArrayList<>();
  private final List<LeaderObserver> observers = new CopyOnWriteArrayList<>();
  private final java.util.Map<LeaderObserver, ElectionBackend> observerBackends =
      new ConcurrentHashMap<>();

  @BeforeEach
  void setUpKit(TestInfo info) {
    fixture = createFixture();
    timings = fixture.timings();
    monitor = new SafetyMonitor();
    String rule = info.getTestMethod().map(m -> m.getName().split("_")[0]).orElse("test");
    electionName = ("tck-" + rule + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()))
        .toLowerCase(Locale.ROOT);
  }

  @AfterEach
  void tearDownKit() {
    try {
      cleanups.forEach(Runnable::run);
      closeAll(participants);
      observers.forEach(LeaderObserver::close);
      for (ElectionBackend b : backends) {
        b.close();
      }
      monitor.assertSafe();
    } finally {
      participants.clear();
      observers.clear();
      observerBackends.clear();
      backends.clear();
      cleanups.clear();
      fixture.close();
    }
  }

  // ------------------------------------------------------------------ helpers for tests

  /** A candidate of the test's election on a fresh client, built with the fixture's timings; not started. */
  protected Participant candidate(String identity) {
    return candidate(identity, UnaryOperator.identity());
  }

  /** As {@link #candidate(String)}, with the builder adjusted by {@code customize}. */
  protected Participant candidate(String identity, UnaryOperator<LeaderElection.Builder> customize) {
    return candidate(identity, true, customize);
  }

  private Participant candidate(String identity, boolean checked,
      UnaryOperator<LeaderElection.Builder> customize) {
    ElectionBackend backend = fixture.newBackend();
    backends.add(backend);
    LeaderElection.Builder builder = timings.applyTo(LeaderElection.builder(backend))
        .name(electionName)
        .identity(identity)
        .drainTimeout(timings.renewDeadline())
        .transitionRecorder(monitor.recorder(checked));
    LeaderElection election = fixture.decorate(customize.apply(builder).build());
    EventLog log = new EventLog(election);
    election.subscribe(log);
    Participant p = new Participant(identity, backend, election, log);
    participants.add(p);
    return p;
  }

  /**
   * An observer of the test's election on a fresh client, with the fixture's lease duration and
   * renew deadline and the given retry period; not started. The kit closes it after the test.
   */
  protected LeaderObserver observer(String identity, Duration retryPeriod) {
    ElectionBackend backend = fixture.newBackend();
    backends.add(backend);
    LeaderObserver o = LeaderObserver.builder(backend).name(electionName).identity(identity)
        .leaseDuration(timings.leaseDuration()).renewDeadline(timings.renewDeadline())
        .retryPeriod(retryPeriod).build();
    observers.add(o);
    observerBackends.put(o, backend);
    return o;
  }

  /** The backend an observer of {@link #observer} runs on. */
  private ElectionBackend backendOf(LeaderObserver o) {
    return observerBackends.get(o);
  }

  /** Makes and starts {@code n} candidates named c1, c2, ... */
  protected List<Participant> started(int n) {
    List<Participant> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(candidate("c" + i));
    }
    out.forEach(p -> p.election().start());
    return out;
  }

  /** Skips the running test, with the reason, when the fixture cannot inject a fault. */
  protected void requireFault(Fault fault, String rule) {
    assumeTrue(fixture.faults().contains(fault), () -> "rule " + rule + " needs fault " + fault
        + ", which this fixture does not offer (ElectionFixture.faults())");
  }

  /** Skips a test tagged {@value #SLOW} where the fixture leaves those to another fixture. */
  protected void requireSlowTests() {
    Optional<String> elsewhere = fixture.slowTestsRunElsewhere();
    assumeTrue(elsewhere.isEmpty(), () -> "a 30 s test, left out on this fixture: "
        + elsewhere.orElse(""));
  }

  /** Waits until the condition holds, failing with {@code what} after {@code atMost}. */
  protected static void await(String what, Duration atMost, BooleanSupplier condition) {
    try {
      Awaitility.await(what).atMost(atMost).pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(5)).until(condition::getAsBoolean);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(what + ": not within " + atMost, e);
    }
  }

  /** Waits until exactly one of the candidates leads and the others follow it; returns the leader. */
  protected Participant awaitConverged(Collection<Participant> group, Duration atMost) {
    AtomicReference<Participant> leader = new AtomicReference<>();
    await("one leader, followed by " + group, atMost, () -> {
      leader.set(convergedLeader(group));
      return leader.get() != null;
    });
    return leader.get();
  }

  /** The leader, if exactly one of the candidates leads and the others follow it; else null. */
  protected static Participant convergedLeader(Collection<Participant> group) {
    Participant found = null;
    for (Participant p : group) {
      if (p.current().isLeader()) {
        if (found != null) {
          return null;
        }
        found = p;
      }
    }
    if (found == null) {
      return null;
    }
    LeadershipEvent lead = found.current();
    for (Participant p : group) {
      LeadershipEvent e = p.current();
      if (p != found && (e.state() != LeadershipState.FOLLOWER
          || !e.leader().equals(Optional.of(found.identity())) || e.term() != lead.term())) {
        return null;
      }
    }
    return found;
  }

  /** Waits until a candidate other than {@code except} leads; returns it. */
  protected Participant awaitOtherLeader(Collection<Participant> group, Participant except,
      Duration atMost) {
    AtomicReference<Participant> leader = new AtomicReference<>();
    await("a leader other than " + except.identity() + " among " + group, atMost, () -> {
      for (Participant p : group) {
        if (p != except && p.isLeader()) {
          leader.set(p);
          return true;
        }
      }
      return false;
    });
    return leader.get();
  }

  /** The ticker time at which {@code p} last became LEADER (from its own recorded history). */
  protected long leaderSince(Participant p) {
    List<SafetyMonitor.Interval> mine = monitor.intervalsOf(p.identity());
    assertThat(mine).as("leadership periods of " + p.identity()).isNotEmpty();
    return mine.get(mine.size() - 1).start();
  }

  /** Time for convergence at start or after a fault: D + P plus the fixture's slack. */
  protected Duration electionBound() {
    return timings.electionBound().plus(timings.handover());
  }

  private static void closeAll(Collection<Participant> group) {
    List<Thread> closers = new ArrayList<>();
    for (Participant p : group) {
      Thread t = new Thread(() -> p.election().close(), "tck-close-" + p.identity());
      t.start();
      closers.add(t);
    }
    for (Thread t : closers) {
      try {
        t.join(TimeUnit.MINUTES.toMillis(1));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static long nanosSince(long start) {
    return System.nanoTime() - start;
  }

  private static Duration nanos(long n) {
    return Duration.ofNanos(n);
  }

  // ================================================================== S: safety

  /** Rules S1-S4. */
  @Nested
  @DisplayName("S: safety")
  class Safety {

    /**
     * Leaders are handed over by resign, close and (where the fixture can) crash; the monitor
     * must never see two LEADER intervals overlap. A failure names both intervals: look at the
     * order "old leader leaves LEADER, then releases, then the store elects".
     */
    @Test
    @DisplayName("S1: at most one candidate is LEADER at any instant")
    void S1_atMostOneLeaderAtAnyInstant() {
      List<Participant> group = started(3);
      Participant first = awaitConverged(group, electionBound());
      first.election().resign();
      Participant second = awaitOtherLeader(group, first, electionBound());
      second.election().close();
      List<Participant> rest = new ArrayList<>(group);
      rest.remove(second);
      Participant third = awaitConverged(rest, electionBound());
      if (fixture.faults().contains(Fault.CRASH)) {
        fixture.crash(third.backend());
        rest.remove(third);
        awaitConverged(rest, electionBound());
      }
      monitor.assertAtMostOneLeader();
      assertThat(monitor.intervals()).as("leadership periods seen").hasSizeGreaterThanOrEqualTo(3);
    }

    /**
     * The leader's confirmations are stopped (network cut, else crash) and its ticker is moved
     * past R: its getters must stop reporting LEADER at once, without waiting for any thread,
     * and its listeners must hear of it. A failure means state() trusts a cached state instead
     * of checking the deadline.
     */
    @Test
    @DisplayName("S2: a leader not confirmed within R is no longer LEADER, checked by the getters themselves")
    void S2_leaderNotConfirmedWithinRenewDeadlineIsNoLongerLeader() {
      boolean cut = fixture.faults().contains(Fault.CUT);
      assumeTrue(cut || fixture.faults().contains(Fault.CRASH),
          "rule S2 needs fault CUT or CRASH to stop the confirmations");
      ShiftableTicker ticker = new ShiftableTicker();
      Participant p = candidate("c1", false, b -> b.ticker(ticker));
      p.election().start();
      await("c1 leads", electionBound(), p::isLeader);
      if (cut) {
        fixture.cut(p.backend());
      } else {
        fixture.crash(p.backend());
      }
      ticker.advance(timings.renewDeadline());
      assertThat(p.election().isLeader()).as("isLeader() right after R passed").isFalse();
      assertThat(p.election().state()).as("state() right after R passed")
          .isNotEqualTo(LeadershipState.LEADER);
      assertThat(p.election().current().isLeader()).as("current() right after R passed").isFalse();
      await("a listener hears that c1 is no longer leader", timings.handover(),
          () -> p.log().last().map(e -> !e.isLeader()).orElse(false));
      if (cut) {
        fixture.heal(p.backend());
      }
    }

    /**
     * The leader's renew deadline passes while no thread of the election looks (its ticker is
     * moved past R, as for a process that was frozen), and the next change comes from elsewhere
     * (here a resign; in a frozen process, whichever thread of the backend runs first). The
     * record must still end the period at the deadline, not at the later change: whoever reads
     * the transitions (an audit log, the safety monitor, a fault campaign's history) would
     * otherwise see this leader overlap the next one. A failure means the engine publishes the
     * next view without first closing the one that lapsed.
     */
    @Test
    @DisplayName("S2: a leadership that lapsed unnoticed is recorded as ending at its deadline")
    void S2_lapsedLeadershipIsRecordedAsEndingAtItsDeadline() {
      ShiftableTicker ticker = new ShiftableTicker();
      List<LeadershipEvent> ends = new CopyOnWriteArrayList<>();
      Participant p = candidate("c1", false, b -> b.ticker(ticker)
          .transitionRecorder((previous, next) -> {
            if (previous.isLeader() && !next.isLeader()) {
              ends.add(next);
            }
          }));
      p.election().start();
      await("c1 leads", electionBound(), p::isLeader);
      long latestDeadline = ticker.read() + timings.renewDeadline().toNanos();
      ticker.advance(timings.renewDeadline().plusSeconds(1));
      p.election().resign(); // the next change, before any getter looked at the clock
      assertThat(ends).as("transitions out of LEADER").hasSize(1);
      assertThat(ends.get(0).sinceNanos())
          .as("when c1's leadership ended, in ns after its renew deadline at the latest")
          .isLessThanOrEqualTo(latestDeadline + Duration.ofMillis(500).toNanos());
    }

    /**
     * Leadership moves by resign, close and restart of a candidate under the same identity; the
     * terms of successive periods must strictly increase. A failure shows the history: a
     * backend that reuses a counter per candidate, or resets it with the lease, breaks this.
     */
    @Test
    @DisplayName("S3: terms strictly increase from one leadership period to the next")
    void S3_termsStrictlyIncreaseFromOnePeriodToTheNext() {
      List<Participant> group = new ArrayList<>(started(3));
      for (int round = 0; round < 3; round++) {
        Participant leader = awaitConverged(group, electionBound());
        leader.election().resign();
        awaitOtherLeader(group, leader, electionBound());
      }
      Participant leader = awaitConverged(group, electionBound());
      leader.election().close();
      group.remove(leader);
      Participant again = candidate(leader.identity()); // the same candidate, restarted
      again.election().start();
      group.add(again);
      Participant next = awaitConverged(group, electionBound());
      next.election().resign();
      awaitConverged(group, electionBound());
      List<Long> terms = new ArrayList<>();
      monitor.intervals().forEach(i -> terms.add(i.term()));
      assertThat(terms).as("terms of successive periods").hasSizeGreaterThanOrEqualTo(5);
      monitor.assertTermsIncrease();
      assertThat(terms).allMatch(t -> t > 0, "terms are positive");
    }

    /** While LEADER, leader() is the own identity and term() the period's positive term. */
    @Test
    @DisplayName("S4: a LEADER reports its own identity and the term of its period")
    void S4_leaderReportsItsOwnIdentityAndTerm() {
      List<Participant> group = started(2);
      for (int round = 0; round < 2; round++) {
        Participant leader = awaitConverged(group, electionBound());
        LeadershipEvent view = leader.current();
        assertThat(leader.election().leader()).as("leader() of the leader")
            .contains(leader.identity());
        assertThat(leader.election().term()).as("term() of the leader")
            .isEqualTo(view.term()).isPositive();
        assertThat(monitor.intervalsOf(leader.identity())).as("recorded periods")
            .last().extracting(SafetyMonitor.Interval::term).isEqualTo(view.term());
        leader.election().resign();
        awaitOtherLeader(group, leader, electionBound());
      }
      for (Participant p : group) {
        for (LeadershipEvent e : p.log().events()) {
          if (e.isLeader()) {
            assertThat(e.leader()).as("leader of a LEADER event of " + p.identity())
                .contains(p.identity());
            assertThat(e.term()).as("term of a LEADER event").isPositive();
          }
        }
      }
    }

    /**
     * The store ends the leader's session or lease (its network stays up; its client gets a new
     * session at once and heartbeats on): no confirmation may keep the old period alive. The
     * leader leaves LEADER of that term within R, and never shows it again; it may lead later
     * only in a new term, after a round showed it first. A failure means a heartbeat confirmed a
     * candidate whose node or key was gone (a heartbeat of another session, or one that never
     * asked the store), or the backend's notice of the loss was lost.
     */
    @Test
    @DisplayName("S5: a heartbeat confirms only candidates of the session that answered it; a session the store ended confirms nothing")
    void S5_confirmationsEndWithTheSessionThatHeldTheCandidacy() {
      requireFault(Fault.EXPIRE, "S5");
      monitor.tolerateOverlap(timings.handover()); // the store ends a live session unannounced
      List<Participant> group = started(2);
      Participant leader = awaitConverged(group, electionBound());
      long term = leader.current().term();
      // a few retry periods: heartbeats, where the backend has them, take over from rounds
      Awaitility.await("heartbeats take over").pollDelay(timings.retryPeriod().multipliedBy(3))
          .atMost(timings.retryPeriod().multipliedBy(4)).until(() -> true);
      fixture.expire(leader.backend());
      await(leader.identity() + " leaves LEADER of term " + term + " once its session is gone",
          timings.renewDeadline().plus(timings.handover()),
          () -> !leader.isLeader() || leader.current().term() != term);
      Awaitility.await(leader.identity() + " never shows term " + term + " again")
          .during(timings.leaseDuration()).atMost(timings.leaseDuration().plus(timings.handover()))
          .until(() -> !leader.isLeader() || leader.current().term() != term);
      awaitConverged(group, electionBound().plus(timings.handover()));
    }
  }

  // ================================================================== L: liveness

  /** Rules L1-L4. */
  @Nested
  @DisplayName("L: liveness")
  class Liveness {

    /** Three candidates start together; one must lead within D + P. */
    @Test
    @DisplayName("L1: with a healthy store a leader is elected within D + P")
    void L1_leaderElectedWithinLeaseDurationPlusRetryPeriod() {
      long start = System.nanoTime();
      List<Participant> group = started(3);
      Participant leader = awaitConverged(group, electionBound());
      assertThat(nanos(leaderSince(leader) - start)).as("time to the first leader")
          .isLessThanOrEqualTo(electionBound());
    }

    /**
     * With P much longer than the fixture's handover bound, the leader resigns, then the next
     * one closes: each time another candidate must lead within one round trip plus one change
     * notification. A failure means followers only noticed at their next poll: watch the store.
     */
    @Test
    @DisplayName("L2: after resign or close another candidate leads within one round trip plus one notification")
    void L2_handoverWithoutWaitingForRetryPeriodOrLease() {
      Duration longP = timings.renewDeadline().minus(timings.renewDeadline().dividedBy(10));
      assumeTrue(timings.handover().multipliedBy(2).compareTo(longP) < 0,
          "fixture's handover bound " + timings.handover() + " is too close to R to tell a "
              + "handover by notification from one by polling");
      List<Participant> group = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        group.add(candidate("c" + i, b -> b.retryPeriod(longP)));
      }
      group.forEach(p -> p.election().start());
      Participant first = awaitConverged(group, electionBound().plus(longP));

      long resignAt = System.nanoTime();
      first.election().resign();
      Participant second = awaitOtherLeader(group, first, longP);
      assertThat(nanos(leaderSince(second) - resignAt)).as("handover on resign")
          .isLessThanOrEqualTo(timings.handover());

      awaitConverged(group, longP);
      long closeAt = System.nanoTime();
      second.election().close();
      Participant third = awaitOtherLeader(group, second, longP);
      assertThat(nanos(leaderSince(third) - closeAt)).as("handover on close")
          .isLessThanOrEqualTo(timings.handover());
    }

    /**
     * The leader's client crashes without releasing anything; another candidate must lead
     * within D + P, and (checked by the monitor) not while the crashed one still counted itself
     * leader.
     */
    @Test
    @DisplayName("L3: after the leader dies without cleanup another leads within D + P, not before its lease ran out")
    void L3_failoverAfterCrashWithinLeaseDurationPlusRetryPeriod() {
      requireFault(Fault.CRASH, "L3");
      List<Participant> group = new ArrayList<>(started(3));
      Participant dead = awaitConverged(group, electionBound());
      long crashAt = System.nanoTime();
      fixture.crash(dead.backend());
      group.remove(dead);
      Participant next = awaitConverged(group, electionBound().plus(timings.handover()));
      assertThat(nanos(leaderSince(next) - crashAt)).as("failover after a crash")
          .isLessThanOrEqualTo(electionBound());
      await("the crashed candidate stops counting itself leader", electionBound(),
          () -> !dead.isLeader());
      List<SafetyMonitor.Interval> deadPeriods = monitor.intervalsOf(dead.identity());
      assertThat(deadPeriods.get(deadPeriods.size() - 1).end())
          .as("end of the crashed leader's period vs start of the next")
          .isLessThanOrEqualTo(leaderSince(next));
    }

    /**
     * The store ends the leader's session or lease from outside (as an operator or a timeout
     * would): the candidate must notice, leave LEADER, rejoin by itself, and the election must
     * converge with all three candidates. A store that ends a live session gives its holder no
     * warning, so in this test alone two leaders may overlap for up to the handover bound.
     */
    @Test
    @DisplayName("L4: after the store ends a candidate's session or lease it rejoins by itself and the election converges")
    void L4_rejoinsAfterSessionExpiry() {
      requireFault(Fault.EXPIRE, "L4");
      monitor.tolerateOverlap(timings.handover());
      List<Participant> group = started(3);
      Participant leader = awaitConverged(group, electionBound());
      fixture.expire(leader.backend());
      await(leader.identity() + " leaves LEADER once its session is gone",
          timings.renewDeadline().plus(timings.handover()), () -> !leader.isLeader()
              || leader.current().term() != monitor.intervalsOf(leader.identity()).get(0).term());
      awaitConverged(group, electionBound().plus(timings.handover()));
      for (Participant p : group) {
        assertThat(p.state()).as("%s rejoined", p.identity()).isNotEqualTo(LeadershipState.UNKNOWN);
      }
    }

    /** The store stops and starts again; the election must converge to one leader within D + P. */
    @Test
    @DisplayName("L4: after a store outage the election converges to exactly one LEADER within D + P")
    void L4_convergesAfterStoreOutage() {
      requireFault(Fault.RESTART, "L4");
      List<Participant> group = started(3);
      awaitConverged(group, electionBound());
      fixture.stopStore();
      await("nobody leads while the store is down",
          timings.renewDeadline().plus(timings.handover()),
          () -> group.stream().noneMatch(Participant::isLeader));
      long restartAt = System.nanoTime();
      fixture.startStore();
      awaitConverged(group, electionBound().plus(timings.handover()));
      assertThat(nanos(nanosSince(restartAt))).as("convergence after the outage")
          .isLessThanOrEqualTo(electionBound().plus(timings.handover()));
    }
  }

  // ================================================================== N: notifications

  /** Rules N1-N9. */
  @Nested
  @DisplayName("N: notifications")
  class Notifications {

    private void churn(List<Participant> group, int rounds) {
      for (int i = 0; i < rounds; i++) {
        Participant leader = awaitConverged(group, electionBound());
        leader.election().resign();
        awaitOtherLeader(group, leader, electionBound());
      }
      awaitConverged(group, electionBound());
    }

    /**
     * Every notification of every candidate, during several handovers, is compared with what
     * current() showed at the start of the call: it must be the notified view or a later one.
     */
    @Test
    @DisplayName("N1: when a subscriber is notified, the getters already show the change")
    void N1_stateIsSetBeforeNotification() {
      List<Participant> group = started(3);
      churn(group, 3);
      for (Participant p : group) {
        List<EventLog.Call> calls = p.log().calls();
        assertThat(calls).as("notifications of " + p.identity()).isNotEmpty();
        for (EventLog.Call c : calls) {
          assertThat(c.seen().sequence())
              .as("%s notified of %s while current() showed %s", p.identity(), c.event(), c.seen())
              .isGreaterThanOrEqualTo(c.event().sequence());
          if (c.seen().sequence() == c.event().sequence()) {
            assertThat(c.seen().state()).isEqualTo(c.event().state());
            assertThat(c.seen().leader()).isEqualTo(c.event().leader());
            assertThat(c.seen().term()).isEqualTo(c.event().term());
          }
        }
      }
    }

    /**
     * A subscriber is held inside its first call while the leadership changes several times;
     * once released, it must be told the view after the last change.
     */
    @Test
    @DisplayName("N2: after every change each subscriber is notified at least once more")
    void N2_noLostWakeUps() {
      List<Participant> group = started(3);
      Participant watched = group.get(0);
      CountDownLatch gate = new CountDownLatch(1);
      cleanups.add(gate::countDown);
      List<LeadershipEvent> seen = new CopyOnWriteArrayList<>();
      AtomicBoolean first = new AtomicBoolean(true);
      watched.election().subscribe(e -> {
        seen.add(e);
        if (first.getAndSet(false)) {
          awaitGate(gate);
        }
      });
      churn(group, 3);
      long before = watched.current().sequence();
      gate.countDown();
      await("the held subscriber is told the latest view", timings.handover(), () ->
          !seen.isEmpty() && seen.get(seen.size() - 1).sequence() >= before
              && seen.get(seen.size() - 1).sequence() == watched.current().sequence());
      for (Participant p : group) {
        await("the log of " + p.identity() + " ends with its current view", timings.handover(),
            () -> p.log().last().map(e -> e.sequence() == p.current().sequence()).orElse(false));
      }
    }

    /**
     * A subscriber is held while the view changes several times: when released it must get at
     * most one more call, carrying the newest view; the election must not wait for it.
     */
    @Test
    @DisplayName("N3: a busy subscriber has at most one notification pending, carrying the latest state")
    void N3_busySubscriberGetsOneCoalescedNotification() {
      List<Participant> group = started(3);
      Participant watched = awaitConverged(group, electionBound());
      CountDownLatch gate = new CountDownLatch(1);
      cleanups.add(gate::countDown);
      List<LeadershipEvent> seen = new CopyOnWriteArrayList<>();
      AtomicBoolean first = new AtomicBoolean(true);
      watched.election().subscribe(e -> {
        seen.add(e);
        if (first.getAndSet(false)) {
          awaitGate(gate);
        }
      });
      await("the held subscriber got its first call", timings.handover(), () -> !seen.isEmpty());
      long firstSeq = seen.get(0).sequence();
      churn(group, 3);
      assertThat(watched.current().sequence()).as("changes while the subscriber was held")
          .isGreaterThanOrEqualTo(firstSeq + 2);
      gate.countDown();
      await("the held subscriber catches up", timings.handover(),
          () -> seen.get(seen.size() - 1).sequence() == watched.current().sequence());
      assertThat(seen).as("calls of a subscriber held during several changes").hasSize(2);
    }

    /**
     * One subscriber blocks forever and another throws; a third must still be told of each
     * change at once, and the leader must keep renewing for longer than R.
     */
    @Test
    @DisplayName("N4: a stuck or throwing subscriber delays neither the others nor the renewals")
    void N4_stuckOrThrowingSubscriberDelaysNeitherOthersNorRenewals() {
      List<Participant> group = started(2);
      Participant leader = awaitConverged(group, electionBound());
      CountDownLatch forever = new CountDownLatch(1);
      cleanups.add(forever::countDown);
      for (Participant p : group) {
        p.election().subscribe(e -> awaitGate(forever));
        p.election().subscribe(e -> {
          throw new IllegalStateException("a subscriber that always throws (expected in this test)");
        });
      }
      List<LeadershipEvent> third = new CopyOnWriteArrayList<>();
      leader.election().subscribe(third::add);
      await("a healthy subscriber is told the current view", timings.handover(),
          () -> !third.isEmpty());
      long leaderSequence = leader.current().sequence();
      Awaitility.await("leader stays leader for R + P while a subscriber is stuck")
          .during(timings.renewDeadline().plus(timings.retryPeriod()))
          .atMost(timings.renewDeadline().plus(timings.retryPeriod()).plus(timings.handover()))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> leader.isLeader() && leader.current().sequence() == leaderSequence);
      leader.election().resign();
      await("the healthy subscriber hears of the resignation", timings.handover(),
          () -> third.stream().anyMatch(e -> !e.isLeader()));
      Participant next = awaitOtherLeader(group, leader, electionBound());
      await("the log of the new leader shows it", timings.handover(),
          () -> next.log().last().map(LeadershipEvent::isLeader).orElse(false));
    }

    /**
     * A subscriber is held inside a call while the view changes: no second call of it may
     * start meanwhile, and the sequences it sees must increase.
     */
    @Test
    @DisplayName("N5: a subscriber is never called concurrently with itself, nor sees an older state after a newer one")
    void N5_callsAreSerialAndInOrder() {
      List<Participant> group = started(3);
      Participant watched = group.get(0);
      CountDownLatch gate = new CountDownLatch(1);
      cleanups.add(gate::countDown);
      AtomicInteger inside = new AtomicInteger();
      AtomicInteger maxInside = new AtomicInteger();
      List<LeadershipEvent> seen = new CopyOnWriteArrayList<>();
      AtomicBoolean first = new AtomicBoolean(true);
      watched.election().subscribe(e -> {
        maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
        try {
          seen.add(e);
          if (first.getAndSet(false)) {
            awaitGate(gate);
          }
        } finally {
          inside.decrementAndGet();
        }
      });
      churn(group, 3);
      gate.countDown();
      churn(group, 2);
      await("the subscriber catches up", timings.handover(),
          () -> !seen.isEmpty() && seen.get(seen.size() - 1).sequence() == watched.current().sequence());
      assertThat(maxInside.get()).as("calls of one subscriber under way at once").isEqualTo(1);
      for (Participant p : group) {
        assertThat(p.log().maxConcurrent()).as("concurrent calls of the log of " + p).isEqualTo(1);
      }
      for (int i = 1; i < seen.size(); i++) {
        assertThat(seen.get(i).sequence()).as("sequence of call %d after %s", i, seen.get(i - 1))
            .isGreaterThan(seen.get(i - 1).sequence());
      }
    }

    /** A subscriber added to a settled election must be told the current view at once. */
    @Test
    @DisplayName("N6: a new subscriber is told the current state at once")
    void N6_newSubscriberIsToldTheCurrentStateAtOnce() {
      Participant latent = candidate("c0");
      List<LeadershipEvent> early = new CopyOnWriteArrayList<>();
      latent.election().subscribe(early::add);
      await("a subscriber of an election not yet started hears UNKNOWN", timings.handover(),
          () -> !early.isEmpty());
      assertThat(early.get(0).state()).isEqualTo(LeadershipState.UNKNOWN);

      List<Participant> group = started(2);
      Participant leader = awaitConverged(group, electionBound());
      for (Participant p : group) {
        List<LeadershipEvent> late = new CopyOnWriteArrayList<>();
        p.election().subscribe(late::add);
        await("a late subscriber of " + p.identity() + " is told the current view",
            timings.handover(), () -> !late.isEmpty());
        assertThat(late.get(0).state()).isEqualTo(p == leader ? LeadershipState.LEADER
            : LeadershipState.FOLLOWER);
        assertThat(late.get(0).leader()).contains(leader.identity());
      }
    }

    /**
     * A settled election is watched for several retry periods (renewals happen, nothing
     * changes): no subscriber may be called; and over a whole test, calls never outnumber
     * the changes plus the first call.
     */
    @Test
    @DisplayName("N7: no notification without a change of state, leader or term")
    void N7_noSpuriousNotifications() {
      List<Participant> group = started(3);
      awaitConverged(group, electionBound());
      for (Participant p : group) {
        await("the log of " + p.identity() + " is up to date", timings.handover(),
            () -> p.log().last().map(e -> e.sequence() == p.current().sequence()).orElse(false));
      }
      List<Integer> counts = new ArrayList<>();
      group.forEach(p -> counts.add(p.log().calls().size()));
      Duration quiet = timings.retryPeriod().multipliedBy(4);
      Awaitility.await("no notification while nothing changes").during(quiet)
          .atMost(quiet.plus(timings.handover())).pollInterval(Duration.ofMillis(10))
          .until(() -> {
            for (int i = 0; i < group.size(); i++) {
              if (group.get(i).log().calls().size() != counts.get(i)) {
                return false;
              }
            }
            return true;
          });
      for (Participant p : group) {
        List<LeadershipEvent> events = p.log().events();
        for (int i = 1; i < events.size(); i++) {
          assertThat(events.get(i).sequence()).as("a notification of %s follows a change",
              p.identity()).isGreaterThan(events.get(i - 1).sequence());
        }
        assertThat(events.size()).as("calls of %s vs its changes", p.identity())
            .isLessThanOrEqualTo((int) p.current().sequence() + 1);
      }
    }

    /** After unsubscribe returns, changes happen; the unsubscribed listener must not be called. */
    @Test
    @DisplayName("N8: after unsubscribe returns no new call of that subscriber starts")
    void N8_noCallAfterUnsubscribe() {
      List<Participant> group = started(3);
      Participant watched = group.get(0);
      AtomicBoolean unsubscribed = new AtomicBoolean();
      AtomicInteger lateCalls = new AtomicInteger();
      AtomicInteger calls = new AtomicInteger();
      Subscription s = watched.election().subscribe(e -> {
        calls.incrementAndGet();
        if (unsubscribed.get()) {
          lateCalls.incrementAndGet();
        }
      });
      await("first call", timings.handover(), () -> calls.get() > 0);
      s.close();
      unsubscribed.set(true);
      long after = watched.current().sequence();
      churn(group, 2);
      await("the changes reached the other subscribers", timings.handover(),
          () -> watched.log().last().map(e -> e.sequence() > after).orElse(false));
      assertThat(lateCalls.get()).as("calls after unsubscribe returned").isZero();
      s.close(); // idempotent
    }

    /**
     * The leader resigns; a follower must be notified with the new leader's identity and term,
     * not only of its own role.
     */
    @Test
    @DisplayName("N9: notifications carry state, leader and term, so followers learn who leads")
    void N9_followersLearnTheNewLeader() {
      List<Participant> group = started(3);
      Participant first = awaitConverged(group, electionBound());
      first.election().resign();
      Participant second = awaitConverged(group, electionBound());
      long term = second.current().term();
      for (Participant p : group) {
        if (p == second) {
          continue;
        }
        await(p.identity() + " is notified that " + second.identity() + " leads in term " + term,
            timings.handover(), () -> p.log().last().map(e ->
                e.state() == LeadershipState.FOLLOWER
                    && e.leader().equals(Optional.of(second.identity()))
                    && e.term() == term).orElse(false));
      }
      assertThat(second.log().last()).get().extracting(LeadershipEvent::term).isEqualTo(term);
    }
  }

  // ================================================================== T: leader work

  /** Records the runs of leader work. */
  private static final class WorkLog {
    final List<String> steps = new CopyOnWriteArrayList<>();
    final Set<String> running = ConcurrentHashMap.newKeySet();
    final AtomicInteger concurrentMax = new AtomicInteger();
    final AtomicReference<String> violation = new AtomicReference<>();

    LeaderTask task(String identity, AtomicReference<LeaderElection> self, Duration cleanup) {
      return term -> {
        LeaderElection e = self.get();
        if (e != null && !e.isLeader()) {
          violation.compareAndSet(null, identity + " started work for term " + term
              + " while " + e.current());
        }
        if (!running.add(identity)) {
          violation.compareAndSet(null, identity + " runs twice at once");
        }
        concurrentMax.accumulateAndGet(running.size(), Math::max);
        steps.add("start " + identity + " " + term);
        try {
          new CountDownLatch(1).await(); // until interrupted
        } catch (InterruptedException interrupted) {
          steps.add("interrupted " + identity + " " + term);
          if (!cleanup.isZero()) {
            long end = System.nanoTime() + cleanup.toNanos();
            CountDownLatch never = new CountDownLatch(1);
            while (System.nanoTime() < end) {
              try {
                never.await(end - System.nanoTime(), TimeUnit.NANOSECONDS); // simulated clean-up
              } catch (InterruptedException again) {
                // keep cleaning up
              }
            }
          }
        } finally {
          running.remove(identity);
          steps.add("stop " + identity + " " + term);
        }
      };
    }
  }

  private Participant worker(String identity, WorkLog work, Duration cleanup, Duration drain) {
    AtomicReference<LeaderElection> self = new AtomicReference<>();
    LeaderTask task = fixture.decorate(work.task(identity, self, cleanup));
    Participant p = candidate(identity, b -> b.whileLeader(task).drainTimeout(drain));
    self.set(p.election());
    return p;
  }

  /** Rules T1-T3. */
  @Nested
  @DisplayName("T: leader work")
  class LeaderWork {

    /**
     * Work runs on the leader only, one run at a time across the election, and is interrupted
     * when the candidate leaves LEADER (by resign, or by losing contact where the fixture can
     * cut or crash a client).
     */
    @Test
    @DisplayName("T1: leader work starts only in LEADER, one run at a time, interrupted on leaving LEADER")
    void T1_workRunsOnlyWhileLeader() {
      WorkLog work = new WorkLog();
      List<Participant> group = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        group.add(worker("c" + i, work, Duration.ZERO, timings.renewDeadline()));
      }
      group.forEach(p -> p.election().start());
      Participant leader = awaitConverged(group, electionBound());
      await("work starts on the leader", timings.handover(),
          () -> work.running.contains(leader.identity()));
      leader.election().resign();
      assertThat(work.running).as("work running after resign() returned")
          .doesNotContain(leader.identity());
      Participant next = awaitOtherLeader(group, leader, electionBound());
      await("work starts on the new leader", timings.handover(),
          () -> work.running.contains(next.identity()));
      if (fixture.faults().contains(Fault.CUT)) {
        fixture.cut(next.backend());
        await(next.identity() + " leaves LEADER once cut off", timings.renewDeadline()
            .plus(timings.handover()), () -> !next.isLeader());
        await("its work is interrupted", timings.handover(),
            () -> !work.running.contains(next.identity()));
        fixture.heal(next.backend());
        awaitConverged(group, electionBound());
      }
      assertThat(work.violation.get()).as("leader work violation").isNull();
      assertThat(work.concurrentMax.get()).as("runs under way at once").isEqualTo(1);
    }

    /**
     * The leader's work needs a while to clean up after the interrupt: resign() and close() must
     * return only after it returned, and the next leader must start after that. A run that never
     * returns holds resign() up for the drain timeout only.
     */
    @Test
    @DisplayName("T2: resign and close wait for leader work to return, up to the drain timeout")
    void T2_resignAndCloseWaitForWork() {
      WorkLog work = new WorkLog();
      Duration cleanup = timings.handover();
      List<Participant> group = new ArrayList<>();
      for (int i = 1; i <= 2; i++) {
        group.add(worker("c" + i, work, cleanup, timings.renewDeadline()));
      }
      group.forEach(p -> p.election().start());
      Participant leader = awaitConverged(group, electionBound());
      await("work starts", timings.handover(), () -> work.running.contains(leader.identity()));
      long t0 = System.nanoTime();
      leader.election().resign();
      assertThat(nanos(nanosSince(t0))).as("resign() waited for the clean-up")
          .isGreaterThanOrEqualTo(cleanup);
      assertThat(work.steps).as("work steps").contains("stop " + leader.identity() + " "
          + monitor.intervalsOf(leader.identity()).get(0).term());
      Participant next = awaitOtherLeader(group, leader, electionBound());
      await("work starts on the next leader", timings.handover(),
          () -> work.running.contains(next.identity()));
      long t1 = System.nanoTime();
      next.election().close();
      assertThat(nanos(nanosSince(t1))).as("close() waited for the clean-up")
          .isGreaterThanOrEqualTo(cleanup);
      assertThat(work.running).as("work running after close() returned")
          .doesNotContain(next.identity());
      closeAll(group);

      WorkLog stubborn = new WorkLog();
      Duration drain = timings.handover();
      Participant solo = worker("stubborn", stubborn, drain.multipliedBy(20), drain);
      solo.election().start();
      await("stubborn leads", electionBound(), solo::isLeader);
      await("stubborn works", timings.handover(), () -> stubborn.running.contains("stubborn"));
      long t2 = System.nanoTime();
      solo.election().resign();
      Duration took = nanos(nanosSince(t2));
      assertThat(took).as("resign() with work that does not return").isGreaterThanOrEqualTo(drain)
          .isLessThan(drain.plus(timings.renewDeadline()).plus(timings.handover()));
    }

    /**
     * A lone candidate resigns and wins again several times, each time with a new term; its
     * runs must strictly alternate start, stop, start, stop, with increasing terms.
     */
    @Test
    @DisplayName("T3: the run of one term ends before the run of a later term starts")
    void T3_startsAndStopsAlternate() {
      WorkLog work = new WorkLog();
      Participant solo = worker("solo", work, timings.handover().dividedBy(4),
          timings.renewDeadline());
      solo.election().start();
      for (int i = 0; i < 3; i++) {
        await("solo leads", electionBound(), solo::isLeader);
        await("solo works", timings.handover(), () -> work.running.contains("solo"));
        solo.election().resign();
      }
      await("solo leads again", electionBound(), solo::isLeader);
      await("solo works again", timings.handover(), () -> work.running.contains("solo"));
      List<String> steps = new ArrayList<>(work.steps);
      steps.removeIf(s -> s.startsWith("interrupted"));
      long lastTerm = 0;
      for (int i = 0; i < steps.size(); i++) {
        String[] step = steps.get(i).split(" ");
        assertThat(step[0]).as("step %d of %s", i, steps).isEqualTo(i % 2 == 0 ? "start" : "stop");
        long term = Long.parseLong(step[2]);
        if (i % 2 == 0) {
          assertThat(term).as("term of run %d of %s", i / 2, steps).isGreaterThan(lastTerm);
          lastTerm = term;
        }
      }
      assertThat(work.violation.get()).isNull();
    }
  }

  private static void awaitGate(CountDownLatch gate) {
    try {
      gate.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ================================================================== C: life cycle and input

  /** Rules C1-C4. */
  @Nested
  @DisplayName("C: life cycle and input")
  class LifeCycle {

    /**
     * The leader closes: when close() returns its subscribers have the final non-LEADER view,
     * another candidate leads at once, and a second close() does nothing. A candidate that
     * closes its election from inside its own subscriber must not deadlock.
     */
    @Test
    @DisplayName("C1: close releases leadership, subscribers see the final state first; idempotent, callable from a subscriber")
    void C1_closeReleasesLeadershipAndTellsSubscribers() {
      List<Participant> group = started(3);
      Participant leader = awaitConverged(group, electionBound());
      List<LeadershipEvent> seen = new CopyOnWriteArrayList<>();
      leader.election().subscribe(seen::add);
      await("subscribed", timings.handover(), () -> !seen.isEmpty());
      long closeAt = System.nanoTime();
      leader.election().close();
      assertThat(seen).as("what the subscriber saw before close() returned").isNotEmpty();
      assertThat(seen.get(seen.size() - 1).isLeader()).as("final view is not LEADER").isFalse();
      assertThat(leader.election().isLeader()).isFalse();
      leader.election().close();
      Participant next = awaitOtherLeader(group, leader, electionBound());
      assertThat(nanos(leaderSince(next) - closeAt)).as("handover after close")
          .isLessThanOrEqualTo(timings.handover().plus(timings.retryPeriod()));

      Participant selfClosing = candidate("self-closing");
      AtomicBoolean closedInside = new AtomicBoolean();
      selfClosing.election().subscribe(e -> {
        if (e.state() == LeadershipState.FOLLOWER) {
          selfClosing.election().close();
          closedInside.set(true);
        }
      });
      selfClosing.election().start();
      await("close() from inside a subscriber returns", electionBound(), closedInside::get);
      assertThat(selfClosing.election().isLeader()).isFalse();
    }

    /**
     * The leader resigns, repeatedly: each time another open candidate must lead next, never
     * the one that resigned.
     */
    @Test
    @DisplayName("C2: resign gives up leadership and does not win again before another candidate had the chance")
    void C2_resignLetsAnotherCandidateLead() {
      List<Participant> group = started(3);
      for (int round = 0; round < 3; round++) {
        Participant leader = awaitConverged(group, electionBound());
        int periods = monitor.intervalsOf(leader.identity()).size();
        leader.election().resign();
        Participant next = awaitOtherLeader(group, leader, electionBound());
        assertThat(next).isNotSameAs(leader);
        assertThat(monitor.intervalsOf(leader.identity())).as("periods of %s after it resigned",
            leader.identity()).hasSize(periods);
        assertThat(leader.state()).as("the resigned candidate stays a candidate")
            .isNotEqualTo(LeadershipState.UNKNOWN);
      }
    }

    /**
     * Candidates run, lead and close, and so do their clients: afterwards no thread they made
     * may be left, and (where the fixture can look) nothing of the election in the store.
     */
    @Test
    @DisplayName("C3: a closed election leaves no thread, connection, watch or lease behind")
    void C3_closedElectionLeavesNothingBehind() {
      Set<Thread> before = Thread.getAllStackTraces().keySet();
      List<Participant> group = started(3);
      Participant leader = awaitConverged(group, electionBound());
      leader.election().resign();
      awaitConverged(group, electionBound());
      closeAll(group);
      for (Participant p : group) {
        p.backend().close();
      }
      Optional<Integer> left = fixture.recordsOf(electionName);
      left.ifPresent(n -> assertThat(n).as("records of the election left in the store").isZero());
      AtomicReference<List<Thread>> leftovers = new AtomicReference<>(List.of());
      try {
        await("threads made during the test end", Duration.ofSeconds(10), () -> {
          List<Thread> extra = new ArrayList<>();
          for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!before.contains(t) && t.isAlive() && !isHarmless(t) && !fixture.isStoreThread(t)) {
              extra.add(t);
            }
          }
          leftovers.set(extra);
          return extra.isEmpty();
        });
      } catch (AssertionError e) {
        throw new AssertionError("C3: threads left 10s after every election and client closed: "
            + leftovers.get(), e);
      }
    }

    /** Settings out of order or out of range, blank names and null listeners fail at build time. */
    @Test
    @DisplayName("C4: bad configuration fails at build time naming the setting and value; an unreachable store gives UNKNOWN, never a hang")
    void C4_badInputFailsClearly() {
      ElectionBackend backend = fixture.newBackend();
      backends.add(backend);
      // the fixture's timings: a store whose lease is per client (a ZooKeeper session) refuses others
      LeaderElection.Builder ok = timings.applyTo(LeaderElection.builder(backend))
          .name(electionName).identity("c1");
      assertThatThrownBy(() -> LeaderElection.builder(backend).name(electionName)
          .leaseDuration(Duration.ofSeconds(10)).renewDeadline(Duration.ofSeconds(10)).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("renewDeadline (10s)").hasMessageContaining("leaseDuration (10s)");
      assertThatThrownBy(() -> LeaderElection.builder(backend).name(electionName)
          .retryPeriod(Duration.ofSeconds(10)).renewDeadline(Duration.ofSeconds(5)).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("retryPeriod (10s)").hasMessageContaining("renewDeadline (5s)");
      assertThatThrownBy(() -> ok.leaseDuration(Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leaseDuration")
          .hasMessageContaining("0s");
      assertThatThrownBy(() -> ok.retryPeriod(Duration.ofMillis(-5)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retryPeriod")
          .hasMessageContaining("-5ms");
      assertThatThrownBy(() -> ok.drainTimeout(Duration.ofSeconds(-1)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("drainTimeout");
      assertThatThrownBy(() -> ok.priority(-1))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("priority")
          .hasMessageContaining("-1");
      assertThatThrownBy(() -> ok.preemptAfter(Duration.ofSeconds(-2)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("preemptAfter")
          .hasMessageContaining("-2s");
      assertThatThrownBy(() -> ok.name(" ")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("name");
      assertThatThrownBy(() -> ok.identity("")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("identity");
      assertThatThrownBy(() -> ok.name(null)).isInstanceOf(NullPointerException.class)
          .hasMessageContaining("name");
      for (String bad : fixture.invalidElectionNames()) {
        assertThatThrownBy(() -> LeaderElection.builder(backend).name(bad).identity("c1").build())
            .as("election name '%s' that the store cannot hold", bad)
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name")
            .hasMessageContaining(bad);
      }
      LeaderElection election = ok.build();
      assertThatThrownBy(() -> election.subscribe(null)).isInstanceOf(NullPointerException.class)
          .hasMessageContaining("listener");
      election.close();
      assertThatThrownBy(election::start).isInstanceOf(IllegalStateException.class);

      if (fixture.faults().contains(Fault.RESTART)) {
        fixture.stopStore();
        Participant p = candidate("c2");
        long t0 = System.nanoTime();
        p.election().start();
        assertThat(nanos(nanosSince(t0))).as("start() with the store down")
            .isLessThan(timings.handover());
        Awaitility.await("UNKNOWN while the store is down").during(timings.renewDeadline())
            .atMost(timings.renewDeadline().plus(timings.handover()))
            .pollInterval(Duration.ofMillis(10))
            .until(() -> p.state() == LeadershipState.UNKNOWN);
        long t1 = System.nanoTime();
        p.election().close();
        assertThat(nanos(nanosSince(t1))).as("close() with the store down")
            .isLessThan(timings.renewDeadline().plus(timings.handover()));
        fixture.startStore();
      }
    }
  }

  private static boolean isHarmless(Thread t) {
    String n = t.getName();
    // JVM and test-framework threads that come and go on their own
    return n.startsWith("Attach Listener") || n.startsWith("surefire") || n.startsWith("junit")
        || n.startsWith("awaitility") || n.startsWith("Common-Cleaner")
        || n.startsWith("process reaper") || n.startsWith("ForkJoinPool.commonPool")
        || n.startsWith("tck-close") || n.startsWith("Notification Thread")
        || n.startsWith("Signal Dispatcher") || n.startsWith("Finalizer")
        || n.startsWith("Reference Handler");
  }

  // ================================================================== H: handover

  /** Rules H1-H2: handing leadership over to a named candidate. */
  @Nested
  @DisplayName("H: handover to a named candidate")
  class Handover {

    /**
     * Four candidates; twice, the leader hands over to the candidate that joined last (in a
     * queue store, the last in line): it must lead within twice the store's handover bound of
     * the call, and no other candidate may lead in between. A failure naming another leader
     * means the backend released without honouring the name (the SPI's default); one naming the
     * time means the successor waited for a timer.
     */
    @Test
    @DisplayName("H1: a handover to a named open candidate makes it LEADER within twice the handover bound, nobody else in between")
    void H1_handoverToNamedCandidateMakesItLeaderAndNobodyElse() {
      List<Participant> group = new ArrayList<>();
      for (int i = 1; i <= 4; i++) {
        Participant p = candidate("c" + i);
        p.election().start();
        group.add(p);
        awaitNotUnknown(p); // joined: in a queue store, behind the ones before
      }
      for (int round = 0; round < 2; round++) {
        Participant leader = awaitConverged(group, electionBound());
        Participant successor = null;
        for (int i = group.size() - 1 - round; i >= 0 && successor == null; i--) {
          if (group.get(i) != leader) {
            successor = group.get(i);
          }
        }
        int periodsBefore = monitor.intervals().size();
        long resignAt = System.nanoTime();
        leader.election().resign(successor.identity());
        Participant next = awaitOtherLeader(group, leader, electionBound());
        List<SafetyMonitor.Interval> after = monitor.intervals();
        assertThat(after.subList(periodsBefore, after.size())).as("H1: periods after %s handed "
            + "over to %s", leader.identity(), successor.identity()).isNotEmpty()
            .first().extracting(SafetyMonitor.Interval::identity).isEqualTo(successor.identity());
        assertThat(next).as("H1: the next leader").isSameAs(successor);
        assertThat(nanos(leaderSince(successor) - resignAt))
            .as("H1: from resign(%s) to it leading", successor.identity())
            .isLessThanOrEqualTo(timings.handover().multipliedBy(2));
      }
    }

    /**
     * The leader hands over to a name no candidate has: another candidate must lead within the
     * handover timeout (here 1 s) plus the store's handover bound of the call. A failure means
     * the store kept waiting for the name (or the release never happened).
     */
    @Test
    @DisplayName("H2: a handover to an unknown name lets another candidate lead within the handover timeout plus the handover bound")
    void H2_handoverToUnknownNameRecoversWithinItsTimeout() {
      Duration timeout = Duration.ofSeconds(1); // whole seconds: a Lease counts in seconds
      List<Participant> group = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        group.add(candidate("c" + i, b -> b.handoverTimeout(timeout)));
      }
      group.forEach(p -> p.election().start());
      for (int round = 0; round < 2; round++) {
        Participant leader = awaitConverged(group, electionBound());
        long resignAt = System.nanoTime();
        leader.election().resign("no-such-candidate");
        Participant next = awaitOtherLeader(group, leader, electionBound());
        assertThat(nanos(leaderSince(next) - resignAt))
            .as("H2: from resign(no-such-candidate) to another leader")
            .isLessThanOrEqualTo(timeout.plus(timings.handover()));
      }
      assertThatThrownBy(() -> group.get(0).election().resign(group.get(0).identity()))
          .as("H2: resign to oneself").isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("successor");
    }

    private void awaitNotUnknown(Participant p) {
      await(p.identity() + " hears from the store", electionBound(),
          () -> p.state() != LeadershipState.UNKNOWN);
    }
  }

  // ================================================================== K: priority

  /** Rules K1-K3: priorities and opt-in preemption. */
  @Nested
  @DisplayName("K: priority and preemption")
  class Priorities {

    /**
     * "low" (priority 1) leads, "mid" (priority 0) follows; "high" (priority 5) joins. Every
     * candidate has {@code preemptAfter(t)}. "high" must be the next to lead, not before t after
     * its start and within t + P + three times the store's handover bound (the leader lists the
     * candidates every P, and its handover lists them once more). A failure naming time means
     * the leader did not see "high" (its priority is not published, or the list misses it); one
     * naming "mid" means the handover did not name the best candidate.
     */
    @Test
    @DisplayName("K1: with preemption, a higher-priority candidate leads within its delay plus P plus the handover, not before, nobody else in between")
    void K1_higherPriorityCandidatePreemptsWithinItsDelay() {
      Duration t = Duration.ofSeconds(1);
      Participant low = candidate("low", b -> b.priority(1).preemptAfter(t));
      low.election().start();
      awaitConverged(List.of(low), electionBound());
      Participant mid = candidate("mid", b -> b.preemptAfter(t));
      mid.election().start();
      awaitConverged(List.of(low, mid), electionBound());
      Participant high = candidate("high", b -> b.priority(5).preemptAfter(t));
      List<Participant> group = List.of(low, mid, high);
      int periodsBefore = monitor.intervals().size();
      long startAt = System.nanoTime();
      high.election().start();
      Duration bound = t.plus(timings.retryPeriod()).plus(timings.handover().multipliedBy(3));
      Participant next = awaitOtherLeader(group, low, bound.plus(electionBound()));
      List<SafetyMonitor.Interval> after = monitor.intervals();
      assertThat(after.subList(periodsBefore, after.size())).as("K1: periods after high joined")
          .isNotEmpty().first().extracting(SafetyMonitor.Interval::identity).isEqualTo("high");
      assertThat(next).as("K1: the next leader").isSameAs(high);
      assertThat(nanos(leaderSince(high) - startAt)).as("K1: from high's start to it leading")
          .isGreaterThanOrEqualTo(t).isLessThanOrEqualTo(bound);
      assertThat(awaitConverged(group, electionBound())).as("K1: the leader once settled")
          .isSameAs(high);
    }

    /**
     * Four candidates of priorities 0, 2, 3 and 5, without preemption; the one of 5 starts first.
     * Twice the leader resigns, then it closes (each time once every candidate is listed again): each time the next leader must be the open candidate of the highest
     * priority among the others, within three times the store's handover bound (a list of the
     * candidates, then a handover to a named one), and nobody else in between. A candidate that
     * takes over must not hand back to the one that just resigned.
     */
    @Test
    @DisplayName("K2: on resign and close the open candidate of the highest priority leads next, within three times the handover bound, nobody else in between")
    void K2_resignAndCloseHandOverToTheHighestPriority() {
      int[] priorities = {0, 2, 3, 5};
      List<Participant> group = new ArrayList<>();
      java.util.Map<Participant, Integer> priorityOf = new java.util.HashMap<>();
      for (int i = 0; i < priorities.length; i++) {
        int priority = priorities[i];
        Participant p = candidate("c" + (i + 1), b -> b.priority(priority));
        priorityOf.put(p, priority);
        group.add(p);
      }
      // the best first: so no candidate that takes over at the start hands over meanwhile
      Participant best = group.get(group.size() - 1);
      best.election().start();
      awaitConverged(List.of(best), electionBound());
      group.stream().filter(p -> p != best).forEach(p -> p.election().start());
      for (int round = 0; round < 3; round++) {
        awaitListed(group, priorityOf);
        Participant leader = awaitConverged(group, electionBound());
        Participant expected = null;
        for (Participant p : group) {
          if (p != leader && (expected == null || priorityOf.get(p) > priorityOf.get(expected))) {
            expected = p;
          }
        }
        int periodsBefore = monitor.intervals().size();
        long resignAt = System.nanoTime();
        String what = round < 2 ? "resign()" : "close()";
        if (round < 2) {
          leader.election().resign();
        } else {
          leader.election().close();
          group.remove(leader);
        }
        Participant next = awaitOtherLeader(group, leader, electionBound());
        List<SafetyMonitor.Interval> after = monitor.intervals();
        assertThat(after.subList(periodsBefore, after.size())).as("K2: periods after %s of %s",
            what, leader.identity()).isNotEmpty().first()
            .extracting(SafetyMonitor.Interval::identity).isEqualTo(expected.identity());
        assertThat(next).as("K2: the next leader after %s of %s", what, leader.identity())
            .isSameAs(expected);
        assertThat(nanos(leaderSince(next) - resignAt))
            .as("K2: from %s of %s to %s leading", what, leader.identity(), next.identity())
            .isLessThanOrEqualTo(timings.handover().multipliedBy(3));
      }
    }

    /**
     * Waits until the election has settled: one leader followed by the others, and the store
     * lists every candidate of a priority above 0 (a candidate that resigned is enrolled again
     * only after its hold-off, C2).
     */
    private void awaitListed(List<Participant> group, java.util.Map<Participant, Integer> priorityOf) {
      ElectionBackend look = group.get(0).backend();
      await("every candidate of a priority above 0 listed by the store", electionBound(), () -> {
        if (convergedLeader(group) == null) {
          return false;
        }
        java.util.Set<String> listed = new java.util.HashSet<>();
        try {
          look.candidates(electionName).toCompletableFuture()
              .get(timings.renewDeadline().toMillis(), TimeUnit.MILLISECONDS)
              .forEach(c -> listed.add(c.identity()));
        } catch (Exception e) {
          return false;
        }
        for (Participant p : group) {
          if (priorityOf.get(p) > 0 && !listed.contains(p.identity())) {
            return false;
          }
        }
        return true;
      });
    }

    /**
     * "first" (priority 7) leads; "next" (priority 0) and then "best" (priority 5) join, no
     * preemption. "first" crashes: whoever the store lets take over, "best" must lead within
     * D + P plus three times the handover bound of the crash, and then keep leading. A failure
     * means the candidate that took over did not look for a better one.
     */
    @Test
    @DisplayName("K3: after a failover the open candidate of the highest priority leads within D + P plus three times the handover bound")
    void K3_failoverEndsWithTheHighestPriorityLeading() {
      requireFault(Fault.CRASH, "K3");
      Participant first = candidate("first", b -> b.priority(7));
      first.election().start();
      awaitConverged(List.of(first), electionBound());
      Participant next = candidate("next");
      next.election().start();
      awaitConverged(List.of(first, next), electionBound());
      Participant best = candidate("best", b -> b.priority(5));
      best.election().start();
      List<Participant> group = new ArrayList<>(List.of(first, next, best));
      assertThat(awaitConverged(group, electionBound())).as("K3: the leader before the crash")
          .isSameAs(first);
      long crashAt = System.nanoTime();
      fixture.crash(first.backend());
      group.remove(first);
      await("K3: best leads, followed by next",
          electionBound().plus(timings.handover().multipliedBy(3)),
          () -> convergedLeader(group) == best);
      assertThat(nanos(leaderSince(best) - crashAt)).as("K3: from the crash to best leading")
          .isLessThanOrEqualTo(electionBound().plus(timings.handover().multipliedBy(3)));
      await("the crashed candidate stops counting itself leader", electionBound(),
          () -> !first.isLeader());
    }
  }

  // ================================================================== O: observers

  /** Rules O1-O3: following an election without taking part. */
  @Nested
  @DisplayName("O: observers")
  class Observers {

    /**
     * An observer follows three candidates through two resigns and a close. Every leader it
     * names must be a candidate that led with exactly that term (the monitor's periods), the
     * terms it reports must never go back, its listener is told the current view at once and
     * then in order. A failure shows the observer's events beside the periods: look at how the
     * backend's observing candidate maps the store's answer (the leader's node, key or record)
     * to leader and term.
     */
    @Test
    @DisplayName("O1: an observer names only leaders the candidates had, with their terms, in order")
    void O1_observerReportsOnlyRealLeadersInOrder() {
      LeaderObserver watcher = observer("o1", timings.retryPeriod());
      EventLog seen = new EventLog(watcher);
      watcher.start();
      watcher.subscribe(seen);
      await("the observer is told the current view at once", timings.handover(),
          () -> !seen.events().isEmpty());
      List<Participant> group = new ArrayList<>(started(3));
      for (int round = 0; round < 3; round++) {
        Participant leader = awaitConverged(group, electionBound());
        long term = leader.current().term();
        await("the observer sees " + leader.identity() + " lead in term " + term,
            electionBound(), () -> watcher.leader().equals(Optional.of(leader.identity()))
                && watcher.term() == term);
        if (round < 2) {
          leader.election().resign();
        } else {
          leader.election().close();
          group.remove(leader);
        }
      }
      awaitConverged(group, electionBound());
      List<LeadershipEvent> events = seen.events();
      long lastTerm = 0;
      long lastSequence = -1;
      for (LeadershipEvent e : events) {
        assertThat(e.state()).as("state of an observer's view %s", e)
            .isNotEqualTo(LeadershipState.LEADER);
        assertThat(e.sequence()).as("sequence of the observer's views").isGreaterThan(lastSequence);
        lastSequence = e.sequence();
        if (e.leader().isEmpty()) {
          continue;
        }
        assertThat(monitor.intervals()).as("O1: a period of %s with term %d, as the observer "
            + "reported in %s; observer's views %s", e.leader().get(), e.term(), e, events)
            .anyMatch(i -> i.identity().equals(e.leader().get()) && i.term() == e.term());
        assertThat(e.term()).as("O1: terms the observer reports never go back: %s", events)
            .isGreaterThanOrEqualTo(lastTerm);
        lastTerm = e.term();
      }
      assertThat(seen.maxConcurrent()).as("concurrent calls of the observer's listener")
          .isEqualTo(1);
    }

    /**
     * With candidates and observer on a retry period close to R, the leader resigns right after
     * the observer saw it: the observer must show the next leader within the store's handover
     * bound of its start, not at its next timed look. A failure means the observing candidate
     * has no watch (or drops its notifications).
     */
    @Test
    @DisplayName("O2: an observer sees a new leader within the handover bound, without waiting for P")
    void O2_observerSeesHandoverWithoutWaitingForRetryPeriod() {
      Duration longP = timings.renewDeadline().minus(timings.renewDeadline().dividedBy(10));
      assumeTrue(timings.handover().multipliedBy(2).compareTo(longP) < 0,
          "fixture's handover bound " + timings.handover() + " is too close to R to tell a "
              + "watch from polling");
      List<Participant> group = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        group.add(candidate("c" + i, b -> b.retryPeriod(longP)));
      }
      LeaderObserver watcher = observer("o2", longP);
      EventLog seen = new EventLog(watcher);
      watcher.subscribe(seen);
      watcher.start();
      group.forEach(p -> p.election().start());
      Participant first = awaitConverged(group, electionBound().plus(longP));
      await("the observer sees " + first.identity(), electionBound().plus(longP),
          () -> watcher.leader().equals(Optional.of(first.identity())));
      first.election().resign();
      Participant second = awaitOtherLeader(group, first, longP);
      long term = second.current().term();
      await("the observer sees " + second.identity() + " lead", longP.multipliedBy(2),
          () -> watcher.leader().equals(Optional.of(second.identity())) && watcher.term() == term);
      long sawAt = seen.events().stream()
          .filter(e -> e.leader().equals(Optional.of(second.identity())) && e.term() == term)
          .findFirst().orElseThrow().sinceNanos();
      assertThat(nanos(Math.max(0, sawAt - leaderSince(second))))
          .as("O2: from %s leading to the observer showing it", second.identity())
          .isLessThanOrEqualTo(timings.handover());
    }

    /**
     * The observer's client is cut off from the store: its view must be UNKNOWN within R (plus
     * the handover bound), and FOLLOWER again within P + the recovery bound of the heal. An
     * observer alone leaves no record of the election in the store (where the fixture can
     * look). A failure means the observing candidate reports an old answer as new, or enrols.
     */
    @Test
    @DisplayName("O3: an observer that cannot read the store is UNKNOWN within R, and writes nothing")
    void O3_observerIsUnknownWhenTheStoreCannotBeReadAndWritesNothing() {
      LeaderObserver watcher = observer("o3", timings.retryPeriod());
      watcher.start();
      await("the observer hears from the store", electionBound(),
          () -> watcher.current().state() == LeadershipState.FOLLOWER);
      fixture.recordsOf(electionName).ifPresent(n -> assertThat(n)
          .as("O3: records of the election in the store with only an observer").isZero());
      assertThat(watcher.leader()).as("leader seen by an observer of an empty election").isEmpty();
      Participant only = candidate("c1");
      only.election().start();
      await("the observer sees c1 lead", electionBound(),
          () -> watcher.leader().equals(Optional.of("c1")));
      if (!fixture.faults().contains(Fault.CUT)) {
        return;
      }
      ElectionBackend client = backendOf(watcher);
      fixture.cut(client);
      await("O3: the cut-off observer is UNKNOWN", timings.renewDeadline()
          .plus(timings.handover()), () -> watcher.current().state() == LeadershipState.UNKNOWN);
      fixture.heal(client);
      await("the healed observer sees c1 lead again", timings.recoveryBound(),
          () -> watcher.leader().equals(Optional.of("c1")));
    }
  }

  // ================================================================== F: faults

  /** Rules F1-F4. */
  @Nested
  @DisplayName("F: faults")
  class Faults {

    /** The store stops: the leader must leave LEADER, and nobody else may lead meanwhile. */
    @Test
    @DisplayName("F1: when the store becomes unreachable the LEADER leaves LEADER before anyone else can lead")
    void F1_leaderLeavesWhenStoreUnreachable() {
      requireFault(Fault.RESTART, "F1");
      List<Participant> group = started(3);
      Participant leader = awaitConverged(group, electionBound());
      long stopAt = System.nanoTime();
      fixture.stopStore();
      await("the leader leaves LEADER", timings.renewDeadline().plus(timings.handover()),
          () -> !leader.isLeader());
      assertThat(nanos(nanosSince(stopAt))).isLessThanOrEqualTo(
          timings.renewDeadline().plus(timings.handover()));
      Awaitility.await("nobody leads while the store is down").during(timings.retryPeriod().multipliedBy(2))
          .atMost(timings.retryPeriod().multipliedBy(2).plus(timings.handover()))
          .until(() -> group.stream().noneMatch(Participant::isLeader));
      fixture.startStore();
      awaitConverged(group, electionBound().plus(timings.handover()));
    }

    /**
     * The leader's network is cut: the others elect a new leader only after the old one left
     * LEADER; once healed, the old leader follows the new one.
     */
    @Test
    @DisplayName("F2: when the leader is cut off the others elect a new leader only after it left LEADER")
    void F2_cutLeaderIsReplacedOnlyAfterItLeft() {
      requireFault(Fault.CUT, "F2");
      List<Participant> group = new ArrayList<>(started(3));
      Participant old = awaitConverged(group, electionBound());
      fixture.cut(old.backend());
      List<Participant> others = new ArrayList<>(group);
      others.remove(old);
      Participant next = awaitConverged(others, electionBound().plus(timings.handover()));
      List<SafetyMonitor.Interval> oldPeriods = monitor.intervalsOf(old.identity());
      assertThat(oldPeriods.get(oldPeriods.size() - 1).open()).as("old leader still LEADER").isFalse();
      assertThat(oldPeriods.get(oldPeriods.size() - 1).end())
          .as("old leader left LEADER before the new one started").isLessThanOrEqualTo(leaderSince(next));
      fixture.heal(old.backend());
      awaitConverged(group, electionBound().plus(timings.handover()));
    }

    /**
     * The store restarts: the election ends with exactly one LEADER whose term is at least the
     * highest so far (greater, unless the same candidate kept its lease).
     */
    @Test
    @DisplayName("F3: a store restart ends with exactly one LEADER and a term greater than every earlier one")
    void F3_storeRestartEndsWithOneLeader() {
      requireFault(Fault.RESTART, "F3");
      List<Participant> group = started(3);
      Participant before = awaitConverged(group, electionBound());
      long highest = monitor.highestTerm();
      fixture.stopStore();
      fixture.startStore();
      Participant after = awaitConverged(group, electionBound().plus(timings.handover()));
      assertFinalTerm(before, highest, after);
    }

    /** A minority of a clustered store's members is lost and comes back; same outcome as F3. */
    @Test
    @DisplayName("F3: the loss of a minority of members ends with exactly one LEADER and a term greater than every earlier one")
    void F3_memberLossEndsWithOneLeader() {
      requireFault(Fault.MEMBER, "F3");
      List<Participant> group = started(3);
      Participant before = awaitConverged(group, electionBound());
      long highest = monitor.highestTerm();
      fixture.loseMember();
      // keep the member down long enough for every client to notice and for a failover
      Participant during;
      try {
        AtomicReference<Participant> found = new AtomicReference<>();
        Awaitility.await("one leader while a member is down")
            .pollDelay(timings.electionBound())
            .atMost(timings.electionBound().multipliedBy(2).plus(timings.handover()))
            .pollInterval(Duration.ofMillis(10))
            .until(() -> {
              found.set(convergedLeader(group));
              return found.get() != null;
            });
        during = found.get();
      } catch (ConditionTimeoutException e) {
        throw new AssertionError("F3: no single leader while a member is down: " + group, e);
      }
      assertFinalTerm(before, highest, during);
      long highest2 = monitor.highestTerm();
      fixture.restoreMember();
      Participant after = awaitConverged(group, electionBound().plus(timings.handover()));
      assertFinalTerm(during, highest2, after);
    }

    // ---------------------------------------------------------------- F4: recovery

    /** The leader is cut off for less than R: once healed it is confirmed again at once. */
    @Test
    @DisplayName("F4: a candidate cut off for less than R is FOLLOWER or LEADER again within P + recovery of the heal")
    void F4_healedCandidateIsBackAtOnce_cutShorterThanRenewDeadline() {
      assertBackAfterCut(timings.renewDeadline().dividedBy(2));
    }

    /** The leader is cut off for longer than R but less than D: it left LEADER, its lease may live on. */
    @Test
    @DisplayName("F4: a candidate cut off for between R and D is FOLLOWER or LEADER again within P + recovery of the heal")
    void F4_healedCandidateIsBackAtOnce_cutBetweenRenewDeadlineAndLeaseDuration() {
      assertBackAfterCut(timings.renewDeadline().plus(timings.leaseDuration()).dividedBy(2));
    }

    /** The leader is cut off for longer than D + P: its lease or session is gone, another leads. */
    @Test
    @DisplayName("F4: a candidate cut off for longer than D is FOLLOWER or LEADER again within P + recovery of the heal")
    void F4_healedCandidateIsBackAtOnce_cutLongerThanLeaseDuration() {
      assertBackAfterCut(timings.electionBound().plus(timings.handover()));
    }

    /**
     * The leader is cut off for 30 s (or longer than D + P if that is more): long enough for a
     * client's reconnect backoff to grow (gRPC's grows towards two minutes) and keep a healed
     * candidate out. Look first at how the client reconnects after failed attempts.
     */
    @Test
    @Tag(SLOW)
    @DisplayName("F4: a candidate cut off for 30 s is FOLLOWER or LEADER again within P + recovery of the heal")
    void F4_healedCandidateIsBackAtOnce_cutOfThirtySeconds() {
      requireSlowTests();
      Duration thirty = Duration.ofSeconds(30);
      Duration longer = timings.electionBound().plus(timings.handover());
      assertBackAfterCut(thirty.compareTo(longer) >= 0 ? thirty : longer);
    }

    /** The store ends the leader's session or lease: it joins again at once. */
    @Test
    @DisplayName("F4: a candidate whose session or lease the store ended is FOLLOWER or LEADER again within P + recovery")
    void F4_expiredCandidateIsBackAtOnce() {
      requireFault(Fault.EXPIRE, "F4");
      monitor.tolerateOverlap(timings.handover()); // forced expiry is outside S1's promise (see L4)
      List<Participant> group = started(3);
      Participant leader = awaitConverged(group, electionBound());
      fixture.expire(leader.backend());
      assertBack(List.of(leader), System.nanoTime());
      awaitConverged(group, electionBound());
    }

    /**
     * The store is down for 30 s (or longer than D + P if that is more), then back: every
     * candidate is back at once. Clients try to reconnect all through the outage; look first at
     * how their reconnect backoff grows, and whether a round makes a fresh attempt.
     */
    @Test
    @Tag(SLOW)
    @DisplayName("F4: after the store was down for 30 s every candidate is FOLLOWER or LEADER again within P + recovery")
    void F4_everyCandidateIsBackAtOnceAfterStoreRestart() {
      requireSlowTests();
      requireFault(Fault.RESTART, "F4");
      List<Participant> group = started(3);
      awaitConverged(group, electionBound());
      long stoppedAt = System.nanoTime();
      fixture.stopStore();
      await("every candidate notices the outage", timings.renewDeadline().plus(timings.handover()),
          () -> group.stream().allMatch(p -> p.state() == LeadershipState.UNKNOWN));
      Duration thirty = Duration.ofSeconds(30);
      Duration longer = timings.electionBound().plus(timings.handover());
      holdFault((thirty.compareTo(longer) >= 0 ? thirty : longer).minus(nanos(nanosSince(stoppedAt))));
      fixture.startStore();
      assertBack(group, System.nanoTime());
      awaitConverged(group, electionBound());
    }

    /**
     * Cuts the leader off for {@code length}, heals, and checks that it is back within P + the
     * store's recovery bound (rule F4), then that the election converges with it.
     */
    private void assertBackAfterCut(Duration length) {
      requireFault(Fault.CUT, "F4");
      List<Participant> group = started(3);
      Participant leader = awaitConverged(group, electionBound());
      fixture.cut(leader.backend());
      holdFault(length);
      fixture.heal(leader.backend());
      assertBack(List.of(leader), System.nanoTime());
      awaitConverged(group, electionBound());
    }

    /**
     * Checks rule F4 for candidates whose fault healed at {@code healedAt} (System.nanoTime()):
     * each is FOLLOWER or LEADER within P + recovery, and, looked at once R more has passed (by
     * then a view left from before the fault and never confirmed since has lapsed), its current
     * uninterrupted stretch out of UNKNOWN began within that bound. A dip into UNKNOWN right
     * after the heal (the heal resets connections, which some clients take a moment to replace)
     * is allowed as long as it ends within the bound.
     */
    private void assertBack(Collection<Participant> healed, long healedAt) {
      Duration bound = timings.recoveryBound();
      for (Participant p : healed) {
        Duration left = bound.minus(nanos(nanosSince(healedAt)));
        await(p.identity() + " is FOLLOWER or LEADER again after the fault healed",
            left.isNegative() ? Duration.ZERO : left, () -> p.state() != LeadershipState.UNKNOWN);
      }
      // an observation window, not a wait for a condition: a stale view lapses within R
      holdFault(bound.plus(timings.renewDeadline()).plus(timings.handover())
          .minus(nanos(nanosSince(healedAt))));
      for (Participant p : healed) {
        long since = monitor.backSince(p.identity()).orElseThrow(() -> new AssertionError(
            "F4: " + p.identity() + " fell back to UNKNOWN after the fault healed, so the store "
                + "had not confirmed its view: " + p.current()));
        assertThat(nanos(Math.max(0, since - healedAt)))
            .as("F4: time %s stayed UNKNOWN after the fault healed (bound P + recovery)",
                p.identity())
            .isLessThanOrEqualTo(bound);
      }
    }

    /** Keeps a fault in place for its length: the fault's duration, not a wait for a condition. */
    private void holdFault(Duration length) {
      try {
        Thread.sleep(Math.max(0, length.toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while holding a fault", e);
      }
    }

    private void assertFinalTerm(Participant before, long highest, Participant after) {
      long term = after.current().term();
      if (after == before) {
        assertThat(term).as("term of the same leader after the fault").isGreaterThanOrEqualTo(highest);
      } else {
        assertThat(term).as("term of the new leader after the fault").isGreaterThan(highest);
      }
    }
  }
}
