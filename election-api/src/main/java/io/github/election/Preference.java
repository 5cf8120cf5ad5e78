package io.github.election;

import io.github.election.spi.ElectionBackend;
import io.github.election.spi.OpenCandidate;
import io.github.election.spi.SettingValues;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Priorities and preemption of one candidate, on top of the engine (rules K1-K3 of the
 * contract): it only decides whom the candidate names in a handover, and when a leader hands
 * over, so the handover's rules (S1, S3, H1) keep holding. It reads the store through {@link
 * ElectionBackend#candidates} and acts through the engine's {@code resign(successor)}:
 *
 * <ul>
 *   <li><b>Successor.</b> On {@code resign()} and {@code close()} of a leader, the open candidate
 *       of the highest priority is named ({@link #successor()}); among equals the one the store
 *       would let lead next. When that is the store's next in line and of priority 0 (the common
 *       case: no priorities in use), nobody is named and the plain release stays.
 *   <li><b>Takeover.</b> When the candidate becomes {@code LEADER} of a term it did not lead
 *       before (a failover, a release by another), it lists the candidates at once and hands
 *       over to the best one if that has a higher priority than its own, leaving out the
 *       candidate it saw leading before (which resigned or failed: not one to hand back to).
 *   <li><b>Preemption</b> ({@code preemptAfter}). While leading, it lists the candidates every
 *       retry period P and remembers, on the election's ticker, since when it has seen each
 *       candidate of a higher priority without a gap; one seen for {@code preemptAfter} gets the
 *       leadership (the highest priority among those, first in the store's order among equals).
 * </ul>
 *
 * <p><b>Threading.</b> {@link #onTransition} runs under the engine's lock and only schedules.
 * The lists are read asynchronously; a handover runs {@code resign(successor)} on a thread of its
 * own (it blocks for the drain and the store), which {@link #close()} waits for. This class's lock
 * is never held while calling the engine.
 */
final class Preference {

  private static final Logger log = LoggerFactory.getLogger(Preference.class);

  /** What the engine lends this class. */
  interface Host {
    /** Schedules a task on the election's scheduler; null when shutting down. */
    Future<?> schedule(Runnable task, long delayNanos);

    /** Hands over to successor if still leading in term; blocks like resign(successor). */
    void stepDown(long term, String successor, String why);
  }

  private final ElectionBackend backend;
  private final String election;
  private final String identity;
  private final int priority;
  private final Ticker ticker;
  /** Null: no preemption. */
  private final Duration preemptAfter;
  private final long preemptNanos;
  private final long retryNanos;
  private final long readTimeoutNanos;
  private final String label;
  private Host host;

  // guarded by this
  private boolean closed;
  private long leading; // the term led now, 0 when not leading
  private long lastLed; // the last term led, to tell a takeover from a resumption
  /** The last other candidate seen leading: a takeover does not hand back to it. */
  private String previousLeader;
  private final Map<String, Long> seenSince = new HashMap<>();
  private Future<?> nextCheck;
  private Thread handover;
  private boolean unsupportedLogged;

  Preference(ElectionBackend backend, String election, String identity, int priority,
      Duration preemptAfter, Ticker ticker, Duration retryPeriod, long readTimeoutNanos,
      String label) {
    this.backend = backend;
    this.election = election;
    this.identity = identity;
    this.priority = priority;
    this.preemptAfter = preemptAfter;
    this.preemptNanos = preemptAfter == null ? 0 : preemptAfter.toNanos();
    this.ticker = ticker;
    this.retryNanos = retryPeriod.toNanos();
    this.readTimeoutNanos = readTimeoutNanos;
    this.label = label;
  }

  void attach(Host host) {
    this.host = host;
  }

  /** The preemption delay, or null. */
  Duration preemptAfter() {
    return preemptAfter;
  }

  /** A transition of the engine's view; called under the engine's lock: schedules only. */
  void onTransition(LeadershipEvent before, LeadershipEvent after) {
    synchronized (this) {
      if (closed) {
        return;
      }
      if (!after.isLeader() && after.leader().isPresent()
          && !after.leader().get().equals(identity)) {
        previousLeader = after.leader().get();
      }
      if (after.isLeader()) {
        if (leading == after.term()) {
          return;
        }
        boolean takeover = after.term() != lastLed;
        String before0 = previousLeader;
        leading = after.term();
        lastLed = after.term();
        seenSince.clear();
        cancelCheck();
        long term = leading;
        nextCheck = host.schedule(() -> check(term, takeover ? before0 : null, takeover), 0);
      } else if (leading != 0) {
        leading = 0;
        seenSince.clear();
        cancelCheck();
      }
    }
  }

  /**
   * Reads the candidates and says whom a leader that gives up leadership names: the best other
   * candidate, or null for a plain release (nobody better than the store's next in line, or the
   * list cannot be read).
   */
  CompletableFuture<String> successor() {
    return read().handle((list, e) -> {
      if (e != null) {
        noList(e, "resigning with a plain release");
        return null;
      }
      List<OpenCandidate> others = others(list);
      OpenCandidate best = best(others, -1);
      if (best == null || (best.priority() == 0 && best == others.get(0))) {
        return null;
      }
      return best.identity();
    });
  }

  /** Waits for {@link #successor()} up to the read timeout; null when it did not answer. */
  String await(CompletableFuture<String> successor) {
    try {
      return successor.get(readTimeoutNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      successor.cancel(false);
      log.info("{}: no list of the candidates within {}; resigning with a plain release", label,
          SettingValues.format(Duration.ofNanos(readTimeoutNanos)));
      return null;
    } catch (ExecutionException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Stops the checks and waits, up to {@code wait}, for a handover under way to return. */
  void close(Duration wait) {
    Thread t;
    synchronized (this) {
      closed = true;
      cancelCheck();
      t = handover;
    }
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(Math.max(1, wait.toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ------------------------------------------------------------------ checks while leading

  /**
   * One look at the candidates while leading {@code term}; on a takeover, {@code from} is the
   * candidate that led before (which resigned, handed over or failed: not one to hand back to).
   */
  private void check(long term, String from, boolean takeover) {
    synchronized (this) {
      if (closed || leading != term) {
        return;
      }
    }
    read().whenComplete((list, e) -> decide(term, from, takeover, list, e));
  }

  private void decide(long term, String from, boolean takeover, List<OpenCandidate> list,
      Throwable error) {
    String successor = null;
    String why = null;
    synchronized (this) {
      if (closed || leading != term) {
        return;
      }
      if (error != null) {
        noList(error, "no handover for priority this time");
        if (preemptAfter != null && !(unwrap(error) instanceof UnsupportedOperationException)) {
          schedule(term, retryNanos);
        }
        return;
      }
      List<OpenCandidate> better = new ArrayList<>();
      List<OpenCandidate> notFrom = new ArrayList<>();
      for (OpenCandidate c : others(list)) {
        if (c.priority() > priority) {
          better.add(c);
          if (!c.identity().equals(from)) {
            notFrom.add(c);
          }
        }
      }
      if (takeover && !notFrom.isEmpty()) {
        OpenCandidate best = best(notFrom, priority);
        successor = best.identity();
        why = "took over, and " + SettingValues.printable(best.identity()) + " has priority "
            + best.priority() + " > " + priority;
      } else if (preemptAfter != null) {
        long now = ticker.read();
        seenSince.keySet().retainAll(better.stream().map(OpenCandidate::identity).toList());
        List<OpenCandidate> due = new ArrayList<>();
        long wait = retryNanos;
        for (OpenCandidate c : better) {
          long since = seenSince.computeIfAbsent(c.identity(), k -> now);
          long left = since + preemptNanos - now;
          if (left <= 0) {
            due.add(c);
          } else {
            wait = Math.min(wait, left);
          }
        }
        if (due.isEmpty()) {
          schedule(term, wait);
          return;
        }
        OpenCandidate best = best(due, priority);
        successor = best.identity();
        why = "preempted: " + SettingValues.printable(best.identity()) + " of priority "
            + best.priority() + " > " + priority + " has been open for "
            + SettingValues.format(preemptAfter);
      } else {
        return;
      }
      handOver(term, successor, why);
    }
  }

  /**
   * Hands over to {@code successor} on a thread of its own while leading {@code term}, unless a
   * handover is under way; {@link #close} waits for it. Also for a handover the store asks for
   * ({@code CandidateContext.handOverRequested}).
   */
  void handOver(long term, String successor, String why) {
    synchronized (this) {
      if (closed || leading != term || (handover != null && handover.isAlive())) {
        return;
      }
      handover = new Thread(() -> host.stepDown(term, successor, why),
          "election-handover-" + label);
      handover.setDaemon(true);
      handover.start();
    }
  }

  private void schedule(long term, long delayNanos) {
    cancelCheck();
    nextCheck = host.schedule(() -> check(term, null, false), Math.max(0, delayNanos));
  }

  private void cancelCheck() {
    if (nextCheck != null) {
      nextCheck.cancel(false);
      nextCheck = null;
    }
  }

  // ------------------------------------------------------------------ reading the list

  private CompletableFuture<List<OpenCandidate>> read() {
    try {
      return backend.candidates(election).toCompletableFuture()
          .orTimeout(readTimeoutNanos, TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private List<OpenCandidate> others(List<OpenCandidate> list) {
    List<OpenCandidate> others = new ArrayList<>(list.size());
    for (OpenCandidate c : list) {
      if (!c.identity().equals(identity)) {
        others.add(c);
      }
    }
    return others;
  }

  /** The highest priority above {@code floor}, first in the list among equals; null if none. */
  private static OpenCandidate best(List<OpenCandidate> candidates, int floor) {
    OpenCandidate best = null;
    for (OpenCandidate c : candidates) {
      if (c.priority() > floor && (best == null || c.priority() > best.priority())) {
        best = c;
      }
    }
    return best;
  }

  private void noList(Throwable e, String consequence) {
    Throwable cause = unwrap(e);
    if (cause instanceof UnsupportedOperationException) {
      synchronized (this) {
        if (unsupportedLogged) {
          return;
        }
        unsupportedLogged = true;
      }
      log.info("{}: {}; priorities have no effect", label, cause.getMessage());
    } else {
      log.info("{}: cannot list the candidates ({}); {}", label,
          SettingValues.printable(String.valueOf(cause)), consequence);
    }
  }

  private static Throwable unwrap(Throwable e) {
    while (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
