package io.github.election;

import static io.github.election.LeadershipState.FOLLOWER;
import static io.github.election.LeadershipState.LEADER;
import static io.github.election.LeadershipState.UNKNOWN;

import io.github.election.spi.Candidate;
import io.github.election.spi.CandidateContext;
import io.github.election.spi.Confirmation;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.ElectionSettings;
import io.github.election.spi.Observation;
import io.github.election.spi.SettingValues;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one implementation of {@link LeaderElection}: turns a backend's observations into states,
 * owns the renew deadline (S2), publishes every change before it notifies (N1), and drives the
 * listeners' mailboxes and the leader work. It also does the chores every backend would else
 * repeat: it calls the {@link Candidate} one call at a time, bounds each call with {@link
 * #callTimeoutNanos}, and runs the hold-off after a resign (C2) with {@link
 * ElectionBackend#inspect} rounds, so that a backend only says what a round, a release and a
 * leave are in its store.
 *
 * <p>All state changes happen under {@link #lock}; the published view is a volatile immutable
 * {@link Snapshot} that getters read without locking. Listeners are signalled after the lock is
 * released.
 */
final class Engine implements LeaderElection {

  private static final Logger log = LoggerFactory.getLogger(Engine.class);

  /** Timed rounds come up to P / JITTER_DIVISOR earlier than P (see nextRetryDelay). */
  private static final long JITTER_DIVISOR = 10;

  private enum Lifecycle { LATENT, STARTED, CLOSING, CLOSED }

  /** The published view and the ticker reading after which it no longer holds. */
  private record Snapshot(LeadershipEvent event, long deadline, boolean expires) {
  }

  /**
   * The round the current view came from, for confirmations (S5): when it was sent, how many
   * change notices had come by then, and whether it made the candidate LEADER.
   */
  private record RoundView(long sentAt, long notices, boolean leading) {
  }

  private final ElectionSettings settings;
  private final ElectionBackend backend;
  private final Ticker ticker;
  private final Executor userExecutor;
  private final Duration drainTimeout;
  /** The builder's recorder first, then those added with recordTransitions. */
  private final List<TransitionRecorder> transitionRecorders = new CopyOnWriteArrayList<>();
  private final List<RoundRecorder> roundRecorders = new CopyOnWriteArrayList<>();
  private final LeaderTask leaderTask;
  /** An observer's engine: its candidate comes from {@link ElectionBackend#observe}, never leads. */
  private final boolean observing;
  private final Duration handoverTimeout;
  private final long renewNanos;
  private final long retryNanos;
  /** The bound of every call to the candidate and of every hold-off round: R / 2. */
  private final long callTimeoutNanos;
  /**
   * While a backend confirms the candidate ({@link Confirmation}), the timed round runs only
   * this long after the last confirmation: 1.5 P, and before R (halfway between P and R).
   */
  private final long unconfirmedNanos;
  private final String label;
  /** What the backend gets of this engine: not the user's handle. */
  private final CandidateContext context = new Context();

  private final Object lock = new Object();
  private final List<Mailbox> mailboxes = new CopyOnWriteArrayList<>();
  private volatile Snapshot snapshot;

  // guarded by lock
  private Lifecycle lifecycle = Lifecycle.LATENT;
  private SharedThreads threads;
  private Candidate candidate;
  private LeaderWork work;
  private boolean polling;
  private boolean pollRequested;
  private boolean pollsStopped;
  private boolean storeCall; // release() or leave() under way: polls wait (Candidate is serial)
  private boolean yielding; // resigning or closing: a LEADING observation is not leadership
  private ScheduledFuture<?> nextPoll;
  private ScheduledFuture<?> deadlineCheck;
  private boolean failing;
  /**
   * After a resign, the candidate does not take part until {@link #holdOffUntil} (a ticker
   * reading, P after the release) or until a hold-off round saw another candidate lead (C2):
   * rounds in between only {@linkplain ElectionBackend#inspect inspect} the store. Guarded by lock.
   */
  private boolean holdingOff;
  private long holdOffUntil;
  /**
   * How many observations the backend pushed ({@link #observed}) that take leadership away or
   * name another leader; a poll sent before the latest of them answers from an older state of the
   * store and must not undo it. Guarded by lock.
   */
  private long pushes;
  /**
   * How many change notices the backend gave ({@link CandidateContext#changed()}, {@link
   * #observed}): a confirmation counts only if none came since the round of the current view
   * was sent. Guarded by lock.
   */
  private long notices;
  /** The round of the current view, or null when the view came from no round. Guarded by lock. */
  private RoundView confirmable;
  /** Whether the backend confirmed this candidate, and when last (ticker). Guarded by lock. */
  private boolean confirmedBySession;
  private long lastConfirmedAt;
  private final RepeatedLog cannotTell = new RepeatedLog(RepeatedLog.INTERVAL);
  /** Priorities and preemption (K1-K3); null for an observer. Set once, before start. */
  private Preference preference;

  Engine(ElectionSettings settings, ElectionBackend backend, Ticker ticker, Executor userExecutor,
      LeaderTask leaderTask, Duration drainTimeout, TransitionRecorder recorder) {
    this(settings, backend, ticker, userExecutor, leaderTask, drainTimeout, recorder, false,
        settings.retryPeriod());
  }

  /**
   * @param observing whether this engine follows the election without taking part
   * @param handoverTimeout how long the others leave leadership to a named successor
   */
  Engine(ElectionSettings settings, ElectionBackend backend, Ticker ticker, Executor userExecutor,
      LeaderTask leaderTask, Duration drainTimeout, TransitionRecorder recorder,
      boolean observing, Duration handoverTimeout) {
    this.observing = observing;
    this.handoverTimeout = handoverTimeout;
    this.settings = settings;
    this.backend = backend;
    this.ticker = ticker;
    this.userExecutor = userExecutor;
    this.leaderTask = leaderTask;
    this.drainTimeout = drainTimeout;
    if (recorder != null) {
      transitionRecorders.add(recorder);
    }
    this.renewNanos = settings.renewDeadline().toNanos();
    this.retryNanos = settings.retryPeriod().toNanos();
    this.callTimeoutNanos = Math.max(1, renewNanos / 2);
    this.unconfirmedNanos = Math.min(retryNanos + retryNanos / 2, (retryNanos + renewNanos) / 2);
    this.label = settings.name() + "/" + settings.identity();
    this.snapshot = new Snapshot(new LeadershipEvent(settings.name(), settings.identity(),
        UNKNOWN, null, LeadershipEvent.NO_TERM, 0, ticker.read()), 0, false);
  }

  // ---------------------------------------------------------------- LeaderElection

  @Override
  public String name() {
    return settings.name();
  }

  @Override
  public String identity() {
    return settings.identity();
  }

  @Override
  public void start() {
    synchronized (lock) {
      if (lifecycle != Lifecycle.LATENT) {
        throw new IllegalStateException("election " + label + " is " + lifecycle
            + "; start() may be called once, before close()");
      }
      if (threads == null) {
        threads = SharedThreads.acquire();
      }
      try {
        candidate = observing
            ? Objects.requireNonNull(backend.observe(context), "backend.observe returned null")
            : Objects.requireNonNull(backend.join(context), "backend.join returned null");
      } catch (RuntimeException e) {
        SharedThreads.release(threads);
        threads = null;
        lifecycle = Lifecycle.CLOSED;
        throw e;
      }
      if (leaderTask != null) {
        work = new LeaderWork(leaderTask, term -> {
          LeadershipEvent now = current();
          return now.state() == LEADER && now.term() == term;
        }, label, drainTimeout, threads.scheduler);
      }
      lifecycle = Lifecycle.STARTED;
      log.info("{}: {} on {} ({})", label, observing ? "observing" : "started", backend.name(),
          settings);
      requestPoll();
    }
  }

  @Override
  public LeadershipEvent current() {
    Snapshot s = snapshot;
    if (s.expires && ticker.read() - s.deadline >= 0) {
      expire(s);
      s = snapshot;
    }
    return s.event;
  }

  @Override
  public Subscription subscribe(LeadershipListener listener) {
    Objects.requireNonNull(listener, "listener");
    Mailbox mailbox;
    synchronized (lock) {
      Executor executor = userExecutor;
      if (executor == null) {
        if (threads == null && lifecycle == Lifecycle.LATENT) {
          threads = SharedThreads.acquire(); // released by close()
        }
        if (threads == null) {
          // closed: borrow the shared threads for the one call that tells the final view
          SharedThreads borrowed = SharedThreads.acquire();
          executor = task -> borrowed.notifier.execute(() -> {
            try {
              task.run();
            } finally {
              SharedThreads.release(borrowed);
            }
          });
        } else {
          executor = threads.notifier;
        }
      }
      mailbox = new Mailbox(this, listener, executor);
      if (lifecycle != Lifecycle.CLOSED) {
        mailboxes.add(mailbox);
      }
    }
    mailbox.signal();
    return mailbox;
  }

  void remove(Mailbox mailbox) {
    mailboxes.remove(mailbox);
  }

  @Override
  public Subscription recordTransitions(TransitionRecorder recorder) {
    return addRecorder(transitionRecorders, Objects.requireNonNull(recorder, "recorder"));
  }

  @Override
  public Subscription recordRounds(RoundRecorder recorder) {
    return addRecorder(roundRecorders, Objects.requireNonNull(recorder, "recorder"));
  }

  private <T> Subscription addRecorder(List<T> recorders, T recorder) {
    synchronized (lock) {
      if (lifecycle == Lifecycle.CLOSED) {
        return () -> { };
      }
      recorders.add(recorder);
    }
    return () -> recorders.remove(recorder);
  }

  @Override
  public boolean await(Predicate<LeadershipEvent> condition, Duration timeout)
      throws InterruptedException {
    Objects.requireNonNull(condition, "condition");
    long end = System.nanoTime() + timeout.toNanos();
    for (;;) {
      Snapshot seen = snapshot;
      // the user's condition runs outside the lock: a slow one delays nothing of the engine
      if (condition.test(current())) {
        return true;
      }
      long left = end - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      synchronized (lock) {
        if (snapshot != seen) {
          continue; // changed while the condition ran: test the new view
        }
        // a LEADER view can expire without anyone publishing: wake up at its deadline
        if (seen.expires) {
          long untilDeadline = seen.deadline - ticker.read();
          left = Math.max(1, Math.min(left, untilDeadline + 1));
        }
        lock.wait(left / 1_000_000L, (int) (left % 1_000_000L));
      }
    }
  }

  @Override
  public void resign() {
    resign(null, "resigned");
  }

  @Override
  public void resign(String successor) {
    SettingValues.requireText(successor, "successor", ElectionSettings.MAX_IDENTITY_LENGTH);
    if (successor.equals(settings.identity())) {
      throw new IllegalArgumentException("successor '" + SettingValues.printable(successor)
          + "' is this candidate itself; name another candidate, or call resign()");
    }
    resign(successor, "handed over to " + SettingValues.printable(successor));
  }

  /** Resigns, handing over to successor when it is not null. */
  private void resign(String successor, String done) {
    Candidate c;
    CompletableFuture<String> preferred = successor == null ? preferredSuccessor() : null;
    synchronized (lock) {
      if (lifecycle != Lifecycle.STARTED) {
        throw new IllegalStateException("election " + label + " is " + lifecycle
            + "; resign() needs a started election");
      }
      if (yielding) {
        return;
      }
      yielding = true;
      leaveLeadership("resigning");
      c = candidate;
    }
    signalAll();
    try {
      drainWork();
      holdPolls(false);
      if (preferred != null) {
        successor = preference.await(preferred);
        if (successor != null) {
          done = "handed over to " + SettingValues.printable(successor) + ", of the highest priority";
        }
      }
      awaitStore(successor == null ? c.release() : c.handOver(successor, handoverTimeout),
          successor == null ? "release" : "handover");
    } finally {
      synchronized (lock) {
        yielding = false;
        storeCall = false;
        pollRequested = false;
        holdingOff = true;
        holdOffUntil = ticker.read() + retryNanos;
        requestPoll();
      }
    }
    log.info("{}: {}; not taking part again for {} or until another candidate leads", label,
        done, SettingValues.format(settings.retryPeriod()));
  }

  @Override
  public void close() {
    Candidate c;
    CompletableFuture<String> preferred = preferredSuccessor();
    synchronized (lock) {
      if (lifecycle == Lifecycle.CLOSING || lifecycle == Lifecycle.CLOSED) {
        return;
      }
      if (lifecycle == Lifecycle.LATENT) {
        lifecycle = Lifecycle.CLOSED;
        publish(UNKNOWN, null, LeadershipEvent.NO_TERM, ticker.read(), 0, false);
        transitionRecorders.clear();
        roundRecorders.clear();
        for (Mailbox m : mailboxes) {
          m.close();
        }
        if (threads != null) {
          SharedThreads.release(threads);
          threads = null;
        }
        return;
      }
      lifecycle = Lifecycle.CLOSING;
      yielding = true;
      leaveLeadership("closing");
      c = candidate;
    }
    signalAll();
    drainWork();
    holdPolls(true);
    if (preferred != null) {
      String successor = preference.await(preferred);
      if (successor != null) {
        log.info("{}: handing over to {}, of the highest priority, before leaving", label,
            SettingValues.printable(successor));
        awaitStore(c.handOver(successor, handoverTimeout), "handover");
      }
    }
    awaitStore(c.leave(), "leave");
    long finalSequence;
    synchronized (lock) {
      lifecycle = Lifecycle.CLOSED;
      cancel(deadlineCheck);
      lapseIfDue();
      publish(UNKNOWN, null, LeadershipEvent.NO_TERM, ticker.read(), 0, false);
      finalSequence = snapshot.event.sequence();
      transitionRecorders.clear();
      roundRecorders.clear();
      lock.notifyAll();
    }
    signalAll();
    awaitListeners(finalSequence);
    for (Mailbox m : mailboxes) {
      m.close();
    }
    SharedThreads t;
    synchronized (lock) {
      t = threads;
      threads = null;
    }
    if (preference != null) {
      preference.close(drainTimeout.plus(settings.renewDeadline()));
    }
    SharedThreads.release(t);
    log.info("{}: closed", label);
  }

  // ---------------------------------------------------------------- CandidateContext

  /** The engine's side of the candidate, as the backend sees it. */
  private final class Context implements CandidateContext {

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
      synchronized (lock) {
        notices++;
        requestPoll();
      }
    }

    @Override
    public Confirmation confirmation() {
      return new Token(ticker.read());
    }

    @Override
    public void observed(Observation observation) {
      Engine.this.observed(observation);
    }

    @Override
    public void handOverRequested(String successor) {
      LeadershipEvent now = current();
      if (preference == null || successor == null || successor.isEmpty() || !now.isLeader()
          || successor.equals(settings.identity())) {
        return;
      }
      preference.handOver(now.term(), successor, "the store names "
          + SettingValues.printable(successor) + " as the preferred holder");
    }

    @Override
    public String toString() {
      return "CandidateContext{" + label + "}";
    }
  }

  private void observed(Observation observation) {
    Objects.requireNonNull(observation, "observation");
    boolean changed = false;
    synchronized (lock) {
      if (lifecycle != Lifecycle.STARTED && lifecycle != Lifecycle.CLOSING) {
        return;
      }
      changed = lapseIfDue();
      Snapshot s = snapshot;
      notices++;
      if (observation.kind() != Observation.Kind.LEADING) {
        pushes++;
      }
      switch (observation.kind()) {
        case UNKNOWN:
          cannotTell.log(log, ticker.read(), label, observation.reason().orElse("?"));
          changed |= publish(UNKNOWN, null, LeadershipEvent.NO_TERM, ticker.read(), 0, false);
          break;
        case FOLLOWING:
          if (s.event.state() != UNKNOWN) {
            changed |= publish(FOLLOWER, observation.leader().orElse(null), observation.term(),
                ticker.read(), s.deadline, s.expires);
          }
          break;
        default:
          break;
      }
      requestPoll();
    }
    if (changed) {
      signalAll();
    }
  }

  // ---------------------------------------------------------------- polling

  /** Runs a poll at once on the scheduler, or right after the one under way. Holds lock. */
  private void requestPoll() {
    if (lifecycle == Lifecycle.LATENT || lifecycle == Lifecycle.CLOSED || pollsStopped) {
      return;
    }
    if (polling || storeCall) {
      pollRequested = true;
      return;
    }
    cancel(nextPoll);
    nextPoll = null;
    polling = true;
    try {
      threads.scheduler.execute(this::poll);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      polling = false;
    }
  }

  private void poll() {
    Candidate c;
    long pushesSeen;
    long noticesSeen;
    boolean holdOffRound;
    synchronized (lock) {
      if (pollsStopped || lifecycle == Lifecycle.CLOSED) {
        polling = false;
        lock.notifyAll(); // holdPolls() may be waiting for this poll
        return;
      }
      c = candidate;
      pushesSeen = pushes;
      noticesSeen = notices;
      holdOffRound = holdingOff();
    }
    long sentAt = ticker.read();
    CompletionStage<Observation> result;
    try {
      result = holdOffRound ? holdOffRound()
          : Objects.requireNonNull(c.poll(), "poll() returned null");
    } catch (RuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    bounded(result, holdOffRound ? "hold-off round" : "poll").whenComplete(
        (observation, error) -> polled(sentAt, pushesSeen, noticesSeen, holdOffRound,
            observation, error));
  }

  /** Whether the hold-off after a resign is still on; ends it once P has passed. Holds lock. */
  private boolean holdingOff() {
    if (holdingOff && ticker.read() - holdOffUntil >= 0) {
      holdingOff = false;
    }
    return holdingOff;
  }

  /**
   * A round during the hold-off after a resign (C2): who leads, without taking part. A backend
   * that cannot inspect keeps the hold-off itself, so the hold-off ends at once.
   */
  private CompletionStage<Observation> holdOffRound() {
    return backend.inspect(settings.name()).handle((info, error) -> {
      if (error != null) {
        Throwable cause = unwrap(error);
        if (cause instanceof UnsupportedOperationException) {
          synchronized (lock) {
            holdingOff = false;
          }
          log.debug("{}: {} cannot inspect; the backend keeps the hold-off itself", label,
              backend.name());
        }
        throw new java.util.concurrent.CompletionException(cause);
      }
      return Observation.following(info.leader().orElse(null), info.term());
    });
  }

  /**
   * The stage of a call to the backend, failed with a {@link TimeoutException} if it has not
   * completed within {@link #callTimeoutNanos}; the backend's own stage is then cancelled, so
   * that it can tell the call was given up. Its request may still be under way: a backend makes
   * sure that what it answers or writes late changes nothing.
   */
  private <T> CompletionStage<T> bounded(CompletionStage<T> stage, String what) {
    CompletableFuture<T> out = new CompletableFuture<>();
    ScheduledFuture<?> timer = null;
    SharedThreads t;
    synchronized (lock) {
      t = threads;
    }
    if (t != null) {
      try {
        timer = t.scheduler.schedule(() -> {
          out.completeExceptionally(new TimeoutException(what + " of " + label
              + " got no answer from " + backend.name() + " within "
              + SettingValues.format(Duration.ofNanos(callTimeoutNanos))));
          giveUp(stage);
        }, callTimeoutNanos, TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // shutting down: the backend's own answer (or close) completes the stage
      }
    }
    ScheduledFuture<?> armed = timer;
    stage.whenComplete((value, error) -> {
      if (armed != null) {
        armed.cancel(false);
      }
      if (error != null) {
        out.completeExceptionally(error);
      } else {
        out.complete(value);
      }
    });
    return out;
  }

  /** Cancels the backend's stage of a call the engine gave up on (see {@link Candidate}). */
  private static void giveUp(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().cancel(false);
    } catch (RuntimeException e) {
      // a stage that cannot be a CompletableFuture: the backend's answer is ignored all the same
    }
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof java.util.concurrent.CompletionException && error.getCause() != null
        ? error.getCause() : error;
  }

  private void polled(long sentAt, long pushesSeen, long noticesSeen, boolean holdOffRound,
      Observation observation, Throwable error) {
    boolean changed = false;
    synchronized (lock) {
      polling = false;
      lock.notifyAll();
      if (lifecycle == Lifecycle.CLOSED) {
        return;
      }
      changed = lapseIfDue();
      if (holdOffRound && observation != null && observation.leader().isPresent()
          && !observation.leader().get().equals(settings.identity())) {
        holdingOff = false; // another candidate had its chance (C2): take part from the next round
      }
      StoreRound.Outcome outcome;
      Throwable cause = null;
      if (error != null || observation == null) {
        cause = error != null ? unwrap(error)
            : new IllegalStateException("the round completed without an observation");
        outcome = cause instanceof TimeoutException ? StoreRound.Outcome.TIMEOUT
            : StoreRound.Outcome.ERROR;
        if (!failing) {
          log.warn("{}: store round failed; state kept until the renew deadline: {}", label,
              SettingValues.printable(String.valueOf(cause)));
        } else {
          log.debug("{}: store round failed again: {}", label,
              SettingValues.printable(String.valueOf(cause)));
        }
        failing = true;
      } else {
        if (failing) {
          log.info("{}: store reachable again", label);
          failing = false;
        }
        LeadershipEvent before = snapshot.event;
        outcome = apply(observation, sentAt, pushesSeen);
        if (outcome == StoreRound.Outcome.LEADING || outcome == StoreRound.Outcome.FOLLOWING) {
          // a view a confirmation may keep alive (S5); not one made while giving leadership up
          confirmable = yielding || holdOffRound ? null
              : new RoundView(sentAt, noticesSeen, outcome == StoreRound.Outcome.LEADING);
        }
        changed |= snapshot.event != before;
      }
      recordRound(sentAt, outcome, observation, cause);
      if (storeCall) {
        // release() or leave() goes next; requestPoll() resumes after it
      } else if (pollRequested) {
        pollRequested = false;
        requestPoll();
      } else if (!pollsStopped) {
        try {
          // while the backend confirms this candidate, a timed round only makes up for missing
          // confirmations
          // confirmations; after a failed round the next one comes after P, as without them
          long delay = confirmedBySession && !holdingOff && confirmable != null
              ? unconfirmedNanos : nextRetryDelay();
          if (holdingOff) {
            // the first round after the hold-off takes part at once
            delay = Math.max(0, Math.min(delay, holdOffUntil - ticker.read()));
          }
          nextPoll = threads.scheduler.schedule(this::pollFromTimer, delay, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          // shutting down
        }
      }
    }
    if (changed) {
      signalAll();
    }
  }

  /** Hands a round to the round recorders. Holds lock. */
  private void recordRound(long sentAt, StoreRound.Outcome outcome, Observation observation,
      Throwable error) {
    if (roundRecorders.isEmpty()) {
      return;
    }
    String reason = error != null ? error.getMessage()
        : observation != null ? observation.reason().orElse(null) : null;
    StoreRound round = new StoreRound(sentAt, ticker.read(), outcome, reason, error);
    for (RoundRecorder recorder : roundRecorders) {
      try {
        recorder.record(round);
      } catch (RuntimeException e) {
        log.warn("{}: round recorder threw", label, e);
      }
    }
  }

  /**
   * The delay before the next timed round: P less a random part of up to a tenth of P, so that
   * many elections started together (one per shard, say) do not all poll the store in the same
   * instant. Never longer than P: the bounds of the contract (D + P) stay as they are.
   */
  private long nextRetryDelay() {
    return retryNanos - ThreadLocalRandom.current()
        .nextLong(retryNanos / JITTER_DIVISOR + 1);
  }

  private void pollFromTimer() {
    synchronized (lock) {
      if (confirmedBySession && confirmable != null && !holdingOff
          && lifecycle == Lifecycle.STARTED && !polling && !storeCall) {
        long due = lastConfirmedAt + unconfirmedNanos - ticker.read();
        if (due > 0) {
          // confirmed since this timer was set: no round needed until confirmations stop
          try {
            nextPoll = threads.scheduler.schedule(this::pollFromTimer, due, TimeUnit.NANOSECONDS);
            return;
          } catch (java.util.concurrent.RejectedExecutionException e) {
            return; // shutting down
          }
        }
      }
      requestPoll();
    }
  }

  // ---------------------------------------------------------------- confirmations (S5)

  /** A confirmation of this candidate by a request sent at {@link #sentAt} (see Confirmation). */
  private final class Token implements Confirmation {

    private final long sentAt;

    Token(long sentAt) {
      this.sentAt = sentAt;
    }

    @Override
    public boolean confirmed() {
      return confirm(sentAt, LeadershipEvent.NO_TERM);
    }

    @Override
    public boolean leading(long term) {
      if (term <= 0) {
        throw new IllegalArgumentException("term must be positive, got " + term);
      }
      return confirm(sentAt, term);
    }

    @Override
    public String toString() {
      return "Confirmation{" + label + ", sent at " + sentAt + "}";
    }
  }

  /**
   * Applies a confirmation by a request sent at {@code sentAt}: extends the current view's
   * deadline, or with a {@code term} makes a follower LEADER, under the conditions of {@link
   * Confirmation}. Returns whether it applied.
   */
  private boolean confirm(long sentAt, long term) {
    boolean changed;
    boolean applied = false;
    synchronized (lock) {
      if (lifecycle != Lifecycle.STARTED || yielding || holdingOff) {
        return false;
      }
      changed = lapseIfDue();
      RoundView view = confirmable;
      long now = ticker.read();
      long deadline = sentAt + renewNanos;
      if (view != null && sentAt - view.sentAt >= 0 && notices == view.notices
          && now - deadline < 0) {
        Snapshot s = snapshot;
        if (term == LeadershipEvent.NO_TERM) {
          if (deadline - s.deadline > 0) {
            snapshot = new Snapshot(s.event, deadline, true);
            armDeadlineCheck();
          }
          applied = true;
          recordRound(sentAt, view.leading ? StoreRound.Outcome.LEADING
              : StoreRound.Outcome.FOLLOWING, null, null);
        } else if (!view.leading && !observing && !polling && !storeCall
            && term > s.event.term()) {
          changed |= publish(LEADER, settings.identity(), term, now, deadline, true);
          confirmable = new RoundView(sentAt, notices, true);
          applied = true;
          recordRound(sentAt, StoreRound.Outcome.LEADING, null, null);
        }
      }
      if (applied) {
        if (!confirmedBySession) {
          log.debug("{}: confirmed by {}'s session; rounds only on changes from now on", label,
              backend.name());
        }
        confirmedBySession = true;
        lastConfirmedAt = now;
      }
    }
    if (changed) {
      signalAll();
    }
    return applied;
  }

  /**
   * Applies the observation of a poll sent at {@code sentAt}, when {@code pushesSeen}
   * observations had been pushed, and says what became of the round. Holds lock.
   */
  private StoreRound.Outcome apply(Observation o, long sentAt, long pushesSeen) {
    long deadline = sentAt + renewNanos;
    long now = ticker.read();
    if (o.kind() == Observation.Kind.UNKNOWN) {
      cannotTell.log(log, now, label, o.reason().orElse("?"));
      publish(UNKNOWN, null, LeadershipEvent.NO_TERM, now, 0, false);
      return StoreRound.Outcome.UNKNOWN;
    }
    cannotTell.reset(); // the store answered: the next reason is news again
    if (now - deadline >= 0) {
      // the answer came too late to vouch for anything
      log.warn("{}: store answered after the renew deadline; ignoring the answer", label);
      return StoreRound.Outcome.LATE;
    }
    if (pushes != pushesSeen) {
      // The backend pushed a newer fact (our key deleted, the session lost, another leader)
      // after this poll was sent: its answer may predate that fact, so it must not undo it.
      // observed() asked for a poll, which runs next and answers after the fact.
      log.debug("{}: ignoring the answer of a poll sent before the store's last notice", label);
      return StoreRound.Outcome.SUPERSEDED;
    }
    if (o.kind() == Observation.Kind.LEADING) {
      if (observing) {
        log.warn("{}: the backend's observer reported leadership; ignoring the answer", label);
        return StoreRound.Outcome.SUPERSEDED; // ignored, as a superseded answer is
      }
      publish(yielding ? FOLLOWER : LEADER, settings.identity(), o.term(), now, deadline, true);
      return StoreRound.Outcome.LEADING;
    }
    publish(FOLLOWER, o.leader().orElse(null), o.term(), now, deadline, true);
    return StoreRound.Outcome.FOLLOWING;
  }

  /** Leaves LEADER at once on purpose (resign, close). Holds lock. */
  private void leaveLeadership(String why) {
    lapseIfDue();
    Snapshot s = snapshot;
    cancel(nextPoll);
    if (s.event.state() == LEADER) {
      log.info("{}: leaving leadership ({})", label, why);
      publish(FOLLOWER, settings.identity(), s.event.term(), ticker.read(), s.deadline, true);
    }
  }

  /**
   * Publishes the expiry of the current view, as of its deadline, if that deadline passed and
   * nobody noticed yet (no getter ran, the deadline check did not fire: the process was frozen,
   * or its threads starved). Every change other than the expiry itself calls this first, so
   * that a view that lapsed is never recorded as having lasted until the next change. Holds
   * lock. Returns whether it published.
   */
  private boolean lapseIfDue() {
    Snapshot s = snapshot;
    if (!s.expires || ticker.read() - s.deadline < 0) {
      return false;
    }
    if (s.event.state() == LEADER) {
      log.warn("{}: leadership of term {} not confirmed within the renew deadline ({}); "
          + "no longer leader", label, s.event.term(),
          SettingValues.format(settings.renewDeadline()));
    }
    return publish(UNKNOWN, null, LeadershipEvent.NO_TERM, s.deadline, 0, false);
  }

  /** The deadline of s passed: publish UNKNOWN as of the deadline. */
  private void expire(Snapshot s) {
    boolean changed;
    synchronized (lock) {
      if (snapshot != s) {
        return;
      }
      if (s.event.state() == LEADER) {
        log.warn("{}: leadership of term {} not confirmed within the renew deadline ({}); "
            + "no longer leader", label, s.event.term(), SettingValues.format(settings.renewDeadline()));
      } else {
        log.info("{}: no answer from the store within the renew deadline; state unknown", label);
      }
      changed = publish(UNKNOWN, null, LeadershipEvent.NO_TERM, s.deadline, 0, false);
    }
    if (changed) {
      signalAll();
    }
  }

  // ---------------------------------------------------------------- publishing

  /**
   * Publishes a view. Holds lock. Returns whether it differs from the previous one (then the
   * caller signals the listeners after releasing the lock).
   */
  private boolean publish(LeadershipState state, String leader, long term, long since,
      long deadline, boolean expires) {
    Snapshot old = snapshot;
    LeadershipEvent candidateView = new LeadershipEvent(settings.name(), settings.identity(), state,
        leader, term, old.event.sequence() + 1, since);
    if (old.event.sameView(candidateView)) {
      if (old.deadline != deadline || old.expires != expires) {
        snapshot = new Snapshot(old.event, deadline, expires);
        armDeadlineCheck();
      }
      return false;
    }
    // recorded and logged before the getters can see it, so that whoever sees the new view
    // finds the transition already recorded
    for (TransitionRecorder recorder : transitionRecorders) {
      try {
        recorder.record(old.event, candidateView);
      } catch (RuntimeException e) {
        log.warn("{}: transition recorder threw", label, e);
      }
    }
    if (log.isDebugEnabled()) {
      log.debug("{}: {} -> {}", label, SettingValues.printable(old.event.toString()),
          SettingValues.printable(candidateView.toString()));
    } else if (old.event.state() != state) {
      log.info("{}: {} -> {}{}{}", label, old.event.state(), state,
          leader == null ? "" : " (leader " + SettingValues.printable(leader) + ")",
          term == LeadershipEvent.NO_TERM ? "" : " term " + term);
    }
    snapshot = new Snapshot(candidateView, deadline, expires);
    confirmable = null; // a new view: the caller sets what it came from, if a round
    if (work != null) {
      boolean wasLeader = old.event.state() == LEADER;
      boolean isLeader = state == LEADER;
      if (wasLeader && (!isLeader || old.event.term() != term)) {
        work.stop();
      }
      if (isLeader && (!wasLeader || old.event.term() != term)) {
        work.lead(candidateView.sequence(), term);
      }
    }
    armDeadlineCheck();
    lock.notifyAll();
    return true;
  }

  /** Makes sure the expiry of the current view is noticed on time, even if nobody reads it. */
  private void armDeadlineCheck() {
    Snapshot s = snapshot;
    if (!s.expires || threads == null || lifecycle == Lifecycle.CLOSED) {
      return;
    }
    if (deadlineCheck != null && !deadlineCheck.isDone()) {
      return; // it re-arms itself for the newest deadline when it fires
    }
    long delay = Math.max(0, s.deadline - ticker.read());
    try {
      deadlineCheck = threads.scheduler.schedule(this::checkDeadline, delay, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // shutting down
    }
  }

  private void checkDeadline() {
    current();
    synchronized (lock) {
      deadlineCheck = null;
      armDeadlineCheck();
    }
  }

  private void signalAll() {
    for (Mailbox m : mailboxes) {
      m.signal();
    }
  }

  // ---------------------------------------------------------------- closing helpers

  /**
   * Stops new polls (for good when {@code stop}) and waits, up to R, for the one under way, so
   * that release() or leave() never overlaps a poll of the same candidate.
   */
  private void holdPolls(boolean stop) {
    synchronized (lock) {
      storeCall = true;
      if (stop) {
        pollsStopped = true;
      }
      cancel(nextPoll);
      nextPoll = null;
      long end = System.nanoTime() + renewNanos;
      try {
        while (polling) {
          long left = end - System.nanoTime();
          if (left <= 0) {
            log.warn("{}: a store round is still under way after {}; going on", label,
                SettingValues.format(settings.renewDeadline()));
            return;
          }
          lock.wait(left / 1_000_000L, (int) (left % 1_000_000L));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void drainWork() {
    LeaderWork w;
    synchronized (lock) {
      w = work;
    }
    if (w == null) {
      return;
    }
    w.stop();
    if (w.isRunThread()) {
      return; // close() or resign() called by the leader work itself
    }
    try {
      if (!w.awaitIdle()) {
        log.warn("{}: leader work still running after the drain timeout of {}; releasing anyway",
            label, SettingValues.format(drainTimeout));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void awaitStore(CompletionStage<Void> stage, String what) {
    try {
      stage.toCompletableFuture().get(callTimeoutNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      giveUp(stage);
      log.warn("{}: {} got no answer from the store within {}; the store lets the lease run out",
          label, what, SettingValues.format(Duration.ofNanos(callTimeoutNanos)));
    } catch (ExecutionException e) {
      log.warn("{}: {} failed; the store lets the lease run out: {}", label, what,
          SettingValues.printable(String.valueOf(e.getCause())));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.warn("{}: {} failed: {}", label, what, SettingValues.printable(String.valueOf(e)));
    }
  }

  private void awaitListeners(long finalSequence) {
    long end = System.nanoTime() + drainTimeout.toNanos();
    for (Mailbox m : mailboxes) {
      if (m.isCallerThread()) {
        continue;
      }
      try {
        if (!m.awaitDelivered(finalSequence, end)) {
          log.warn("{}: {} still busy after the drain timeout; closed without its final view",
              label, m);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void cancel(ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }

  @Override
  public String toString() {
    return "LeaderElection{" + label + ", " + current() + "}";
  }

  // ---------------------------------------------------------------- priority (Preference)

  /**
   * Gives this candidate its preference: the successor it names on resign and close, the
   * handover on a takeover, and preemption after {@code preemptAfter} (null: none). Called once,
   * by the builder, before start.
   */
  Engine withPreference(Duration preemptAfter) {
    Preference p = new Preference(backend, settings.name(), settings.identity(),
        settings.priority(), preemptAfter, ticker, settings.retryPeriod(), callTimeoutNanos,
        label);
    // the scheduler as of the last transition (taken under lock there): Preference calls
    // schedule() under its own lock, which must never wait for the engine's (lock order)
    java.util.concurrent.atomic.AtomicReference<java.util.concurrent.ScheduledExecutorService>
        scheduler = new java.util.concurrent.atomic.AtomicReference<>();
    p.attach(new Preference.Host() {
      @Override
      public java.util.concurrent.Future<?> schedule(Runnable task, long delayNanos) {
        java.util.concurrent.ScheduledExecutorService s = scheduler.get();
        if (s == null) {
          return null;
        }
        try {
          return s.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          return null;
        }
      }

      @Override
      public void stepDown(long term, String successor, String why) {
        LeadershipEvent now = current();
        if (!now.isLeader() || now.term() != term) {
          return;
        }
        log.info("{}: handing over to {}: {}", label, SettingValues.printable(successor), why);
        try {
          resign(successor);
        } catch (IllegalStateException | IllegalArgumentException e) {
          log.info("{}: no handover to {}: {}", label, SettingValues.printable(successor),
              SettingValues.printable(String.valueOf(e.getMessage())));
        }
      }
    });
    transitionRecorders.add((before, after) -> {
      if (threads != null) { // under lock, as every transition
        scheduler.set(threads.scheduler);
      }
      p.onTransition(before, after);
    });
    this.preference = p;
    return this;
  }

  /** Starts reading whom to name if this candidate leads now; null when it does not. */
  private CompletableFuture<String> preferredSuccessor() {
    if (preference == null || observing || !current().isLeader()) {
      return null;
    }
    return preference.successor();
  }

  /**
   * Keeps a reason that comes back every round (a 403 from the API server, a store that stays
   * down) from writing an INFO line per round and candidate: a reason is logged at INFO the
   * first time, when it differs from the last one, and else at most once per interval, with the
   * count of repeats held back since; the repeats in between go to DEBUG. {@link #reset()}
   * starts over, so the first reason after the store answered is logged at INFO again. Reasons
   * come from the store and are {@linkplain SettingValues#printable made printable}. Not
   * thread-safe: the engine calls it under its lock, with readings of its ticker.
   */
  static final class RepeatedLog {

    /** How often a reason that does not change is logged at INFO again: once a minute. */
    static final Duration INTERVAL = Duration.ofMinutes(1);

    private final long intervalNanos;
    private String last; // null: nothing logged since the start or the last reset
    private long loggedAt;
    private long held;

    RepeatedLog(Duration interval) {
      this.intervalNanos = interval.toNanos();
    }

    /** Logs that the store cannot tell, for {@code reason}, at INFO or DEBUG as described. */
    void log(Logger log, long now, String label, String reason) {
      String line = next(now, reason);
      if (line != null) {
        log.info("{}: store cannot tell: {}", label, line);
      } else if (log.isDebugEnabled()) {
        log.debug("{}: store cannot tell: {}", label, SettingValues.printable(reason));
      }
    }

    /**
     * The text to log at INFO for {@code reason} at ticker reading {@code now}, or null when it
     * is a repeat to log at DEBUG only.
     */
    String next(long now, String reason) {
      String shown = SettingValues.printable(reason);
      if (last != null && last.equals(reason) && now - loggedAt < intervalNanos) {
        held++;
        return null;
      }
      String line = shown;
      if (held > 0) {
        line += last.equals(reason)
            ? " (again; " + held + " more in the last "
                + SettingValues.format(Duration.ofNanos(now - loggedAt)) + " at debug level)"
            : " (the previous reason came " + held + " more times, at debug level)";
      }
      last = reason;
      loggedAt = now;
      held = 0;
      return line;
    }

    /** Forgets the last reason: the store answered. */
    void reset() {
      last = null;
      held = 0;
    }
  }
}
