package io.github.election.campaign;

import io.github.election.testing.Fault;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Checks a campaign's history against the contract. All times are the machine's monotonic clock,
 * so the entries of every process compare.
 *
 * <ul>
 *   <li><b>S1</b> no two instances are LEADER at once. A LEADER period runs from the {@code
 *       since} time of the LEADER view to that of the next view (for a lapsed renew deadline,
 *       the deadline itself: from then on the getters no longer say LEADER), or to the instance's
 *       {@code exit} when it was killed.
 *   <li><b>S3</b> ordered by start, each period's term exceeds the previous one's; an instance
 *       that resumes its own term after a loss of contact, with nobody leading in between,
 *       continues its period. Instances count apart, so a restarted process that reuses an
 *       identity does not inherit its predecessor's term.
 *   <li><b>S4</b> a LEADER view names its own identity and a positive term.
 *   <li><b>L1-L4</b> no leaderless time longer than D + P inside a window in which the election
 *       should be live: from the first answer of the store to any candidate (the warm-up of a
 *       fresh JVM and its client is not counted) to the first fault (L1); from the
 *       injection of a fault on one candidate (crash, cut, pause, expiry, resign: the others are
 *       healthy) or from the heal of a fault of the store (restart, member loss) to the next
 *       fault or the end (L3, L4; L2 after a resign). After a fault of the store the bound grows
 *       by the store's own allowance ({@link Limits#storeAllowance()}), also for a window that
 *       opens within D + P + that allowance of the store's heal. A window's clock starts
 *       only once a candidate that can lead (alive, not the one the fault put out of action) has
 *       heard from the store: after back-to-back crashes the survivors may all be newcomers,
 *       which need D + P of their own, as at the start.
 *   <li><b>N1</b> when a listener ran, the getters showed the notified view or a later one, and
 *       the notified view is the one recorded for its sequence number.
 *   <li><b>W1</b> no leader-work run of one instance overlaps a run of another. A run lasts from
 *       the entry into the work to its return (or the instance's death). A run of an instance
 *       that was frozen (SIGSTOP) meanwhile ends, for this check, at its last act: a frozen
 *       process cannot be interrupted, and each act was checked against the getters first.
 *   <li><b>T1</b> a run starts only after its instance became LEADER with the run's term.
 *   <li><b>F4</b> after each healed fault (the heal of a cut, the resume of a pause, the end of
 *       a forced expiry, the return of the store after a restart or a member loss, and the
 *       crash, which heals at once), every instance that is alive at the heal and had heard from
 *       the store before the fault (a newcomer still starting is not recovering) is FOLLOWER or
 *       LEADER again within D + P of the heal, plus the store's allowance after a fault of the
 *       store or within D + P + that allowance of one. The instance a crash killed does not
 *       count, nor does one started later. An instance that holds a FOLLOWER or LEADER view at
 *       the heal is back at once, unless that view gives way to UNKNOWN within R of the heal: it
 *       was then never confirmed after the heal (a confirmation sent after it would hold the
 *       view past heal + R), and the instance counts as out from the heal. The window of an
 *       instance ends without a verdict at the next fault of that instance or of the store, at
 *       its exit and at the closing, if the bound has not passed by then. A resign is not a
 *       fault here: it neither opens nor ends a window.
 *   <li><b>K1</b> after each priority change ({@code priority}: a candidate restarts with
 *       another priority; every candidate preempts after {@code preemptMs}), once {@link
 *       #priorityBound} has passed since its heal and no other fault came in between, the leader
 *       has the highest priority among the live instances that had heard from the store long
 *       enough before (preemption delay + P + three handover bounds + 1 s) to have been handed
 *       the leadership. The same crash rules as a crash apply to the restarted instance.
 *   <li><b>H</b> the history is whole: each instance's transitions are numbered without gaps.
 * </ul>
 *
 * <p>An expiry forced from outside ({@code expire}) ends a live session that its holder learns
 * of only from the store's next message; S1 and W1 overlaps that start within the expiry grace
 * after such a fault, and end within it, are counted as tolerated instead of as violations.
 */
final class Checker {

  /** One LEADER period of one instance. */
  record Interval(String who, long term, long start, long end) {
  }

  /** One leader-work run of one instance, as checked (see W1). */
  record Run(String who, long term, long start, long end, long acts, boolean frozen) {
  }

  /**
   * The bounds of a check.
   *
   * @param bound D + P, in nanoseconds
   * @param storeAllowance what a store adds to the bound after its own faults (restart, member
   *     loss): the time it takes itself before it can let a dead client's lease run out (etcd
   *     extends every lease by its election timeout when a new raft leader takes over)
   * @param grace the expiry grace (see the class comment)
   * @param renew R, in nanoseconds: a view held at a heal that lapses within R of it was not
   *     confirmed after the heal (F4)
   */
  record Limits(long bound, long storeAllowance, long grace, long renew) {
  }

  /** One broken rule, with the stretch of history that shows it. */
  record Violation(String rule, long at, String message, long from, long to) {
  }

  /**
   * How one instance came back after one healed fault (F4).
   *
   * @param who the instance
   * @param fault the fault, as {@code fault 3 (cut c2#2)}
   * @param healed when the fault healed
   * @param out how long the instance stayed out from the heal: until it was FOLLOWER or LEADER
   *     again, or, if it never was within its window, until the window ended
   * @param back whether it came back within its window
   * @param bound the bound it was held to
   */
  record Recovery(String who, String fault, long healed, long out, boolean back, long bound) {
  }

  /**
   * What a history amounts to.
   *
   * @param recoveries how many (healed fault, instance) pairs F4 judged: those back within their
   *     window and those still out past the bound
   * @param longestOut the longest time out among them (F4), 0 if none
   * @param worstOut the recovery with that time, or null if none
   */
  record Report(List<Violation> violations, List<String> tolerated,
      Map<Fault, Integer> faults, int leaderChanges, long longestGap,
      long longestGapAfterHeal, int recoveries, long longestOut, Recovery worstOut,
      int lateStarts, List<Interval> intervals, long origin, long end) {

    boolean ok() {
      return violations.isEmpty();
    }
  }

  private static final String LEADER = "LEADER";
  private static final String UNKNOWN = "UNKNOWN";

  private final List<Entry> entries;
  private final long boundNanos;
  private final long allowanceNanos;
  private final long graceNanos;
  private final long renewNanos;
  private final List<Violation> violations = new ArrayList<>();
  private final Map<String, Long> exits = new HashMap<>();
  private final Map<String, String> identities = new HashMap<>();
  private final List<long[]> pauses = new ArrayList<>();
  private final List<String> pausedWho = new ArrayList<>();
  private final Map<String, List<Long>> expiries = new HashMap<>();
  private final List<String> tolerated = new ArrayList<>();
  private int lateStarts;
  private long origin;
  private long end;

  private Checker(List<Entry> sorted, Limits limits) {
    this.entries = sorted;
    this.boundNanos = limits.bound();
    this.allowanceNanos = limits.storeAllowance();
    this.graceNanos = limits.grace();
    this.renewNanos = limits.renew();
  }

  /** Checks a history, sorted by time. */
  static Report check(List<Entry> sorted, Limits limits) {
    return new Checker(sorted, limits).run();
  }

  /** The limits a history's {@code begin} entry records. */
  static Limits limitsOf(List<Entry> sorted) {
    Entry begin = sorted.stream().filter(e -> e.is("begin")).findFirst().orElseThrow(
        () -> new IllegalArgumentException("the history has no 'begin' entry with the settings"));
    return new Limits((begin.num("leaseMs") + begin.num("retryMs")) * 1_000_000L,
        begin.num("storeAllowanceMs", 0) * 1_000_000L, begin.num("graceMs") * 1_000_000L,
        begin.num("renewMs") * 1_000_000L);
  }

  private Report run() {
    if (entries.isEmpty()) {
      return new Report(List.of(), List.of(), new EnumMap<>(Fault.class), 0, 0, 0, 0, 0,
          null, 0, List.of(), 0, 0);
    }
    origin = entries.get(0).t();
    end = entries.get(entries.size() - 1).t();
    Map<Fault, Integer> faults = new EnumMap<>(Fault.class);
    long closing = Long.MAX_VALUE;
    java.util.Set<String> failed = new java.util.HashSet<>();
    for (Entry e : entries) {
      if (e.who().equals(Entry.RUNNER) && e.is("error")) {
        failed.add(e.str("id")); // a fault that could not be injected as drawn
      }
    }
    for (Entry e : entries) {
      if (e.is("exit")) {
        exits.putIfAbsent(e.who(), e.t());
      } else if (e.is("spawn")) {
        identities.put(e.who(), e.str("identity"));
      } else if (e.who().equals(Entry.RUNNER) && e.is("fault") && !failed.contains(e.str("id"))) {
        Fault k = Fault.of(e.str("fault"));
        faults.merge(k, 1, Integer::sum);
        if (k == Fault.EXPIRE) {
          expiries.computeIfAbsent(e.str("target"), w -> new ArrayList<>()).add(e.t());
        }
      } else if (e.who().equals(Entry.RUNNER) && e.is("closing")) {
        closing = Math.min(closing, e.t());
      }
    }
    collectPauses();
    if (closing == Long.MAX_VALUE) {
      closing = end;
    }
    List<Interval> intervals = intervals();
    checkOverlaps(intervals, "S1", "two leaders at once");
    int changes = checkTerms(intervals);
    long[] gaps = checkGaps(intervals, closing);
    List<Recovery> recoveries = checkRecoveries(closing);
    Recovery worst = recoveries.stream().max(Comparator.comparingLong(Recovery::out))
        .orElse(null);
    checkNotifications();
    checkWork(intervals);
    checkPriorities(intervals, closing);
    violations.sort(Comparator.comparingLong(Violation::at));
    return new Report(List.copyOf(violations), List.copyOf(tolerated), faults, changes, gaps[0],
        gaps[1], recoveries.size(), worst == null ? 0 : worst.out(), worst, lateStarts,
        intervals, origin, end);
  }

  /** Slack of rule K1 for the machine's scheduling, on top of the contract's bounds. */
  static final long PRIORITY_SLACK_NANOS = 1_000_000_000L;

  /**
   * How long after a priority change the candidate of the highest priority must lead (K1): a
   * newcomer's first answer ({@code bound}, D + P) and the store's allowance, then the
   * preemption delay, P, three handover bounds (K1 of the contract) and a slack.
   */
  static long priorityBound(long bound, long allowance, long preempt, long retry,
      long handover) {
    return bound + allowance + joinedBefore(preempt, retry, handover);
  }

  /** How long an instance must have been known to count for K1. */
  private static long joinedBefore(long preempt, long retry, long handover) {
    return preempt + retry + 3 * handover + PRIORITY_SLACK_NANOS;
  }

  /** Rule K1: see the class comment. */
  private void checkPriorities(List<Interval> intervals, long closing) {
    Entry begin = entries.stream().filter(e -> e.is("begin")).findFirst().orElse(null);
    if (begin == null || begin.num("preemptMs", -1) < 0) {
      return;
    }
    long preempt = begin.num("preemptMs") * 1_000_000L;
    long retry = begin.num("retryMs") * 1_000_000L;
    long handover = begin.num("handoverMs", 0) * 1_000_000L;
    long wait = priorityBound(boundNanos, allowanceNanos, preempt, retry, handover);
    long joined = joinedBefore(preempt, retry, handover);
    Map<String, Long> priorityOf = new HashMap<>();
    Map<String, Long> firstKnown = new HashMap<>();
    List<Entry> faults = new ArrayList<>();
    Map<String, Long> heals = new HashMap<>();
    for (Entry e : entries) {
      if (e.is("started") && !e.who().equals(Entry.RUNNER)) {
        priorityOf.put(e.who(), e.num("priority", 0));
      } else if (e.is("transition") && !UNKNOWN.equals(e.str("to"))) {
        firstKnown.putIfAbsent(e.who(), e.t());
      } else if (e.who().equals(Entry.RUNNER) && e.is("fault")) {
        faults.add(e);
      } else if (e.who().equals(Entry.RUNNER) && e.is("heal")) {
        heals.putIfAbsent(e.str("id"), e.t());
      }
    }
    for (int i = 0; i < faults.size(); i++) {
      Entry f = faults.get(i);
      Long healed = heals.get(f.str("id"));
      if (Fault.of(f.str("fault")) != Fault.PRIORITY || healed == null) {
        continue;
      }
      long at = healed + wait;
      if (at >= closing || (i + 1 < faults.size() && faults.get(i + 1).t() <= at)) {
        continue; // no verdict: the campaign ended, or another fault came first
      }
      Interval leading = null;
      for (Interval iv : intervals) {
        if (iv.start() <= at && at < iv.end()) {
          leading = iv;
        }
      }
      if (leading == null) {
        continue; // nobody leads: the gap rules judge that
      }
      long best = priorityOf.getOrDefault(leading.who(), 0L);
      String bestWho = leading.who();
      for (Map.Entry<String, Long> c : priorityOf.entrySet()) {
        String who = c.getKey();
        Long known = firstKnown.get(who);
        Long exit = exits.get(who);
        if (known != null && known <= at - joined && (exit == null || exit > at)
            && c.getValue() > best) {
          best = c.getValue();
          bestWho = who;
        }
      }
      if (!bestWho.equals(leading.who())) {
        violations.add(new Violation("K1", at, "fault " + f.str("id") + " (priority "
            + f.str("target") + " -> " + f.str("priority") + "): " + ms(wait) + " after it, "
            + leading.who() + " of priority " + priorityOf.getOrDefault(leading.who(), 0L)
            + " leads, while " + bestWho + " of priority " + best + " is open since "
            + at(firstKnown.get(bestWho)), healed, at));
      }
    }
  }

  /** Whether an entry of a candidate comes after that candidate's death (in-process crashes). */
  private boolean afterExit(Entry e) {
    Long exit = exits.get(e.who());
    return exit != null && e.t() > exit && !e.is("exit");
  }

  private void collectPauses() {
    Map<String, Entry> open = new HashMap<>();
    for (Entry e : entries) {
      if (!e.who().equals(Entry.RUNNER) || !"pause".equals(e.str("fault"))) {
        continue;
      }
      if (e.is("fault")) {
        open.put(e.str("id"), e);
      } else if (e.is("heal") && open.containsKey(e.str("id"))) {
        Entry f = open.remove(e.str("id"));
        pauses.add(new long[] {f.t(), e.t()});
        pausedWho.add(f.str("target"));
      }
    }
    open.values().forEach(f -> {
      pauses.add(new long[] {f.t(), end});
      pausedWho.add(f.str("target"));
    });
  }

  // ------------------------------------------------------------------ S1, S3, S4

  private List<Interval> intervals() {
    Map<String, long[]> open = new HashMap<>(); // who -> {term, start}
    Map<String, Long> lastSeq = new HashMap<>();
    List<Interval> out = new ArrayList<>();
    for (Entry e : entries) {
      if (afterExit(e)) {
        continue;
      }
      if (e.is("exit")) {
        long[] o = open.remove(e.who());
        if (o != null) {
          out.add(new Interval(e.who(), o[0], o[1], e.t()));
        }
        continue;
      }
      if (!e.is("transition")) {
        continue;
      }
      long seq = e.num("seq");
      long previous = lastSeq.getOrDefault(e.who(), 0L);
      if (seq != previous + 1) {
        violations.add(violation("H", e.t(), e.who() + ": transition #" + seq + " follows #"
            + previous + ": lines of the history are missing"));
      }
      lastSeq.put(e.who(), seq);
      boolean was = LEADER.equals(e.str("from"));
      boolean is = LEADER.equals(e.str("to"));
      long term = e.num("term");
      boolean termChanged = e.num("fromTerm") != term;
      if (was && (!is || termChanged)) {
        long[] o = open.remove(e.who());
        if (o != null) {
          out.add(new Interval(e.who(), o[0], o[1], e.t()));
        }
      }
      if (is && (!was || termChanged)) {
        open.put(e.who(), new long[] {term, e.t()});
        String identity = identities.get(e.who());
        if (term <= 0 || (identity != null && !identity.equals(e.str("leader")))) {
          violations.add(violation("S4", e.t(), e.who() + " is LEADER with leader "
              + e.str("leader") + " and term " + term + " (identity " + identity + ")"));
        }
      }
    }
    open.forEach((who, o) -> out.add(new Interval(who, o[0], o[1], end)));
    out.sort(Comparator.comparingLong(Interval::start).thenComparingLong(Interval::end));
    return out;
  }

  private void checkOverlaps(List<Interval> sorted, String rule, String what) {
    for (int i = 0; i < sorted.size(); i++) {
      Interval a = sorted.get(i);
      for (int j = i + 1; j < sorted.size(); j++) {
        Interval b = sorted.get(j);
        if (b.start() >= a.end()) {
          break;
        }
        if (a.who().equals(b.who())) {
          continue;
        }
        long overlapEnd = Math.min(a.end(), b.end());
        if (a.end() == a.start() || b.end() == b.start()) {
          continue; // a frozen run that did nothing
        }
        if (expiryExplains(a.who(), b.start(), a.end())) {
          tolerated.add(rule + ": " + describe(a) + " and " + describe(b) + " overlap by "
              + ms(overlapEnd - b.start()) + " right after " + a.who() + "'s session was ended");
          continue;
        }
        violations.add(new Violation(rule, b.start(), rule + ": " + what + ": "
            + describe(a) + " and " + describe(b) + " overlap by "
            + ms(overlapEnd - b.start()), b.start() - 3_000_000_000L, overlapEnd + 1_000_000_000L));
      }
    }
  }

  /** Whether a forced expiry of {@code who} just before explains an overlap (see class comment). */
  private boolean expiryExplains(String who, long otherStart, long whoEnd) {
    for (long t : expiries.getOrDefault(who, List.of())) {
      if (t <= otherStart && otherStart - t <= graceNanos && whoEnd - t <= graceNanos) {
        return true;
      }
    }
    return false;
  }

  /** S3 on the periods; returns the number of leader changes (periods after the first). */
  private int checkTerms(List<Interval> sorted) {
    Interval previous = null;
    int periods = 0;
    for (Interval i : sorted) {
      if (previous != null && previous.who().equals(i.who()) && previous.term() == i.term()) {
        previous = i; // resumed: the same period
        continue;
      }
      periods++;
      if (previous != null && i.term() <= previous.term()) {
        violations.add(new Violation("S3", i.start(), "S3: term " + i.term() + " of "
            + describe(i) + " does not exceed term " + previous.term() + " of the earlier "
            + describe(previous), previous.start() - 1_000_000_000L, i.start() + 1_000_000_000L));
      }
      previous = i;
    }
    return Math.max(0, periods - 1);
  }

  // ------------------------------------------------------------------ L1-L4

  /** Returns {longest gap, longest gap inside a liveness window}. */
  private long[] checkGaps(List<Interval> sorted, long closing) {
    // from the first answer of the store to any candidate: the warm-up of a fresh JVM and its
    // client (seconds for fabric8 on a busy machine) is not the election's
    long firstStart = Long.MAX_VALUE;
    for (Entry e : entries) {
      if (e.is("transition")) {
        firstStart = e.t();
        break;
      }
    }
    if (firstStart == Long.MAX_VALUE) {
      return new long[] {0, 0};
    }
    // leaderless gaps between firstStart and closing
    List<long[]> gaps = new ArrayList<>();
    long covered = firstStart;
    for (Interval i : sorted) {
      if (i.start() > covered) {
        gaps.add(new long[] {covered, Math.min(i.start(), closing)});
      }
      covered = Math.max(covered, i.end());
      if (covered >= closing) {
        break;
      }
    }
    if (covered < closing) {
      gaps.add(new long[] {covered, closing});
    }
    // liveness windows
    List<Window> windows = new ArrayList<>();
    Window open = new Window(firstStart, "L1", "the first answer of the store", boundNanos, null);
    Window pendingStoreFault = null; // a fault of the store: its window opens when it heals
    long lastStoreHeal = Long.MIN_VALUE / 2;
    for (Entry e : entries) {
      if (!e.who().equals(Entry.RUNNER) || !(e.is("fault") || e.is("heal"))) {
        continue;
      }
      Fault k = Fault.of(e.str("fault"));
      boolean ofStore = k == Fault.RESTART || k == Fault.MEMBER;
      if (e.is("fault")) {
        if (open != null) {
          windows.add(open.until(e.t()));
        }
        String cause = "fault " + e.str("id") + " (" + k.option() + " " + e.str("target") + ")";
        boolean disablesTarget = k == Fault.CRASH || k == Fault.CUT
            || k == Fault.PAUSE || k == Fault.PRIORITY;
        // the leases a store's failover extended may outlive its heal by D + the allowance
        long b = e.t() - lastStoreHeal < boundNanos + allowanceNanos
            ? boundNanos + allowanceNanos : boundNanos;
        open = ofStore ? null : new Window(e.t(), k.livenessRule(), cause, b,
            disablesTarget ? e.str("target") : null);
        if (ofStore) {
          pendingStoreFault = new Window(0, k.livenessRule(), cause, boundNanos + allowanceNanos,
              null);
        }
      } else if (ofStore && open == null && pendingStoreFault != null) {
        open = pendingStoreFault.from(e.t());
        pendingStoreFault = null;
        lastStoreHeal = e.t();
      }
    }
    if (open != null && open.start() < closing) {
      windows.add(open.until(closing));
    }
    Map<String, Long> firstAnswer = new HashMap<>();
    for (Entry e : entries) {
      if (e.is("transition")) {
        firstAnswer.putIfAbsent(e.who(), e.t());
      }
    }
    for (int w = 0; w < windows.size(); w++) {
      windows.set(w, windows.get(w).from(availableFrom(windows.get(w), firstAnswer)));
    }
    long longest = 0;
    long longestChecked = 0;
    for (long[] g : gaps) {
      longest = Math.max(longest, g[1] - g[0]);
      for (Window win : windows) {
        long from = Math.max(g[0], win.start());
        long to = Math.min(g[1], win.end());
        if (to <= from) {
          continue;
        }
        longestChecked = Math.max(longestChecked, to - from);
        long b = win.bound();
        if (to - from > b) {
          violations.add(new Violation(win.rule(), from, win.rule() + ": nobody led for "
              + ms(to - from) + " (more than " + (b == boundNanos ? "D + P = " + ms(b)
              : "D + P + the store's allowance = " + ms(b)) + ") from " + at(from) + ", after "
              + win.cause(), from - 2_000_000_000L, Math.min(to, from + b) + 1_000_000_000L));
        }
      }
    }
    return new long[] {longest, longestChecked};
  }

  /**
   * A stretch of time in which the election should be live; {@code disabled} is the instance
   * that the fault put out of action (crashed, cut off, frozen), which does not count.
   */
  private record Window(long start, long end, String rule, String cause, long bound,
      String disabled) {

    Window(long start, String rule, String cause, long bound, String disabled) {
      this(start, Long.MAX_VALUE, rule, cause, bound, disabled);
    }

    Window until(long t) {
      return new Window(start, t, rule, cause, bound, disabled);
    }

    Window from(long t) {
      return new Window(t, end, rule, cause, bound, disabled);
    }
  }

  /**
   * When the clock of a window starts: at its start if a candidate that can lead (alive, not
   * put out of action by the fault) has heard from the store by then, else when the first one
   * does. A candidate that joins later needs D + P of its own, as at the start (L1): after
   * back-to-back faults the survivors may all be newcomers.
   */
  private long availableFrom(Window w, Map<String, Long> firstAnswer) {
    long best = w.end();
    for (Map.Entry<String, Long> c : firstAnswer.entrySet()) {
      if (c.getKey().equals(w.disabled())) {
        continue;
      }
      long from = Math.max(w.start(), c.getValue());
      Long exit = exits.get(c.getKey());
      if (exit != null && exit <= from) {
        continue;
      }
      best = Math.min(best, from);
    }
    return best;
  }

  // ------------------------------------------------------------------ F4

  /** A fault of the runner's log: when it was injected and, if it healed, when. */
  private record Injection(String id, Fault kind, String target, long start, long heal,
      boolean injected) {

    boolean ofStore() {
      return kind == Fault.RESTART || kind == Fault.MEMBER;
    }

    /** Whether this fault ends the F4 window of {@code who}: a fault of it or of the store. */
    boolean touches(String who) {
      return kind != Fault.RESIGN && kind != Fault.HANDOVER_TO
          && (ofStore() || target.equals(who));
    }

    String describe() {
      return "fault " + id + " (" + kind.option() + " " + target + ")";
    }
  }

  /** One view of one instance, as F4 sees it: from when, and whether it is UNKNOWN. */
  private record View(long t, boolean unknown) {
  }

  /**
   * F4 (see the class comment): for each healed fault and each instance that must come back,
   * how long it stayed out; a violation for each that stayed out longer than its bound.
   *
   * @return the recoveries judged: back within the window, or still out past the bound
   */
  private List<Recovery> checkRecoveries(long closing) {
    java.util.Set<String> failed = new java.util.HashSet<>();
    Map<String, Long> heals = new HashMap<>();
    for (Entry e : entries) {
      if (!e.who().equals(Entry.RUNNER)) {
        continue;
      }
      if (e.is("error")) {
        failed.add(e.str("id"));
      } else if (e.is("heal")) {
        heals.putIfAbsent(e.str("id"), e.t());
      }
    }
    List<Injection> faults = new ArrayList<>();
    for (Entry e : entries) {
      if (e.who().equals(Entry.RUNNER) && e.is("fault")) {
        String id = e.str("id");
        faults.add(new Injection(id, Fault.of(e.str("fault")), e.str("target"), e.t(),
            heals.getOrDefault(id, Long.MAX_VALUE), !failed.contains(id)));
      }
    }
    Map<String, List<View>> views = new HashMap<>();
    Map<String, Long> firstKnown = new java.util.LinkedHashMap<>(); // in the order they answered
    for (Entry e : entries) {
      if (!e.is("transition") || afterExit(e)) {
        continue;
      }
      boolean unknown = UNKNOWN.equals(e.str("to"));
      views.computeIfAbsent(e.who(), w -> new ArrayList<>()).add(new View(e.t(), unknown));
      if (!unknown) {
        firstKnown.putIfAbsent(e.who(), e.t());
      }
    }
    List<Long> storeHeals = new ArrayList<>();
    for (Injection f : faults) {
      if (f.injected() && f.ofStore() && f.heal() != Long.MAX_VALUE) {
        storeHeals.add(f.heal());
      }
    }
    List<Recovery> out = new ArrayList<>();
    for (Injection f : faults) {
      // a fault that could not be injected as drawn opens no window (what it did is unknown),
      // but still ends the windows it touches, below; a resign is not a fault here
      if (!f.injected() || f.kind() == Fault.RESIGN || f.kind() == Fault.HANDOVER_TO
          || f.heal() == Long.MAX_VALUE
          || f.heal() >= closing) {
        continue;
      }
      long h = f.heal();
      boolean afterStore = f.ofStore() || storeHeals.stream()
          .anyMatch(s -> s <= h && h - s < boundNanos + allowanceNanos);
      long b = afterStore ? boundNanos + allowanceNanos : boundNanos;
      for (Map.Entry<String, Long> c : firstKnown.entrySet()) {
        String who = c.getKey();
        if (c.getValue() >= f.start() // a newcomer still starting, or started after the heal
            || ((f.kind() == Fault.CRASH || f.kind() == Fault.PRIORITY)
                && who.equals(f.target()))) {
          continue;
        }
        Long exit = exits.get(who);
        if (exit != null && exit <= h) {
          continue;
        }
        long windowEnd = Math.min(closing, exit == null ? Long.MAX_VALUE : exit);
        for (Injection next : faults) {
          if (next != f && next.start() >= h && next.start() < windowEnd && next.touches(who)) {
            windowEnd = next.start();
          }
        }
        Recovery r = recovery(who, f, b, views.get(who), windowEnd);
        if (r != null) {
          out.add(r);
        }
      }
    }
    return out;
  }

  /**
   * How {@code who} came back after the heal of {@code f}, or null if its window ended before
   * it was back and before the bound passed (no verdict).
   */
  private Recovery recovery(String who, Injection f, long bound, List<View> views,
      long windowEnd) {
    long h = f.heal();
    int i = -1; // the view held at the heal
    while (i + 1 < views.size() && views.get(i + 1).t() <= h) {
      i++;
    }
    Long back = null;
    String lapse = "";
    boolean knownAtHeal = i >= 0 && !views.get(i).unknown();
    boolean lapsed = knownAtHeal && i + 1 < views.size() && views.get(i + 1).unknown()
        && views.get(i + 1).t() - h <= renewNanos && views.get(i + 1).t() < windowEnd;
    if (knownAtHeal && !lapsed) {
      back = h;
    } else {
      if (lapsed) {
        lapse = "; the view it held at the heal lapsed at " + at(views.get(i + 1).t())
            + ", within R of it, unconfirmed since";
      }
      for (int j = i + 1; j < views.size(); j++) {
        if (!views.get(j).unknown()) {
          back = views.get(j).t();
          break;
        }
      }
    }
    if (back != null && back <= windowEnd) {
      Recovery r = new Recovery(who, f.describe(), h, back - h, true, bound);
      if (back - h > bound) {
        violations.add(new Violation("F4", h, "F4: " + who + " stayed UNKNOWN for "
            + ms(back - h) + " (more than " + boundText(bound) + ") after " + f.describe()
            + " healed at " + at(h) + "; FOLLOWER or LEADER again at " + at(back) + lapse,
            h - 2_000_000_000L, back + 1_000_000_000L));
      }
      return r;
    }
    if (windowEnd - h > bound) {
      violations.add(new Violation("F4", h, "F4: " + who + " was still UNKNOWN "
          + boundText(bound) + " after " + f.describe() + " healed at " + at(h)
          + ", and not back when its window ended at " + at(windowEnd) + lapse,
          h - 2_000_000_000L, h + bound + 1_000_000_000L));
      return new Recovery(who, f.describe(), h, windowEnd - h, false, bound);
    }
    return null; // the window ended first: no verdict
  }

  private String boundText(long b) {
    return b == boundNanos ? "D + P = " + ms(b) : "D + P + the store's allowance = " + ms(b);
  }

  // ------------------------------------------------------------------ N1

  private void checkNotifications() {
    Map<String, Entry> transitions = new HashMap<>();
    for (Entry e : entries) {
      if (e.is("transition")) {
        transitions.put(e.who() + "#" + e.num("seq"), e);
      }
    }
    for (Entry e : entries) {
      if (!e.is("notify") || afterExit(e)) {
        continue;
      }
      long seq = e.num("seq");
      long cur = e.num("curSeq");
      String view = view(e.str("state"), e.str("leader"), e.num("term"));
      if (cur < seq) {
        violations.add(violation("N1", e.t(), "N1: " + e.who() + " was notified of #" + seq
            + " " + view + " while the getters still showed #" + cur + " "
            + view(e.str("curState"), e.str("curLeader"), e.num("curTerm"))));
        continue;
      }
      if (cur == seq && !view.equals(view(e.str("curState"), e.str("curLeader"),
          e.num("curTerm")))) {
        violations.add(violation("N1", e.t(), "N1: " + e.who() + " was notified of #" + seq
            + " " + view + " while the getters showed #" + cur + " as "
            + view(e.str("curState"), e.str("curLeader"), e.num("curTerm"))));
        continue;
      }
      if (seq == 0) {
        continue; // the view before the first change
      }
      Entry t = transitions.get(e.who() + "#" + seq);
      if (t == null || !view.equals(view(t.str("to"), t.str("leader"), t.num("term")))
          || t.num("at") > e.t()) {
        violations.add(violation("N1", e.t(), "N1: " + e.who() + " was notified of #" + seq
            + " " + view + " but the transition recorded as #" + seq + " is "
            + (t == null ? "missing" : view(t.str("to"), t.str("leader"), t.num("term"))
            + " recorded at " + at(t.num("at")))));
      }
    }
  }

  private static String view(String state, String leader, long term) {
    return state + (leader == null ? "" : " leader " + leader) + " term " + term;
  }

  // ------------------------------------------------------------------ W1, T1

  private void checkWork(List<Interval> intervals) {
    Map<String, Entry> started = new HashMap<>();
    List<Run> runs = new ArrayList<>();
    for (Entry e : entries) {
      if (afterExit(e)) {
        continue;
      }
      if (e.is("work-start")) {
        Entry before = started.put(e.who(), e);
        if (before != null) {
          violations.add(violation("T3", e.t(), "T3: " + e.who() + " started a run of term "
              + e.num("term") + " while its run of term " + before.num("term")
              + " had not returned"));
        }
        boolean inLeadership = intervals.stream().anyMatch(i -> i.who().equals(e.who())
            && i.term() == e.num("term") && i.start() <= e.t());
        boolean late = inLeadership && intervals.stream().noneMatch(i -> i.who().equals(e.who())
            && i.term() == e.num("term") && i.start() <= e.t() && e.t() <= i.end());
        if (late) {
          lateStarts++; // the run's thread came after its leadership had already ended
        }
        if (!inLeadership) {
          violations.add(violation("T1", e.t(), "T1: " + e.who() + " started leader work for "
              + "term " + e.num("term") + " without having been LEADER with that term"));
        }
      } else if (e.is("work-end")) {
        Entry s = started.remove(e.who());
        if (s != null) {
          runs.add(run(s, e.t(), e.num("acts"), e.num("lastAct", 0)));
        }
      } else if (e.is("exit")) {
        Entry s = started.remove(e.who());
        if (s != null) {
          runs.add(run(s, e.t(), -1, 0));
        }
      }
    }
    started.values().forEach(s -> runs.add(run(s, end, -1, 0)));
    List<Interval> asIntervals = new ArrayList<>();
    for (Run r : runs) {
      asIntervals.add(new Interval(r.who(), r.term(), r.start(), r.end()));
    }
    asIntervals.sort(Comparator.comparingLong(Interval::start).thenComparingLong(Interval::end));
    checkOverlaps(asIntervals, "W1", "leader work of two instances at once");
  }

  private Run run(Entry start, long returned, long acts, long lastAct) {
    boolean frozen = false;
    for (int i = 0; i < pauses.size(); i++) {
      long[] p = pauses.get(i);
      if (pausedWho.get(i).equals(start.who()) && p[0] < returned && p[1] > start.t()) {
        frozen = true;
        break;
      }
    }
    long endOfRun = returned;
    if (frozen) {
      endOfRun = acts > 0 ? lastAct : start.t();
    }
    return new Run(start.who(), start.num("term"), start.t(), Math.max(start.t(), endOfRun),
        acts, frozen);
  }

  // ------------------------------------------------------------------ text

  private Violation violation(String rule, long t, String message) {
    return new Violation(rule, t, message, t - 2_000_000_000L, t + 1_000_000_000L);
  }

  private String describe(Interval i) {
    return i.who() + " term " + i.term() + " [" + at(i.start()) + ", "
        + (i.end() == end ? "end" : at(i.end())) + "]";
  }

  private String at(long t) {
    return String.format("%+.3f s", (t - origin) / 1e9);
  }

  static String ms(long nanos) {
    return String.format("%.0f ms", nanos / 1e6);
  }

  @Override
  public String toString() {
    return "Checker" + Objects.toString(violations);
  }
}
