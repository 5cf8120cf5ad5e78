package io.github.election.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.election.testing.Fault;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The checker fails on each kind of broken history it is meant to catch, and passes the
 * histories that only look suspicious. Histories are written by hand; times are in seconds on
 * a made-up clock, D + P = 3.3 s, R = 2 s, expiry grace 0.5 s.
 */
class CheckerTest {

  private static final long SECOND = 1_000_000_000L;
  private static final long BOUND = 3_300_000_000L;
  private static final long GRACE = 500_000_000L;
  private static final long RENEW = 2_000_000_000L;

  private final List<Entry> history = new ArrayList<>();
  private final Map<String, Long> seqs = new HashMap<>();
  private final Map<String, String> states = new HashMap<>();
  private final Map<String, Long> terms = new HashMap<>();
  private long allowance;

  private static long at(double seconds) {
    return (long) (seconds * SECOND);
  }

  private void add(Entry e) {
    history.add(e);
  }

  private CheckerTest start(double t, String... whos) {
    for (String who : whos) {
      add(Entry.at(at(t), who, "spawn").put("identity", who.substring(0, who.indexOf('#')))
          .build());
      add(Entry.at(at(t), who, "started").build());
      states.put(who, "UNKNOWN");
      terms.put(who, 0L);
    }
    return this;
  }

  /** A transition of {@code who} to a view, numbered after its last one, with its notification. */
  private CheckerTest view(double t, String who, String state, String leader, long term) {
    long seq = seqs.merge(who, 1L, Long::sum);
    add(Entry.at(at(t), who, "transition").put("from", states.get(who))
        .put("fromTerm", terms.get(who)).put("to", state).put("leader", leader).put("term", term)
        .put("seq", seq).put("at", at(t)).build());
    add(notification(t + 0.001, who, state, leader, term, seq, state, leader, term, seq));
    states.put(who, state);
    terms.put(who, term);
    return this;
  }

  private CheckerTest leads(double t, String who, long term) {
    return view(t, who, "LEADER", who.substring(0, who.indexOf('#')), term);
  }

  private CheckerTest unknown(double t, String who) {
    return view(t, who, "UNKNOWN", null, 0);
  }

  private static Entry notification(double t, String who, String state, String leader, long term,
      long seq, String curState, String curLeader, long curTerm, long curSeq) {
    return Entry.at(at(t), who, "notify").put("state", state).put("leader", leader)
        .put("term", term).put("seq", seq).put("curState", curState).put("curLeader", curLeader)
        .put("curTerm", curTerm).put("curSeq", curSeq).build();
  }

  private CheckerTest fault(double t, int id, String kind, String target) {
    add(Entry.at(at(t), Entry.RUNNER, "fault").put("id", id).put("fault", kind)
        .put("target", target).build());
    return this;
  }

  private CheckerTest heal(double t, int id, String kind, String target) {
    add(Entry.at(at(t), Entry.RUNNER, "heal").put("id", id).put("fault", kind)
        .put("target", target).build());
    return this;
  }

  private CheckerTest exit(double t, String who) {
    add(Entry.at(at(t), who, "exit").put("how", "killed").build());
    return this;
  }

  private CheckerTest work(String who, long term, double start, double end, double lastAct) {
    add(Entry.at(at(start), who, "work-start").put("term", term).build());
    add(Entry.at(at(end), who, "work-end").put("term", term).put("acts", 10)
        .put("firstAct", at(start)).put("lastAct", at(lastAct)).build());
    return this;
  }

  private CheckerTest closing(double t) {
    add(Entry.at(at(t), Entry.RUNNER, "closing").build());
    return this;
  }

  private Checker.Report check() {
    List<Entry> sorted = new ArrayList<>(history);
    sorted.sort(Comparator.comparingLong(Entry::t));
    return Checker.check(sorted, new Checker.Limits(BOUND, allowance, GRACE, RENEW));
  }

  private List<String> rules() {
    return check().violations().stream().map(Checker.Violation::rule).toList();
  }

  /** c1 leads from 1 s, crashes at 5 s, c2 leads from 8 s (3 s later). */
  private CheckerTest healthy() {
    return start(0, "c1#1", "c2#2")
        .leads(1, "c1#1", 10).view(1.01, "c2#2", "FOLLOWER", "c1", 10)
        .work("c1#1", 10, 1.002, 5, 4.99)
        .fault(5, 1, "crash", "c1#1").exit(5, "c1#1").heal(5, 1, "crash", "c1#1")
        .leads(8, "c2#2", 12).work("c2#2", 12, 8.002, 9.9, 9.89).closing(10);
  }

  @Test
  @DisplayName("a history that keeps every rule passes, and the summary figures add up")
  void healthyHistoryPasses() {
    Checker.Report report = healthy().check();
    assertThat(report.violations()).isEmpty();
    assertThat(report.leaderChanges()).isEqualTo(1);
    assertThat(report.longestGap()).isEqualTo(at(3));
    assertThat(report.faults()).containsEntry(Fault.CRASH, 1);
  }

  @Nested
  @DisplayName("S1, S3, S4: safety")
  class Safety {

    @Test
    @DisplayName("S1: two LEADER periods that overlap fail")
    void overlapFails() {
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).leads(5, "c2#2", 12).unknown(6, "c1#1")
          .closing(10);
      assertThat(rules()).contains("S1");
    }

    @Test
    @DisplayName("S1: the period of a killed instance ends at its death, not at its last word")
    void killedLeaderEndsAtExit() {
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).exit(5, "c1#1").leads(4.9, "c2#2", 12)
          .closing(10);
      assertThat(rules()).containsExactly("S1");
    }

    @Test
    @DisplayName("S1: an overlap right after a forced expiry of the old leader is tolerated, and said")
    void overlapAfterForcedExpiryTolerated() {
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).fault(5, 1, "expire", "c1#1")
          .heal(5.05, 1, "expire", "c1#1").leads(5.01, "c2#2", 12).unknown(5.1, "c1#1")
          .view(6, "c1#1", "FOLLOWER", "c2", 12).closing(10);
      Checker.Report report = check();
      assertThat(report.violations()).isEmpty();
      assertThat(report.tolerated()).hasSize(1);
    }

    @Test
    @DisplayName("S1: an overlap that lasts beyond the expiry grace still fails")
    void longOverlapAfterExpiryFails() {
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).fault(5, 1, "expire", "c1#1")
          .heal(5.05, 1, "expire", "c1#1").leads(5.01, "c2#2", 12).unknown(6, "c1#1")
          .closing(10);
      assertThat(rules()).contains("S1");
    }

    @Test
    @DisplayName("S3: a term that does not grow from one period to the next fails")
    void repeatedTermFails() {
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).unknown(2, "c1#1").leads(4, "c2#2", 10)
          .closing(6);
      assertThat(rules()).containsExactly("S3");
    }

    @Test
    @DisplayName("S3: a term that goes down fails")
    void decreasingTermFails() {
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).unknown(2, "c1#1").leads(4, "c2#2", 9)
          .closing(6);
      assertThat(rules()).containsExactly("S3");
    }

    @Test
    @DisplayName("S3: the same instance resuming its own term with nobody in between passes")
    void resumedTermPasses() {
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).unknown(2, "c1#1").leads(3, "c1#1", 10)
          .closing(6);
      assertThat(check().violations()).isEmpty();
      assertThat(check().leaderChanges()).isZero();
    }

    @Test
    @DisplayName("S3: a restarted process that reuses the identity does not inherit the term")
    void reusedIdentityDoesNotInheritTheTerm() {
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).exit(2, "c1#1").start(2.5, "c1#3")
          .leads(3, "c1#3", 10).closing(6);
      assertThat(rules()).containsExactly("S3");
    }

    @Test
    @DisplayName("S4: a LEADER view that names another leader fails")
    void leaderNamingAnotherFails() {
      start(0, "c1#1", "c2#2").view(1, "c1#1", "LEADER", "c2", 10).closing(4);
      assertThat(rules()).containsExactly("S4");
    }
  }

  @Nested
  @DisplayName("L1-L4: liveness")
  class Liveness {

    @Test
    @DisplayName("L1: nobody leading for longer than D + P after the store first answered fails")
    void slowFirstElectionFails() {
      start(0, "c1#1", "c2#2").view(0.5, "c2#2", "FOLLOWER", null, 0).leads(4, "c1#1", 10)
          .closing(6);
      assertThat(rules()).containsExactly("L1");
    }

    @Test
    @DisplayName("L3: no new leader within D + P of a crash fails")
    void slowFailoverFails() {
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).view(1.1, "c2#2", "FOLLOWER", "c1", 10)
          .fault(5, 1, "crash", "c1#1")
          .exit(5, "c1#1").heal(5, 1, "crash", "c1#1").leads(8.5, "c2#2", 12).closing(10);
      assertThat(rules()).containsExactly("L3");
    }

    @Test
    @DisplayName("L3: a fault on one candidate does not excuse the others: the clock runs from the injection")
    void faultOnOneCandidateCountsFromInjection() {
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).view(1.1, "c2#2", "FOLLOWER", "c1", 10)
          .fault(5, 1, "pause", "c1#1")
          .unknown(5, "c1#1").heal(9, 1, "pause", "c1#1").leads(8.5, "c2#2", 12).closing(10);
      assertThat(rules()).containsExactly("L3");
    }

    @Test
    @DisplayName("L3: when only newcomers are left, the clock starts at the first one's first answer")
    void newcomersCountFromTheirFirstAnswer() {
      start(0, "c1#1").leads(1, "c1#1", 10).fault(5, 1, "crash", "c1#1").exit(5, "c1#1")
          .heal(5, 1, "crash", "c1#1").start(5.5, "c3#3").view(7, "c3#3", "FOLLOWER", "c1", 10)
          .leads(9.2, "c3#3", 11).closing(12);
      assertThat(check().violations()).isEmpty();
      history.clear();
      seqs.clear();
      start(0, "c1#1").leads(1, "c1#1", 10).fault(5, 1, "crash", "c1#1").exit(5, "c1#1")
          .heal(5, 1, "crash", "c1#1").start(5.5, "c3#3").view(7, "c3#3", "FOLLOWER", "c1", 10)
          .leads(10.5, "c3#3", 11).closing(12);
      assertThat(rules()).containsExactly("L3");
    }

    @Test
    @DisplayName("L4: the clock of a store fault starts at its heal")
    void storeOutageCountsFromHeal() {
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).fault(5, 1, "restart", "store")
          .unknown(6, "c1#1").heal(10, 1, "restart", "store").view(12, "c1#1", "FOLLOWER", null, 0)
          .leads(13, "c2#2", 12).closing(15);
      assertThat(check().violations()).isEmpty();
      history.clear();
      seqs.clear();
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).fault(5, 1, "restart", "store")
          .unknown(6, "c1#1").heal(10, 1, "restart", "store").view(12, "c1#1", "FOLLOWER", null, 0)
          .leads(13.5, "c2#2", 12).closing(15);
      assertThat(rules()).containsExactly("L4");
    }

    @Test
    @DisplayName("L4: a store's own allowance extends the bound after its faults only")
    void storeAllowanceAfterStoreFaults() {
      allowance = at(1);
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).fault(5, 1, "restart", "store")
          .unknown(6, "c1#1").heal(10, 1, "restart", "store").view(12, "c1#1", "FOLLOWER", null, 0)
          .leads(14, "c2#2", 12).fault(15, 2, "crash", "c2#2").exit(15, "c2#2")
          .heal(15, 2, "crash", "c2#2")
          .leads(18.5, "c1#1", 13).closing(20);
      assertThat(rules()).containsExactly("L3");
    }

    @Test
    @DisplayName("L3: a fault right after a store fault healed still gets the store's allowance")
    void allowanceCarriesOverToAFaultRightAfterTheHeal() {
      allowance = at(1);
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).view(1.1, "c2#2", "FOLLOWER", "c1", 10)
          .fault(5, 1, "restart", "store").unknown(6, "c1#1").heal(10, 1, "restart", "store")
          .fault(10.1, 2, "cut", "c1#1").heal(13, 2, "cut", "c1#1").leads(14, "c2#2", 12)
          .view(14.01, "c1#1", "FOLLOWER", "c2", 12).closing(20);
      assertThat(check().violations()).isEmpty();
    }

    @Test
    @DisplayName("a gap cut short by the next fault is not held against the first")
    void nextFaultEndsTheWindow() {
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).fault(5, 1, "restart", "store")
          .unknown(5.5, "c1#1").heal(6, 1, "restart", "store").fault(8, 2, "restart", "store")
          .heal(9, 2, "restart", "store").leads(11, "c2#2", 12)
          .view(11.01, "c1#1", "FOLLOWER", "c2", 12).closing(15);
      assertThat(check().violations()).isEmpty();
    }
  }

  @Nested
  @DisplayName("F4: every candidate is back after a heal")
  class Recovery {

    /** c1 leads from 1 s; c2 follows from 1.1 s and is cut off from 5 s to 8 s. */
    private CheckerTest cutFollower() {
      return start(0, "c1#1", "c2#2").leads(1, "c1#1", 10)
          .view(1.1, "c2#2", "FOLLOWER", "c1", 10).fault(5, 1, "cut", "c2#2")
          .unknown(6.5, "c2#2").heal(8, 1, "cut", "c2#2");
    }

    @Test
    @DisplayName("F4: a candidate back within D + P of the heal passes; its time out is counted")
    void backInTimePasses() {
      cutFollower().view(9, "c2#2", "FOLLOWER", "c1", 10).closing(15);
      Checker.Report report = check();
      assertThat(report.violations()).isEmpty();
      assertThat(report.longestOut()).isEqualTo(at(1));
      assertThat(report.worstOut().who()).isEqualTo("c2#2");
      assertThat(report.worstOut().fault()).isEqualTo("fault 1 (cut c2#2)");
      assertThat(report.recoveries()).as("c1, which never left LEADER, is back at once; c2")
          .isEqualTo(2);
    }

    @Test
    @DisplayName("F4: one still UNKNOWN D + P after the heal fails, naming it, the fault, the time")
    void stuckPastTheBoundFails() {
      cutFollower().view(12, "c2#2", "FOLLOWER", "c1", 10).closing(15);
      Checker.Report report = check();
      assertThat(report.violations()).extracting(Checker.Violation::rule).containsExactly("F4");
      Checker.Violation v = report.violations().get(0);
      assertThat(v.at()).isEqualTo(at(8));
      assertThat(v.message()).contains("c2#2", "fault 1 (cut c2#2)", "healed at +8.000 s",
          "for 4000 ms", "D + P = 3300 ms", "again at +12.000 s");
      assertThat(report.longestOut()).isEqualTo(at(4));
    }

    @Test
    @DisplayName("F4: a candidate never back before the closing fails too")
    void neverBackFails() {
      cutFollower().closing(15);
      Checker.Report report = check();
      assertThat(report.violations()).extracting(Checker.Violation::rule).containsExactly("F4");
      assertThat(report.violations().get(0).message()).contains("c2#2", "still UNKNOWN",
          "fault 1 (cut c2#2)", "+15.000 s");
      assertThat(report.worstOut().back()).isFalse();
      assertThat(report.longestOut()).isEqualTo(at(7));
    }

    @Test
    @DisplayName("F4: a frozen candidate's clock starts when it is resumed")
    void pauseCountsFromTheResume() {
      // c2's view lapsed at 5.5 s while frozen (written after it thawed), resumed at 9 s
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).view(1.1, "c2#2", "FOLLOWER", "c1", 10)
          .fault(5, 1, "pause", "c2#2").unknown(5.5, "c2#2").heal(9, 1, "pause", "c2#2")
          .view(12, "c2#2", "FOLLOWER", "c1", 10).closing(15);
      assertThat(check().violations()).isEmpty();
      assertThat(check().longestOut()).isEqualTo(at(3));
      history.clear();
      seqs.clear();
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).view(1.1, "c2#2", "FOLLOWER", "c1", 10)
          .fault(5, 1, "pause", "c2#2").unknown(5.5, "c2#2").heal(9, 1, "pause", "c2#2")
          .view(12.5, "c2#2", "FOLLOWER", "c1", 10).closing(15);
      assertThat(rules()).containsExactly("F4");
    }

    @Test
    @DisplayName("F4: a view held at the heal that lapses within R of it does not count as back")
    void viewLapsingRightAfterTheHealIsNotBack() {
      // a cut shorter than R: c2 still shows FOLLOWER at the heal, then it lapses
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).view(1.1, "c2#2", "FOLLOWER", "c1", 10)
          .fault(5, 1, "cut", "c2#2").heal(5.3, 1, "cut", "c2#2").unknown(6, "c2#2")
          .view(9, "c2#2", "FOLLOWER", "c1", 10).closing(15);
      assertThat(rules()).containsExactly("F4");
      assertThat(check().violations().get(0).message()).contains("lapsed at +6.000 s");
      assertThat(check().longestOut()).isEqualTo(at(9) - at(5.3));
      history.clear();
      seqs.clear();
      // the same lapse more than R after the heal: the view was confirmed after the heal
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).view(1.1, "c2#2", "FOLLOWER", "c1", 10)
          .fault(5, 1, "cut", "c2#2").heal(5.3, 1, "cut", "c2#2").unknown(7.5, "c2#2")
          .view(9, "c2#2", "FOLLOWER", "c1", 10).closing(15);
      assertThat(check().violations()).isEmpty();
      assertThat(check().longestOut()).isZero();
    }

    @Test
    @DisplayName("F4: a second fault of the same candidate before it is back closes the window")
    void secondFaultOfTheCandidateClosesTheWindow() {
      cutFollower().fault(10, 2, "cut", "c2#2").heal(13, 2, "cut", "c2#2")
          .view(14, "c2#2", "FOLLOWER", "c1", 10).closing(20);
      Checker.Report report = check();
      assertThat(report.violations()).isEmpty();
      assertThat(report.longestOut()).as("only the second heal has a verdict").isEqualTo(at(1));
      assertThat(report.worstOut().fault()).isEqualTo("fault 2 (cut c2#2)");
    }

    @Test
    @DisplayName("F4: a fault of the store before the candidate is back closes the window too")
    void storeFaultClosesTheWindow() {
      cutFollower().fault(10, 2, "restart", "store").unknown(10.5, "c1#1")
          .heal(12, 2, "restart", "store").leads(13, "c1#1", 11)
          .view(13.1, "c2#2", "FOLLOWER", "c1", 11).closing(20);
      assertThat(check().violations()).isEmpty();
    }

    @Test
    @DisplayName("F4: a fault of another candidate does not close the window")
    void faultOfAnotherCandidateDoesNotCloseTheWindow() {
      cutFollower().fault(9, 2, "crash", "c1#1").exit(9, "c1#1").heal(9, 2, "crash", "c1#1")
          .leads(12, "c2#2", 11).closing(20);
      List<Checker.Violation> violations = check().violations();
      assertThat(violations).extracting(Checker.Violation::rule).containsExactly("F4");
      assertThat(violations.get(0).message()).contains("c2#2", "fault 1 (cut c2#2)",
          "for 4000 ms");
    }

    @Test
    @DisplayName("F4: a resign is not a fault: it neither opens nor closes a window")
    void resignIsNotAFault() {
      cutFollower().fault(10, 2, "resign", "c1#1").heal(10.01, 2, "resign", "c1#1")
          .view(10.01, "c1#1", "FOLLOWER", null, 0).view(12, "c2#2", "LEADER", "c2", 11)
          .view(12.01, "c1#1", "FOLLOWER", "c2", 11).closing(20);
      assertThat(rules()).containsExactly("F4");
    }

    @Test
    @DisplayName("F4: after a store restart every candidate must be back, each named on its own")
    void storeRestartCoversEveryCandidate() {
      start(0, "c1#1", "c2#2", "c3#3").leads(1, "c1#1", 10)
          .view(1.1, "c2#2", "FOLLOWER", "c1", 10).view(1.2, "c3#3", "FOLLOWER", "c1", 10)
          .fault(5, 1, "restart", "store").unknown(6, "c1#1").unknown(6, "c2#2")
          .unknown(6, "c3#3").heal(10, 1, "restart", "store").leads(11, "c1#1", 11)
          .view(11.1, "c2#2", "FOLLOWER", "c1", 11).view(14, "c3#3", "FOLLOWER", "c1", 11)
          .closing(20);
      Checker.Report report = check();
      assertThat(report.violations()).extracting(Checker.Violation::rule).containsExactly("F4");
      assertThat(report.violations().get(0).message()).contains("c3#3",
          "fault 1 (restart store)", "healed at +10.000 s", "for 4000 ms");
      assertThat(report.recoveries()).isEqualTo(3);
      assertThat(report.worstOut().who()).isEqualTo("c3#3");
      // the store's own allowance applies after its faults
      allowance = at(1);
      assertThat(check().violations()).isEmpty();
      assertThat(check().worstOut().bound()).isEqualTo(BOUND + at(1));
    }

    @Test
    @DisplayName("F4: the crashed candidate and one started after the heal do not count")
    void crashedAndLaterCandidatesDoNotCount() {
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).view(1.1, "c2#2", "FOLLOWER", "c1", 10)
          .fault(5, 1, "crash", "c1#1").exit(5, "c1#1").heal(5, 1, "crash", "c1#1")
          .start(6, "c3#3").leads(7, "c2#2", 11).closing(20);
      Checker.Report report = check();
      assertThat(report.violations()).isEmpty();
      assertThat(report.recoveries()).as("c2 only, back at once").isEqualTo(1);
      assertThat(report.longestOut()).isZero();
    }

    @Test
    @DisplayName("F4: the column is the longest time out over all heals and candidates")
    void columnIsTheLongestTimeOut() {
      // cut c2: out 1 s; restart: c1 out 1.5 s, c2 out 2 s; pause c1: out 0.7 s
      cutFollower().view(9, "c2#2", "FOLLOWER", "c1", 10)
          .fault(12, 2, "restart", "store").unknown(13, "c1#1").unknown(13, "c2#2")
          .heal(15, 2, "restart", "store").leads(16.5, "c1#1", 11)
          .view(17, "c2#2", "FOLLOWER", "c1", 11)
          .fault(20, 3, "pause", "c1#1").unknown(21, "c1#1").heal(24, 3, "pause", "c1#1")
          .view(23.9, "c2#2", "LEADER", "c2", 12).view(24.7, "c1#1", "FOLLOWER", "c2", 12)
          .closing(30);
      add(Entry.at(0, Entry.RUNNER, "begin").put("backend", "memory").put("leaseMs", 3000)
          .put("renewMs", 2000).put("retryMs", 300).put("graceMs", 500)
          .put("storeAllowanceMs", 0).build());
      Checker.Report report = check();
      assertThat(report.violations()).isEmpty();
      assertThat(report.longestOut()).isEqualTo(at(2));
      assertThat(report.worstOut().who()).isEqualTo("c2#2");
      assertThat(report.worstOut().fault()).isEqualTo("fault 2 (restart store)");
      assertThat(report.recoveries()).isEqualTo(6);

      List<Entry> sorted = new ArrayList<>(history);
      sorted.sort(Comparator.comparingLong(Entry::t));
      CampaignRun.Result result = new CampaignRun.Result("memory", CampaignSettings.defaults(),
          new io.github.election.testing.Timings(java.time.Duration.ofSeconds(3),
              java.time.Duration.ofSeconds(2), java.time.Duration.ofMillis(300),
              java.time.Duration.ofMillis(100)), report, sorted,
          java.nio.file.Path.of("history-memory.jsonl"), java.time.Duration.ofMinutes(1), 0,
          List.of());
      String table = Summary.table(List.of(result));
      assertThat(table).contains("longest time a healed candidate stayed out (bound D + P)")
          .contains("| 2000 ms (3300 ms) |");
      assertThat(table.lines().skip(2).findFirst().orElseThrow().split("\\|", -1))
          .as("as many cells as the header").hasSameSizeAs(table.lines().findFirst()
              .orElseThrow().split("\\|", -1));
      assertThat(Summary.details(result)).contains("longest time a healed candidate stayed out"
          + " (F4): 2000 ms, c2#2 after fault 2 (restart store) healed at +15.000 s");
    }
  }

  @Nested
  @DisplayName("N1: notifications")
  class Notifications {

    @Test
    @DisplayName("N1: a listener told of a view the getters did not show yet fails")
    void notifiedBeforeVisibleFails() {
      start(0, "c1#1").leads(1, "c1#1", 10).closing(3);
      add(notification(1.5, "c1#1", "UNKNOWN", null, 0, 2, "LEADER", "c1", 10, 1));
      assertThat(rules()).containsExactly("N1");
    }

    @Test
    @DisplayName("N1: a notified view that differs from the recorded transition fails")
    void notifiedViewNeverRecordedFails() {
      start(0, "c1#1").leads(1, "c1#1", 10).closing(3);
      add(notification(1.5, "c1#1", "LEADER", "c1", 11, 1, "LEADER", "c1", 11, 1));
      assertThat(rules()).contains("N1");
    }

    @Test
    @DisplayName("N1: a listener that sees a later view in the getters passes")
    void laterViewInGettersPasses() {
      start(0, "c1#1").leads(1, "c1#1", 10).unknown(2, "c1#1").closing(3);
      add(notification(2.5, "c1#1", "LEADER", "c1", 10, 1, "UNKNOWN", null, 0, 2));
      assertThat(check().violations()).isEmpty();
    }
  }

  @Nested
  @DisplayName("W1, T1, T3: leader work")
  class Work {

    @Test
    @DisplayName("W1: runs of two instances that overlap fail, even when their LEADER periods do not")
    void overlappingRunsFail() {
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).unknown(4, "c1#1")
          .work("c1#1", 10, 1.01, 5.5, 3.9).leads(5, "c2#2", 12).work("c2#2", 12, 5.01, 7, 6.9)
          .closing(8);
      assertThat(rules()).containsExactly("W1");
    }

    @Test
    @DisplayName("W1: a frozen instance's run ends at its last act")
    void frozenRunEndsAtLastAct() {
      // c1 is frozen at 4 s; its renew deadline passes at 4.5 s (the since of its UNKNOWN view,
      // written after it thawed at 9 s); its run returns at 9.002 s, its last act was at 3.99 s
      start(0, "c1#1", "c2#2").leads(1, "c1#1", 10).fault(4, 1, "pause", "c1#1")
          .unknown(4.5, "c1#1").leads(7, "c2#2", 12).work("c2#2", 12, 7.01, 9.5, 9.4)
          .heal(9, 1, "pause", "c1#1").work("c1#1", 10, 1.01, 9.002, 3.99).closing(10);
      assertThat(check().violations()).isEmpty();
    }

    @Test
    @DisplayName("T1: a run for a term the instance never led with fails")
    void runWithoutLeadershipFails() {
      start(0, "c1#1").leads(1, "c1#1", 10).work("c1#1", 11, 1.5, 2, 1.9).closing(3);
      assertThat(rules()).containsExactly("T1");
    }

    @Test
    @DisplayName("T3: a run that starts before the previous one returned fails")
    void nestedRunsFail() {
      start(0, "c1#1").leads(1, "c1#1", 10).closing(5);
      add(Entry.at(at(1.1), "c1#1", "work-start").put("term", 10L).build());
      add(Entry.at(at(1.2), "c1#1", "work-start").put("term", 10L).build());
      assertThat(rules()).contains("T3");
    }
  }

  @Test
  @DisplayName("H: a missing transition line fails")
  void missingLineFails() {
    start(0, "c1#1").leads(1, "c1#1", 10).closing(3);
    seqs.merge("c1#1", 1L, Long::sum);
    unknown(2, "c1#1");
    assertThat(rules()).contains("H");
  }

  @Test
  @DisplayName("a history survives being written and read back")
  void historyRoundTrip() throws Exception {
    healthy();
    java.nio.file.Path file = java.nio.file.Files.createTempFile("history", ".jsonl");
    History h = new History();
    history.forEach(h::add);
    h.write(file);
    assertThat(History.read(file)).extracting(Entry::toJson)
        .containsExactlyElementsOf(h.entries().stream().map(Entry::toJson).toList());
    java.nio.file.Files.delete(file);
  }

  @Nested
  @DisplayName("K1: priority changes")
  class Priorities {

    /**
     * c1 (priority 0) leads, c2 (priority 1) follows; at 5 s c2 restarts with priority 3 and
     * follows from 6 s. Every candidate preempts after 0.6 s (P 0.3 s, handover 0.1 s): the
     * checker looks 3.3 + 0.6 + 0.3 + 0.3 + 1 = 5.5 s after the heal, at 10.5 s.
     */
    private CheckerTest restartedWithHigherPriority() {
      add(Entry.at(0, Entry.RUNNER, "begin").put("backend", "memory").put("leaseMs", 3000)
          .put("renewMs", 2000).put("retryMs", 300).put("graceMs", 500)
          .put("storeAllowanceMs", 0).put("preemptMs", 600).put("handoverMs", 100).build());
      start(0, "c1#1", "c2#2");
      add(Entry.at(at(0.001), "c1#1", "started").put("priority", 0).build());
      add(Entry.at(at(0.001), "c2#2", "started").put("priority", 1).build());
      leads(1, "c1#1", 10).view(1.01, "c2#2", "FOLLOWER", "c1", 10);
      fault(5, 1, "priority", "c2#2").exit(5, "c2#2").heal(5, 1, "priority", "c2#2");
      start(5.1, "c2#3");
      add(Entry.at(at(5.101), "c2#3", "started").put("priority", 3).build());
      return view(6, "c2#3", "FOLLOWER", "c1", 10);
    }

    @Test
    @DisplayName("K1: the lower priority still leading after the bound fails")
    void lowerPriorityStillLeadingFails() {
      restartedWithHigherPriority().closing(12);
      assertThat(rules()).containsExactly("K1");
    }

    @Test
    @DisplayName("K1: the higher priority leading by the bound passes")
    void higherPriorityLeadingPasses() {
      restartedWithHigherPriority().view(8, "c1#1", "FOLLOWER", "c1", 10)
          .leads(8.05, "c2#3", 11).view(8.06, "c1#1", "FOLLOWER", "c2", 11).closing(12);
      assertThat(check().violations()).isEmpty();
    }

    @Test
    @DisplayName("K1: another fault before the bound leaves no verdict")
    void anotherFaultBeforeTheBoundGivesNoVerdict() {
      restartedWithHigherPriority().fault(9, 2, "resign", "c1#1").heal(9, 2, "resign", "c1#1")
          .view(9, "c1#1", "FOLLOWER", "c1", 10).leads(9.05, "c2#3", 11)
          .view(9.06, "c1#1", "FOLLOWER", "c2", 11).closing(12);
      assertThat(check().violations()).isEmpty();
    }
  }
}
