package io.github.election.spi.record;

import io.github.election.LeadershipEvent;
import io.github.election.spi.Candidate;
import io.github.election.spi.CandidateContext;
import io.github.election.spi.Candidates;
import io.github.election.spi.DaemonThreads;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.LeaderInfo;
import io.github.election.spi.Onlooker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * An {@link ElectionBackend} for a store that holds one {@link LeaderRecord} per election and
 * can compare and set it (a Kubernetes Lease, a SQL row with a version, a key with a
 * modification index): the second tier of the SPI. A subclass says how to reach the record
 * ({@link #open}) and, for {@link #inspect}, how to read it ({@link #peek}); the algorithm of
 * client-go's leader election (acquire, renew, release, observed-time expiry, terms) is this
 * class's, written once:
 *
 * <pre>{@code
 * final class RowBackend extends RecordElectionBackend {
 *   RowBackend(DataSource db) { super("election-sql-timer"); ... }
 *   public String name() { return "sql"; }
 *   protected RecordStore open(CandidateContext context) {
 *     return new RowStore(db, context.settings().name());
 *   }
 *   public void close() { super.close(); ... }
 * }
 * }</pre>
 *
 * <p><b>Algorithm.</b> A candidate decides each round on the record: a holder on the record as
 * it wrote it last (client-go's optimistic renewal: one compare-and-set per renewal, a conflict
 * reads and decides again); another candidate on what the store's watch last delivered while
 * that watch is healthy ({@link RecordStore#watchHealthy()}: no request at all), else on a read.
 * Only a write of the round makes it lead. It acquires the record when
 * there is none, when nobody holds it, or when it has seen the same record (version, holder,
 * renew time) unchanged for the record's lease duration on the election's monotonic ticker,
 * whatever the record's wall-clock times say; it renews the record while it holds it; every
 * write is a compare-and-set at the version decided on. The term is {@code leaderTransitions + 1},
 * and {@code leaderTransitions} grows with every acquisition by a candidate that did not hold
 * the record without interruption. Leaving or resigning releases as client-go does: no holder,
 * a lease duration of one second, so that the others take over at once; the engine then holds
 * the candidate off (rule C2), watching the others through {@link #inspect}. A store with a
 * watch ({@link RecordStore#watch}) makes handovers wait for no timer.
 *
 * <p><b>Threads.</b> A timer thread of this backend (named as given to the constructor, started
 * on first use, ended when idle and on {@link #close()}) wakes a follower up when the lease it
 * watches runs out. Thread-safe.
 */
public abstract class RecordElectionBackend implements ElectionBackend {

  private final ScheduledThreadPoolExecutor timer;
  private final Candidates<LeaseRecordCandidate> candidates = new Candidates<>(this);

  /**
   * @param timerThreadName the name of the backend's timer thread, e.g.
   *     {@code election-sql-timer-1}
   */
  protected RecordElectionBackend(String timerThreadName) {
    Objects.requireNonNull(timerThreadName, "timerThreadName");
    this.timer = DaemonThreads.scheduler(timerThreadName);
    this.timer.setKeepAliveTime(10, TimeUnit.SECONDS);
    this.timer.allowCoreThreadTimeOut(true);
  }

  /**
   * The record of the candidate's election, for that candidate alone (so a store may keep
   * per-candidate state, such as its watch membership). Does no I/O. Called by {@link #join},
   * after {@link #validate}.
   *
   * @param context the candidate's settings and clock; the store need not report through it
   */
  protected abstract RecordStore open(CandidateContext context);

  /**
   * Reads the record of an election once, for {@link #inspect}. By default the backend cannot.
   *
   * @return a stage that completes with the record, or empty when there is none, or
   *     exceptionally when the store cannot be read ({@link UnsupportedOperationException} if
   *     this backend cannot look)
   */
  protected CompletionStage<Optional<LeaderRecord>> peek(String election) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException(
        "backend " + name() + " cannot inspect an election without taking part"));
  }

  /**
   * Adds a candidate that runs client-go's algorithm on the record that {@link #open} gives.
   * Does no I/O.
   *
   * @throws IllegalStateException if this backend was closed
   * @throws IllegalArgumentException if {@link #validate} refuses the settings
   */
  @Override
  public final Candidate join(CandidateContext context) {
    Objects.requireNonNull(context, "context");
    if (candidates.isClosed()) {
      throw new IllegalStateException(this + " is closed");
    }
    validate(context.settings());
    RecordStore store = Objects.requireNonNull(open(context), "open returned null");
    LeaseRecordCandidate[] self = new LeaseRecordCandidate[1];
    Candidate c = candidates.add(() -> self[0] = new LeaseRecordCandidate(store, context,
        this::schedule, Clock.systemUTC(), () -> candidates.remove(self[0])));
    return announced(c, context);
  }

  /**
   * The entries of the candidates of priority above 0, for {@link #candidates}; null (the
   * default) when this store keeps none, and then priorities have no effect on it.
   */
  protected CandidateRoster roster() {
    return null;
  }

  /**
   * The candidates of priority above 0 whose entries in the {@link #roster()} have not run out,
   * highest priority first; a candidate of priority 0 writes no entry and is not listed.
   */
  @Override
  public CompletionStage<java.util.List<io.github.election.spi.OpenCandidate>> candidates(
      String election) {
    Objects.requireNonNull(election, "election");
    CandidateRoster roster = roster();
    if (roster == null) {
      return ElectionBackend.super.candidates(election);
    }
    try {
      return Objects.requireNonNull(roster.list(election), "roster.list returned null");
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** A candidate of priority above 0 keeps an entry in the roster, when there is one. */
  private Candidate announced(Candidate c, CandidateContext context) {
    CandidateRoster roster = context.settings().priority() > 0 ? roster() : null;
    return roster == null ? c : new AnnouncedCandidate(c, roster, context);
  }

  /**
   * Follows an election without taking part: each round is an {@link #inspect} ({@link
   * #peek}); the record's watch ({@link RecordStore#watch} of a store {@link #open opened} for
   * the observer) asks for a round at once when the holder, the lease duration or the
   * transitions change (not on every renewal). Writes nothing.
   *
   * @throws IllegalStateException if this backend was closed
   * @throws IllegalArgumentException if {@link #validate} refuses the settings
   */
  @Override
  public Candidate observe(CandidateContext context) {
    Objects.requireNonNull(context, "context");
    if (candidates.isClosed()) {
      throw new IllegalStateException(this + " is closed");
    }
    validate(context.settings());
    RecordStore store = Objects.requireNonNull(open(context), "open returned null");
    RecordStore.Watcher watcher = new RecordStore.Watcher() {
      private LeaderRecord last; // guarded by this

      @Override
      public void recordChanged(LeaderRecord record) {
        boolean tell;
        synchronized (this) {
          tell = record == null || last == null
              || !Objects.equals(record.holderIdentity(), last.holderIdentity())
              || !Objects.equals(record.leaseDuration(), last.leaseDuration())
              || record.leaderTransitions() != last.leaderTransitions();
          last = record;
        }
        if (tell) {
          context.changed();
        }
      }

      @Override
      public void recordMayHaveChanged() {
        context.changed();
      }
    };
    return new Onlooker(this, context, () -> store.watch(watcher),
        () -> store.leave(CompletableFuture.completedFuture(null)));
  }

  /**
   * Reads the election's record once ({@link #peek}), without taking part: its holder leads
   * while its renew time plus its lease duration has not passed by this process's wall clock
   * (an onlooker has no better clock, as with {@code kubectl}); the term is {@code
   * leaderTransitions + 1}, as the candidates count it, and {@code since} the record's acquire
   * time. The engine's hold-off after a resign (C2) ends when this shows another candidate.
   */
  @Override
  public CompletionStage<LeaderInfo> inspect(String election) {
    Objects.requireNonNull(election, "election");
    CompletionStage<Optional<LeaderRecord>> read;
    try {
      read = Objects.requireNonNull(peek(election), "peek returned null");
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return read.thenApply(found -> leaderInfo(election, found.orElse(null), Instant.now()));
  }

  /** Who leads by {@code record}, judged by the wall clock reading {@code now}. */
  static LeaderInfo leaderInfo(String election, LeaderRecord record, Instant now) {
    if (record == null || record.holderIdentity() == null || record.renewTime() == null) {
      return new LeaderInfo(election, null, LeadershipEvent.NO_TERM, null);
    }
    Duration d = record.leaseDuration() == null ? Duration.ZERO : record.leaseDuration();
    if (record.renewTime().plus(d).isBefore(now)) {
      return new LeaderInfo(election, null, LeadershipEvent.NO_TERM, null); // ran out
    }
    return new LeaderInfo(election, record.holderIdentity(), record.term(),
        record.acquireTime());
  }

  /**
   * Stops the timer; candidates not closed first stop telling the engine of changes, and the
   * records they hold are not released: they run out. A subclass that overrides this calls it,
   * then frees its own resources. Idempotent.
   */
  @Override
  public void close() {
    if (candidates.isClosed()) {
      return;
    }
    candidates.close().forEach(LeaseRecordCandidate::abandon);
    timer.shutdownNow();
  }

  private java.util.concurrent.Future<?> schedule(Runnable task, long delayNanos) {
    try {
      return timer.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return null;
    }
  }
}
