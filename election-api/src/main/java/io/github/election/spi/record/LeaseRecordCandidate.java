package io.github.election.spi.record;

import io.github.election.LeadershipEvent;
import io.github.election.Ticker;
import io.github.election.spi.Candidate;
import io.github.election.spi.CandidateContext;
import io.github.election.spi.ElectionSettings;
import io.github.election.spi.Observation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One candidate on one {@link RecordStore}: client-go's {@code tryAcquireOrRenew}, {@code
 * release} and observed-time logic, written once for every store with a compare-and-set record.
 *
 * <p><b>Ordering.</b> Every operation (poll, release, leave) starts only when the previous one
 * of this candidate has really finished, not when the engine stopped waiting for it (after
 * R / 2): two requests of one candidate are never in flight together, so a late acquisition
 * cannot land after the release that {@code leave()} sends. A request is not sent once the
 * operation's budget (R / 2 for a poll, counted from the call, three quarters of R for a
 * release) has passed: its answer could no longer count.
 *
 * <p><b>Requests.</b> A holder renews with one compare-and-set at the version it wrote last; a
 * conflict reads and decides once more. Another candidate decides on the record the store's
 * watch delivered (with its version, {@link RecordStore.Watcher#recordChangedTo}) while the
 * watch is healthy ({@link RecordStore#watchHealthy()}), sending nothing unless it takes over;
 * the watch's start, end or a change without a version make the next poll read, and so does an
 * answer during whose flight the watch delivered another version (their order is unknown). A
 * {@code LEADING} answer comes only from a write of the round, never from what was known.
 *
 * <p><b>Expiry.</b> A record counts as expired when this candidate has seen it unchanged (same
 * version, holder and renew time) for its lease duration on the election's ticker, from the
 * moment it first received it; never by comparing the record's times with a wall clock. The
 * holder's own deadline (R from the send time of its last renewal) ends before that, since the
 * record was written after that send and its lease duration is at least D, with D greater than
 * R.
 *
 * <p><b>Terms.</b> The term is {@code leaderTransitions + 1}. A candidate increments {@code
 * leaderTransitions} whenever it acquires the record, including one it finds still under its own
 * name but that it did not hold without interruption (a restart, or an outage longer than the
 * engine could bridge), so that two leadership periods never share a term. A record that was
 * deleted is created again with the transitions after the last this candidate saw.
 *
 * <p><b>Release</b> as client-go does it: no holder, a lease duration of one second, both times
 * now, the transitions kept; so the others take over at once. The hold-off after a resign (rule
 * C2) is the engine's.
 *
 * <p><b>Handover to a named candidate</b> ({@link #handOver}): the release names the successor
 * as {@link LeaderRecord#preferredHolder()} and carries the handover timeout as its lease
 * duration. The successor takes the record at once; the others leave it to the successor until
 * they have seen that record unchanged for the timeout, and the candidate that handed over for a
 * retry period longer, so that, when the name has no candidate, another one takes it first.
 */
final class LeaseRecordCandidate implements Candidate, RecordStore.Watcher {

  private static final Logger log = LoggerFactory.getLogger(LeaseRecordCandidate.class);

  /** The lease duration of a released record, as client-go writes it. */
  static final Duration RELEASED_LEASE = Duration.ofSeconds(1);
  /** Slack for the readings of the engine and of this class that are not taken together. */
  private static final long MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final long WAKE_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /** Runs a task after a delay on the backend's timer. */
  @FunctionalInterface
  interface Alarm {
    /** Schedules the task; returns its handle, or null when the timer is shut down. */
    Future<?> schedule(Runnable task, long delayNanos);
  }

  private final RecordStore store;
  private final CandidateContext context;
  private final Alarm alarm;
  private final Clock clock;
  private final Runnable onLeft;
  private final String identity;
  private final String label;
  private final Ticker ticker;
  private final Duration leaseDuration;
  private final long leaseNanos;
  private final long renewNanos;
  private final long retryNanos;
  private final long pollBudgetNanos;
  private final long releaseBudgetNanos;

  // guarded by this
  private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);
  private boolean seen;
  private String seenVersion;
  private String seenHolder;
  private Duration seenDuration;
  private long seenTransitions;
  private Instant seenRenewTime;
  private long seenAt;
  private long leadingTerm;
  private long leadingPollStart;
  private boolean leaving;
  private Future<?> wakeUp;
  private String deniedReason;
  /** What the store said of the last write that lost a race, for messages. */
  private volatile String lastConflict;
  /** The record as this candidate last wrote it while taking or keeping it; null otherwise. */
  private VersionedRecord ownWrite;
  /** The version of the record this candidate last wrote to hand over to another; or null. */
  private String handedOverVersion;
  /**
   * The record as last known (read, written, or delivered by the watch with its version); empty
   * when known to be absent; null when unknown. Trusted instead of a read only in the watch era
   * it was confirmed in ({@link #knownEra}), and while the store's watch is healthy.
   */
  private Optional<VersionedRecord> known;
  /** Grows whenever the watch started, ended, or told of a change without its version. */
  private long era;
  /** The era in which a request confirmed {@link #known}; -1 when none did. */
  private long knownEra = -1;
  /** How many versioned changes the watch delivered; the version of the last ("": removed). */
  private long events;
  private String lastEventVersion;

  /**
   * @param clock the wall clock for the record's acquire and renew times only
   * @param onLeft run once the candidate has left
   */
  LeaseRecordCandidate(RecordStore store, CandidateContext context, Alarm alarm, Clock clock,
      Runnable onLeft) {
    this.store = Objects.requireNonNull(store, "store");
    this.context = context;
    this.alarm = alarm;
    this.clock = clock;
    this.onLeft = onLeft;
    ElectionSettings s = context.settings();
    this.identity = s.identity();
    this.label = s.name() + "/" + identity + " on " + store;
    this.ticker = context.ticker();
    this.leaseDuration = s.leaseDuration();
    this.leaseNanos = leaseDuration.toNanos();
    this.renewNanos = s.renewDeadline().toNanos();
    this.retryNanos = s.retryPeriod().toNanos();
    this.pollBudgetNanos = renewNanos / 2;
    this.releaseBudgetNanos = renewNanos / 4 * 3;
  }

  // ------------------------------------------------------------------ Candidate

  @Override
  public CompletionStage<Observation> poll() {
    long start = ticker.read();
    return run("poll", () -> doPoll(start));
  }

  @Override
  public CompletionStage<Void> release() {
    long start = ticker.read();
    synchronized (this) {
      cancelWakeUp();
      // the period ends here, whether or not the release gets through: taking the record again
      // (after the engine's hold-off) starts a new period with a new term
      leadingTerm = 0;
    }
    return run("release", () -> doRelease(start + releaseBudgetNanos, null, null));
  }

  /**
   * Releases with the record naming {@code successor} as its preferred holder and {@code
   * timeout} as its lease duration: the successor takes it at once, the others only once they
   * have seen the record unchanged for that long.
   */
  @Override
  public CompletionStage<Void> handOver(String successor, Duration timeout) {
    long start = ticker.read();
    synchronized (this) {
      cancelWakeUp();
      leadingTerm = 0;
    }
    return run("handover", () -> doRelease(start + releaseBudgetNanos,
        Objects.requireNonNull(successor, "successor"), timeout));
  }

  @Override
  public CompletionStage<Void> leave() {
    long start = ticker.read();
    synchronized (this) {
      leaving = true;
      cancelWakeUp();
    }
    CompletableFuture<Void> released = new CompletableFuture<>();
    CompletionStage<Void> freed;
    try {
      freed = Objects.requireNonNull(store.leave(released), "RecordStore.leave returned null");
    } catch (RuntimeException e) {
      log.debug("{}: the store failed to free what it holds", label, e);
      freed = CompletableFuture.completedFuture(null);
    }
    run("leave", () -> doRelease(start + releaseBudgetNanos, null, null)).whenComplete((v, e) -> {
      if (e == null) {
        released.complete(null);
      } else {
        released.completeExceptionally(e);
      }
    });
    return freed.handle((v, e) -> (Void) null).thenCompose(v -> released)
        .whenComplete((v, e) -> onLeft.run());
  }

  // ------------------------------------------------------------------ store notifications

  /**
   * The store saw the record change, without its version: the next poll reads. Tells the engine
   * when it changes who holds it or how.
   */
  @Override
  public void recordChanged(LeaderRecord record) {
    boolean tell;
    synchronized (this) {
      if (leaving) {
        return;
      }
      era++;
      tell = matters(record);
    }
    if (tell) {
      context.changed();
    }
  }

  /**
   * The watch delivered the record with its version: it becomes the known record (trusted if the
   * one before it was), and its expiry clock restarts now if it changed. Tells the engine when it
   * changes who holds it or how.
   */
  @Override
  public void recordChangedTo(VersionedRecord current) {
    boolean tell;
    synchronized (this) {
      if (leaving) {
        return;
      }
      tell = matters(current == null ? null : current.record());
      events++;
      lastEventVersion = current == null ? "" : current.version();
      known = Optional.ofNullable(current);
      if (current != null) {
        observe(current, ticker.read());
      }
    }
    if (tell) {
      context.changed();
    }
  }

  /** Holds this. Whether a change to {@code record} changes who holds it or how. */
  private boolean matters(LeaderRecord record) {
    return record == null || !seen || !Objects.equals(record.holderIdentity(), seenHolder)
        || !Objects.equals(record.leaseDuration(), seenDuration)
        || record.leaderTransitions() != seenTransitions;
  }

  /** The watch started, ended or restarted: the next poll reads, and the engine polls now. */
  @Override
  public void recordMayHaveChanged() {
    synchronized (this) {
      if (leaving) {
        return;
      }
      era++;
    }
    context.changed();
  }

  /** The lease a follower waits for ran out by its clock: the engine polls now. */
  private void wake() {
    synchronized (this) {
      if (leaving) {
        return;
      }
    }
    context.changed();
  }

  /** The backend is closing under this candidate. */
  void abandon() {
    synchronized (this) {
      leaving = true;
      cancelWakeUp();
    }
  }

  // ------------------------------------------------------------------ the rounds

  private CompletionStage<Observation> doPoll(long start) {
    boolean watch;
    synchronized (this) {
      watch = !leaving;
    }
    if (watch) {
      store.watch(this);
    }
    return attempt(start, 0).handle((o, error) -> {
      if (error == null) {
        synchronized (this) {
          deniedReason = null;
        }
        return o;
      }
      Throwable cause = unwrap(error);
      if (!(cause instanceof RecordRefusedException)) {
        throw new CompletionException(cause);
      }
      String reason = String.valueOf(cause.getMessage());
      boolean first;
      synchronized (this) {
        first = !reason.equals(deniedReason);
        deniedReason = reason;
      }
      if (first) {
        log.warn("{}: {}", label, reason);
      }
      return Observation.unknown(reason);
    });
  }

  /**
   * Up to two rounds: a write that lost a race (a conflict) is followed by one more round, which
   * reads the record.
   */
  private CompletionStage<Observation> attempt(long start, int attempt) {
    return round(start, attempt == 0).thenCompose(o -> {
      if (o != null) {
        return CompletableFuture.completedFuture(o);
      }
      if (attempt == 0) {
        return attempt(start, 1);
      }
      throw new IllegalStateException("the record of " + label + " changed under two updates in"
          + " a row (" + lastConflict + "); trying again after the retry period");
    });
  }

  /**
   * One read-decide-write round; null when the write lost a race and a new round may win. The
   * record it decides on is, when {@code mayUseKnown}: for a holder, the record as it last wrote
   * it (client-go's optimistic renewal: one compare-and-set, a conflict reads); for the others,
   * what the healthy watch last delivered; else a read. Only a write of this round makes it lead.
   */
  private CompletionStage<Observation> round(long start, boolean mayUseKnown) {
    long deadline = start + pollBudgetNanos;
    Optional<VersionedRecord> given = null;
    synchronized (this) {
      if (mayUseKnown && ownWrite != null) {
        given = Optional.of(ownWrite);
      } else if (mayUseKnown && known != null && knownEra == era && store.watchHealthy()) {
        given = known;
      }
    }
    CompletionStage<Optional<VersionedRecord>> decideOn = given != null
        ? CompletableFuture.completedFuture(given) : get(deadline);
    return decideOn.thenCompose(found -> {
      long now = ticker.read();
      if (found.isEmpty()) {
        long transitions;
        synchronized (this) {
          if (leaving) {
            return following(null, LeadershipEvent.NO_TERM);
          }
          // a record that was deleted: keep the terms growing as far as this candidate knows them
          transitions = seen ? seenTransitions + 1 : 0;
        }
        Instant wall = clock.instant();
        LeaderRecord fresh = new LeaderRecord(identity, leaseDuration, wall, wall, transitions);
        return unlessConflict(write("create", deadline, () -> store.create(fresh)))
            .thenApply(created -> created == null ? null : won(created, start));
      }
      VersionedRecord current = found.get();
      LeaderRecord record = current.record();
      String holder = record.holderIdentity();
      boolean mine = identity.equals(holder);
      boolean continuing;
      synchronized (this) {
        observe(current, now);
        if (!mine) {
          ownWrite = null;
        }
        long expiresIn = seenAt + durationNanos(record) - now;
        boolean valid = holder != null && expiresIn > 0;
        if (holder != null && !mine && valid) {
          leadingTerm = 0;
          wakeUpIn(expiresIn + WAKE_SLACK_NANOS);
          return following(holder, record.term());
        }
        String preferred = record.preferredHolder();
        if (holder == null && preferred != null && !preferred.equals(identity)) {
          // handed over to another: leave it the record for the handover timeout; the one that
          // handed over saw the record first (it wrote it), so it waits a retry period longer,
          // letting the others take it first when the name has no candidate (rule C2)
          long left = current.version().equals(handedOverVersion) ? expiresIn + retryNanos
              : expiresIn;
          if (left > 0) {
            leadingTerm = 0;
            wakeUpIn(left + WAKE_SLACK_NANOS);
            return following(null, LeadershipEvent.NO_TERM);
          }
        }
        if (leaving) {
          return following(null, LeadershipEvent.NO_TERM);
        }
        // same period only if the engine cannot have dropped it before this answer arrives
        continuing = mine && leadingTerm == record.term()
            && start + pollBudgetNanos + MARGIN_NANOS - (leadingPollStart + renewNanos) < 0;
      }
      // another party (Kubernetes' coordinated leader election, an operator) named another
      // holder while this candidate holds the record: keep the name through the renewal and
      // have the engine hand over to it, leaving LEADER before the record is let go
      String yieldTo = continuing && record.preferredHolder() != null
          && !record.preferredHolder().equals(identity) ? record.preferredHolder() : null;
      Instant wall = clock.instant();
      LeaderRecord next = continuing
          ? new LeaderRecord(identity, leaseDuration,
              record.acquireTime() != null ? record.acquireTime() : wall, wall,
              record.leaderTransitions(), yieldTo)
          : new LeaderRecord(identity, leaseDuration, wall, wall,
              record.leaderTransitions() + 1);
      return unlessConflict(write("update", deadline, () -> store.update(current, next)))
          .thenApply(updated -> {
            if (updated == null) {
              return null;
            }
            Observation o = won(updated, start);
            if (yieldTo != null && o.kind() == Observation.Kind.LEADING) {
              context.handOverRequested(yieldTo);
            }
            return o;
          });
    });
  }

  private Observation won(VersionedRecord written, long start) {
    long term = written.record().term();
    synchronized (this) {
      long now = ticker.read();
      observe(written, now);
      if (now - start < pollBudgetNanos) {
        leadingTerm = term;
        leadingPollStart = start;
      } else {
        leadingTerm = 0; // the engine got no answer in time: the next success is a new period
      }
      ownWrite = written;
      cancelWakeUp();
    }
    return Observation.leading(term);
  }

  private CompletionStage<Void> doRelease(long deadline, String successor, Duration timeout) {
    return releaseAttempt(deadline, 0, successor, timeout).handle((v, error) -> {
      if (error == null) {
        return null;
      }
      Throwable cause = unwrap(error);
      if (cause instanceof RecordRefusedException) {
        log.warn("{}: cannot release: {}; the lease runs out instead", label, cause.getMessage());
        return null;
      }
      throw new CompletionException(cause);
    });
  }

  private CompletionStage<Void> releaseAttempt(long deadline, int attempt, String successor,
      Duration timeout) {
    VersionedRecord known;
    synchronized (this) {
      // first try at the version this candidate wrote last, as client-go does: one round trip;
      // a conflict (someone wrote since) falls back to reading the record
      known = attempt == 0 ? ownWrite : null;
      ownWrite = null;
    }
    CompletionStage<Optional<VersionedRecord>> read = known != null
        ? CompletableFuture.completedFuture(Optional.of(known)) : get(deadline);
    return read.thenCompose(found -> {
      long now = ticker.read();
      if (found.isEmpty()) {
        freed();
        return CompletableFuture.completedFuture(null);
      }
      VersionedRecord current = found.get();
      synchronized (this) {
        observe(current, now);
      }
      if (!identity.equals(current.record().holderIdentity())) {
        freed();
        return CompletableFuture.completedFuture(null);
      }
      Instant wall = clock.instant();
      LeaderRecord free = successor == null
          ? new LeaderRecord(null, RELEASED_LEASE, wall, wall,
              current.record().leaderTransitions())
          : new LeaderRecord(null, timeout, wall, wall, current.record().leaderTransitions(),
              successor);
      return unlessConflict(write("update", deadline, () -> store.update(current, free)))
          .thenCompose(updated -> {
            if (updated != null) {
              synchronized (this) {
                observe(updated, ticker.read());
                if (successor != null) {
                  handedOverVersion = updated.version();
                }
              }
              freed();
              log.debug("{}: released", label);
              return CompletableFuture.completedFuture(null);
            }
            if (attempt == 0) {
              return releaseAttempt(deadline, 1, successor, timeout);
            }
            throw new IllegalStateException("the record of " + label
                + " changed under two releases in a row");
          });
    });
  }

  private synchronized void freed() {
    leadingTerm = 0;
  }

  // ------------------------------------------------------------------ observed record

  /** Holds this. Records the record as seen now, restarting the expiry clock if it changed. */
  private void observe(VersionedRecord v, long now) {
    LeaderRecord r = v.record();
    if (!seen || !Objects.equals(v.version(), seenVersion)
        || !Objects.equals(r.holderIdentity(), seenHolder)
        || !Objects.equals(r.renewTime(), seenRenewTime)) {
      seen = true;
      seenVersion = v.version();
      seenHolder = r.holderIdentity();
      seenRenewTime = r.renewTime();
      seenDuration = r.leaseDuration();
      seenTransitions = r.leaderTransitions();
      seenAt = now;
    }
  }

  private long durationNanos(LeaderRecord r) {
    Duration d = r.leaseDuration();
    return d == null ? leaseNanos : saturatedNanos(d);
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 2;
    }
  }

  private static CompletionStage<Observation> following(String leader, long term) {
    return CompletableFuture.completedFuture(Observation.following(leader, term));
  }

  // ------------------------------------------------------------------ requests

  /** Reads the record; the answer becomes the known record. */
  private CompletionStage<Optional<VersionedRecord>> get(long deadline) {
    return tracked(() -> send("get", deadline, store::get), found -> found);
  }

  /** Writes the record; the record written becomes the known one. */
  private CompletionStage<VersionedRecord> write(String what, long deadline,
      Supplier<CompletionStage<VersionedRecord>> request) {
    return tracked(() -> send(what, deadline, request), Optional::of);
  }

  /**
   * Keeps the answer of a request as the known record; trusted only if the watch was healthy
   * when the request was sent, stayed in the same era until the answer, and delivered no other
   * version meanwhile (whose order against the answer is unknown).
   */
  private <T> CompletionStage<T> tracked(Supplier<CompletionStage<T>> request,
      java.util.function.Function<T, Optional<VersionedRecord>> record) {
    long sentEra;
    long sentEvents;
    boolean healthy = store.watchHealthy();
    synchronized (this) {
      sentEra = era;
      sentEvents = events;
    }
    return request.get().thenApply(answer -> {
      Optional<VersionedRecord> r = record.apply(answer);
      synchronized (this) {
        boolean inOrder = events == sentEvents || Objects.equals(lastEventVersion,
            r.map(VersionedRecord::version).orElse(""));
        known = r;
        knownEra = healthy && era == sentEra && inOrder ? era : -1;
      }
      return answer;
    });
  }

  /** Sends a request unless the operation's budget has passed. */
  private <T> CompletionStage<T> send(String what, long deadline,
      Supplier<CompletionStage<T>> request) {
    if (ticker.read() - deadline >= 0) {
      return CompletableFuture.failedFuture(new IllegalStateException(what + " of the record of "
          + label + " not sent: the round ran out of time"));
    }
    return Objects.requireNonNull(request.get(), "the record store returned null");
  }

  /** The written record, or null when the write lost a race ({@link RecordConflictException}). */
  private CompletionStage<VersionedRecord> unlessConflict(
      CompletionStage<VersionedRecord> write) {
    return write.handle((written, error) -> {
      if (error == null) {
        return written;
      }
      Throwable cause = unwrap(error);
      if (cause instanceof RecordConflictException) {
        lastConflict = cause.getMessage();
        synchronized (this) {
          knownEra = -1; // the record changed since it was known: read it
          ownWrite = null;
        }
        return null;
      }
      throw new CompletionException(cause);
    });
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause() : error;
  }

  // ------------------------------------------------------------------ plumbing

  /** Runs an operation once the previous one of this candidate has finished. */
  private <T> CompletableFuture<T> run(String what, Supplier<CompletionStage<T>> op) {
    CompletableFuture<T> real = new CompletableFuture<>();
    CompletableFuture<?> previous;
    synchronized (this) {
      previous = tail;
      tail = real.handle((v, e) -> null);
    }
    previous.whenComplete((ignored, previousError) -> {
      CompletionStage<T> stage;
      try {
        stage = op.get();
      } catch (RuntimeException e) {
        stage = CompletableFuture.failedFuture(e);
      }
      stage.whenComplete((v, e) -> {
        if (e == null) {
          real.complete(v);
        } else {
          Throwable cause = unwrap(e);
          log.debug("{}: {} failed", label, what, cause);
          real.completeExceptionally(cause);
        }
      });
    });
    return real;
  }

  /** Holds this. Polls again after {@code nanos} (replacing the previous wake-up). */
  private void wakeUpIn(long nanos) {
    cancelWakeUp();
    if (leaving) {
      return;
    }
    wakeUp = alarm.schedule(this::wake, nanos);
  }

  /** Holds this. */
  private void cancelWakeUp() {
    if (wakeUp != null) {
      wakeUp.cancel(false);
      wakeUp = null;
    }
  }

  @Override
  public String toString() {
    return "LeaseRecordCandidate{" + label + "}";
  }
}
