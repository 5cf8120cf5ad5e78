package io.github.election.kubernetes;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.github.election.LeadershipEvent;
import io.github.election.Ticker;
import io.github.election.spi.Candidate;
import io.github.election.spi.CandidateContext;
import io.github.election.spi.ElectionSettings;
import io.github.election.spi.Observation;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One candidate on one Lease: client-go's {@code tryAcquireOrRenew}, {@code release} and
 * observed-time logic, run as a chain of blocking requests on the backend's pool.
 *
 * <p><b>Ordering.</b> Every operation (poll, release, leave) is queued behind the previous one
 * of this candidate and starts only when the previous one has really finished, not when its
 * answer to the engine timed out: two requests of one candidate are never in flight together,
 * so a late acquisition cannot land after the release that {@code leave()} sends. The answer
 * to the engine is bounded by a budget (half the renew deadline R for a poll, three quarters
 * for a release) counted from the call, and each request by a quarter of R.
 *
 * <p><b>Expiry.</b> A record counts as expired when this candidate has seen it unchanged
 * (same {@code resourceVersion}, holder and {@code renewTime}) for {@code leaseDurationSeconds}
 * on the election's ticker, from the moment it first received it. The holder's own deadline
 * (R from the send time of its last renewal) ends before that, since the record was written
 * after that send and {@code leaseDurationSeconds} is D rounded up, with D greater than R.
 *
 * <p><b>Terms.</b> The term is {@code leaseTransitions + 1}. A candidate increments {@code
 * leaseTransitions} whenever it acquires a Lease, including one it finds still under its own
 * name but that it did not hold without interruption (a restart, or an outage longer than the
 * engine could bridge), so that two leadership periods never share a term.
 *
 * <p><b>After resign (C2).</b> A released candidate does not update the Lease again until it
 * has seen the Lease held by another candidate, or one retry period P has passed since it saw
 * the Lease free (right after its own release, or after its own unreleased record expired).
 * Candidates of this library learn of the release through their watch at once; other electors
 * poll at their own retry period.
 */
final class LeaseCandidate implements Candidate {

  private static final Logger log = LoggerFactory.getLogger(LeaseCandidate.class);

  /** Slack for the readings of the engine and of this class that are not taken together. */
  private static final long MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final long WAKE_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

  private final KubernetesElectionBackend backend;
  private final CandidateContext context;
  private final String leaseName;
  private final String identity;
  private final String label;
  private final Ticker ticker;
  private final long renewNanos;
  private final long retryNanos;
  private final int leaseSeconds;
  private final long pollBudgetNanos;
  private final long releaseBudgetNanos;
  private final int requestTimeoutMillis;
  private final int watchReconnectMillis;

  // guarded by this
  private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);
  private boolean seen;
  private String seenVersion;
  private String seenHolder;
  private Integer seenDuration;
  private int seenTransitions;
  private ZonedDateTime seenRenewTime;
  private long seenAt;
  private long leadingTerm;
  private long leadingPollStart;
  private boolean holdOff;
  private boolean holdOffFree;
  private long holdOffFreeSince;
  private boolean leaving;
  private ScheduledFuture<?> wakeUp;
  private String deniedReason;
  /** The Lease as this candidate last wrote it while taking or keeping it; null otherwise. */
  private Lease ownWrite;

  LeaseCandidate(KubernetesElectionBackend backend, CandidateContext context, String leaseName) {
    this.backend = backend;
    this.context = context;
    this.leaseName = leaseName;
    ElectionSettings s = context.settings();
    this.identity = s.identity();
    this.label = backend.label() + " " + leaseName + "/" + identity;
    this.ticker = context.ticker();
    this.renewNanos = s.renewDeadline().toNanos();
    this.retryNanos = s.retryPeriod().toNanos();
    this.leaseSeconds = leaseSeconds(s);
    this.pollBudgetNanos = renewNanos / 2;
    this.releaseBudgetNanos = renewNanos / 4 * 3;
    this.requestTimeoutMillis = (int) Math.max(50, Math.min(Integer.MAX_VALUE,
        TimeUnit.NANOSECONDS.toMillis(renewNanos / 4)));
    // fabric8's reconnect backoff grows to 32 times its first interval: at most P
    this.watchReconnectMillis = (int) Math.max(10, Math.min(Integer.MAX_VALUE,
        TimeUnit.NANOSECONDS.toMillis(retryNanos / 32)));
  }

  /** {@code leaseDurationSeconds}: D rounded up to whole seconds. */
  static int leaseSeconds(ElectionSettings s) {
    long nanos = s.leaseDuration().toNanos();
    long seconds = (nanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND;
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, seconds));
  }

  String leaseName() {
    return leaseName;
  }

  // ------------------------------------------------------------------ Candidate

  @Override
  public CompletionStage<Observation> poll() {
    long start = ticker.read();
    return run("poll", start, pollBudgetNanos, () -> doPoll(start + pollBudgetNanos, start));
  }

  @Override
  public CompletionStage<Void> release() {
    long start = ticker.read();
    synchronized (this) {
      holdOff = true;
      holdOffFree = false;
      cancelWakeUp();
    }
    return run("release", start, releaseBudgetNanos, () -> {
      doRelease(start + releaseBudgetNanos, false);
      return null;
    });
  }

  @Override
  public CompletionStage<Void> leave() {
    long start = ticker.read();
    synchronized (this) {
      leaving = true;
      cancelWakeUp();
    }
    // release first, then stop watching once the watch showed the next holder (or after a
    // short bound, e.g. when no other candidate is left): a watch that closes while an event is
    // sent down it, or an update that reaches a watch being closed, stalls or breaks fabric8's
    // mock API server, and the next holder's acquire follows the release within milliseconds
    CompletableFuture<Void> ownEvent = backend.nextWatchEvent(this, lease -> {
      String holder = lease.getSpec() == null ? null : holderOf(lease.getSpec());
      return holder != null && !holder.equals(identity);
    });
    CompletableFuture<Void> done = run("leave", start, releaseBudgetNanos, () -> {
      doRelease(start + releaseBudgetNanos, true);
      return null;
    });
    long eventBound = Math.max(1, releaseBudgetNanos / 6);
    return done.handle((v, failure) -> failure)
        .thenCompose(failure -> ownEvent.completeOnTimeout(null, eventBound, TimeUnit.NANOSECONDS)
            .thenApply(seen -> failure))
        .thenApply(failure -> {
          backend.unwatch(this);
          backend.forget(this);
          if (failure != null) {
            throw failure instanceof CompletionException ? (CompletionException) failure
                : new CompletionException(failure);
          }
          return null;
        });
  }

  // ------------------------------------------------------------------ store notifications

  /** A watch event on the Lease: tells the engine when it changes who holds it or for how long. */
  void onWatchEvent(Watcher.Action action, Lease lease) {
    boolean tell;
    synchronized (this) {
      if (leaving) {
        return;
      }
      switch (action) {
        case DELETED:
          tell = true;
          break;
        case ADDED:
        case MODIFIED:
          LeaseSpec spec = lease.getSpec() != null ? lease.getSpec() : new LeaseSpec();
          tell = !seen || !Objects.equals(holderOf(spec), seenHolder)
              || !Objects.equals(spec.getLeaseDurationSeconds(), seenDuration)
              || transitionsOf(spec) != seenTransitions;
          break;
        default:
          tell = false;
          break;
      }
    }
    if (tell) {
      context.changed();
    }
  }

  /** The Lease may have changed while nobody watched. */
  void storeChanged() {
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

  private Observation doPoll(long deadline, long start) {
    requireTime(deadline, "poll");
    boolean watch;
    synchronized (this) {
      watch = !leaving;
    }
    if (watch) {
      backend.watch(this, requestTimeoutMillis, watchReconnectMillis);
    }
    try {
      for (int attempt = 0; attempt < 2; attempt++) {
        Observation o = round(deadline, start);
        if (o != null) {
          synchronized (this) {
            deniedReason = null;
          }
          return o;
        }
      }
    } catch (Forbidden f) {
      String reason = f.getMessage();
      boolean first;
      synchronized (this) {
        first = !reason.equals(deniedReason);
        deniedReason = reason;
      }
      if (first) {
        log.warn("{}: {}", label, reason);
      }
      return Observation.unknown(reason);
    }
    throw new IllegalStateException("Lease " + leaseName + " changed under two updates in a row;"
        + " trying again after the retry period");
  }

  /** One read-decide-write round; null when the write lost a race (409) and a new round may win. */
  private Observation round(long deadline, long start) {
    Lease lease = get(deadline);
    long now = ticker.read();
    if (lease == null) {
      int transitions;
      synchronized (this) {
        if (leaving) {
          return Observation.following(null, LeadershipEvent.NO_TERM);
        }
        if (holdOff) {
          Observation wait = holdOffFree(now);
          if (wait != null) {
            return wait;
          }
        }
        // a Lease that was deleted: keep the terms growing as far as this candidate knows them
        transitions = seen ? seenTransitions + 1 : 0;
      }
      ZonedDateTime wall = wallNow();
      Lease fresh = new LeaseBuilder()
          .withNewMetadata().withName(leaseName).withNamespace(backend.namespaceName()).endMetadata()
          .withNewSpec().withHolderIdentity(identity).withLeaseDurationSeconds(leaseSeconds)
          .withAcquireTime(wall).withRenewTime(wall).withLeaseTransitions(transitions).endSpec()
          .build();
      Lease created = create(fresh, deadline);
      return created == null ? null : won(created, start);
    }
    LeaseSpec spec = lease.getSpec() != null ? lease.getSpec() : new LeaseSpec();
    String holder = holderOf(spec);
    int transitions = transitionsOf(spec);
    long term = transitions + 1L;
    boolean mine = identity.equals(holder);
    boolean continuing;
    synchronized (this) {
      observe(lease, spec, now);
      if (!mine) {
        ownWrite = null;
      }
      long expiresIn = seenAt + durationNanos(spec) - now;
      boolean valid = holder != null && expiresIn > 0;
      if (holder != null && !mine && valid) {
        leadingTerm = 0;
        holdOff = false;
        wakeUpIn(expiresIn + WAKE_SLACK_NANOS);
        return Observation.following(holder, term);
      }
      if (leaving) {
        return Observation.following(null, LeadershipEvent.NO_TERM);
      }
      if (holdOff) {
        if (mine && valid) {
          // our own record, not released: let it run out before competing again
          wakeUpIn(expiresIn + WAKE_SLACK_NANOS);
          return Observation.following(null, LeadershipEvent.NO_TERM);
        }
        Observation wait = holdOffFree(now);
        if (wait != null) {
          return wait;
        }
      }
      // same period only if the engine cannot have dropped it before this answer arrives
      continuing = mine && leadingTerm == term
          && start + pollBudgetNanos + MARGIN_NANOS - (leadingPollStart + renewNanos) < 0;
    }
    ZonedDateTime wall = wallNow();
    spec.setHolderIdentity(identity);
    spec.setLeaseDurationSeconds(leaseSeconds);
    spec.setRenewTime(wall);
    if (continuing) {
      spec.setLeaseTransitions(transitions);
      if (spec.getAcquireTime() == null) {
        spec.setAcquireTime(wall);
      }
    } else {
      spec.setLeaseTransitions(transitions + 1);
      spec.setAcquireTime(wall);
    }
    lease.setSpec(spec);
    Lease updated = update(lease, deadline);
    return updated == null ? null : won(updated, start);
  }

  /** Holds this. During a hold-off with the Lease free: FOLLOWING until P has passed, else null. */
  private Observation holdOffFree(long now) {
    if (!holdOffFree) {
      holdOffFree = true;
      holdOffFreeSince = now;
    }
    long wait = holdOffFreeSince + retryNanos - now;
    if (wait > 0) {
      wakeUpIn(wait + WAKE_SLACK_NANOS);
      return Observation.following(null, LeadershipEvent.NO_TERM);
    }
    holdOff = false;
    return null;
  }

  private Observation won(Lease lease, long start) {
    LeaseSpec spec = lease.getSpec();
    long term = transitionsOf(spec) + 1L;
    synchronized (this) {
      long now = ticker.read();
      observe(lease, spec, now);
      if (now - start < pollBudgetNanos) {
        leadingTerm = term;
        leadingPollStart = start;
      } else {
        leadingTerm = 0; // the engine got no answer in time: the next success is a new period
      }
      ownWrite = lease;
      cancelWakeUp();
    }
    return Observation.leading(term);
  }

  private void doRelease(long deadline, boolean leave) {
    try {
      for (int attempt = 0; attempt < 2; attempt++) {
        Lease lease;
        synchronized (this) {
          // first try at the version this candidate wrote last, as client-go does: one round
          // trip; a 409 (someone wrote since) falls back to reading the Lease
          lease = attempt == 0 ? ownWrite : null;
          ownWrite = null;
        }
        if (lease == null) {
          lease = get(deadline);
        }
        long now = ticker.read();
        if (lease == null) {
          freed(now, leave);
          return;
        }
        LeaseSpec spec = lease.getSpec() != null ? lease.getSpec() : new LeaseSpec();
        synchronized (this) {
          observe(lease, spec, now);
        }
        if (!identity.equals(holderOf(spec))) {
          synchronized (this) {
            leadingTerm = 0;
            if (!leave && holderOf(spec) == null) {
              holdOff = false; // nothing was held: nothing to step back from
            }
          }
          return;
        }
        // client-go's release: no holder, a one-second lease, renewTime now, transitions kept
        ZonedDateTime wall = wallNow();
        spec.setHolderIdentity("");
        spec.setLeaseDurationSeconds(1);
        spec.setAcquireTime(wall);
        spec.setRenewTime(wall);
        spec.setLeaseTransitions(transitionsOf(spec));
        lease.setSpec(spec);
        Lease updated = update(lease, deadline);
        if (updated != null) {
          synchronized (this) {
            observe(updated, updated.getSpec(), ticker.read());
          }
          freed(ticker.read(), leave);
          log.debug("{}: released Lease {}", label, leaseName);
          return;
        }
      }
    } catch (Forbidden f) {
      log.warn("{}: cannot release: {}; the Lease runs out instead", label, f.getMessage());
      return;
    }
    throw new IllegalStateException("Lease " + leaseName + " changed under two releases in a row");
  }

  private void freed(long now, boolean leave) {
    synchronized (this) {
      leadingTerm = 0;
      if (!leave && holdOff) {
        holdOffFree = true;
        holdOffFreeSince = now;
        wakeUpIn(retryNanos + WAKE_SLACK_NANOS);
      }
    }
  }

  // ------------------------------------------------------------------ observed record

  /** Holds this. Records the Lease as seen now, restarting the expiry clock if it changed. */
  private void observe(Lease lease, LeaseSpec spec, long now) {
    String version = lease.getMetadata() != null ? lease.getMetadata().getResourceVersion() : null;
    String holder = holderOf(spec);
    ZonedDateTime renew = spec.getRenewTime();
    if (!seen || !Objects.equals(version, seenVersion) || !Objects.equals(holder, seenHolder)
        || !Objects.equals(renew, seenRenewTime)) {
      seen = true;
      seenVersion = version;
      seenHolder = holder;
      seenRenewTime = renew;
      seenDuration = spec.getLeaseDurationSeconds();
      seenTransitions = transitionsOf(spec);
      seenAt = now;
    }
  }

  private long durationNanos(LeaseSpec spec) {
    Integer d = spec.getLeaseDurationSeconds();
    long seconds = d == null ? leaseSeconds : Math.max(0, d);
    return seconds * NANOS_PER_SECOND;
  }

  private static String holderOf(LeaseSpec spec) {
    String h = spec.getHolderIdentity();
    return h == null || h.isEmpty() ? null : h;
  }

  private static int transitionsOf(LeaseSpec spec) {
    Integer t = spec.getLeaseTransitions();
    return t == null ? 0 : Math.max(0, t);
  }

  private static ZonedDateTime wallNow() {
    return ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
  }

  // ------------------------------------------------------------------ requests

  private Lease get(long deadline) {
    requireTime(deadline, "get");
    try {
      return backend.leases(requestTimeoutMillis).withName(leaseName).get();
    } catch (KubernetesClientException e) {
      throw translate("get", e);
    }
  }

  /** Creates the Lease; null if it exists already (409). */
  private Lease create(Lease lease, long deadline) {
    requireTime(deadline, "create");
    try {
      return backend.leases(requestTimeoutMillis).resource(lease).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return null;
      }
      throw translate("create", e);
    }
  }

  /** Updates the Lease at the resourceVersion it carries; null if it changed or went (409, 404). */
  private Lease update(Lease lease, long deadline) {
    requireTime(deadline, "update");
    try {
      return backend.leases(requestTimeoutMillis).resource(lease).update();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409 || e.getCode() == 404) {
        return null;
      }
      throw translate("update", e);
    }
  }

  private RuntimeException translate(String verb, KubernetesClientException e) {
    if (e.getCode() == 403 || e.getCode() == 401) {
      return new Forbidden(Forbidden.describe(verb, backend, e), e);
    }
    return Unreachable.of(verb + " of Lease " + backend.namespaceName() + "/" + leaseName,
        backend.apiServer(), requestTimeoutMillis, e);
  }

  private void requireTime(long deadline, String what) {
    if (ticker.read() - deadline >= 0) {
      throw new IllegalStateException(what + " of Lease " + leaseName
          + " not sent: the round ran out of time");
    }
  }

  // ------------------------------------------------------------------ plumbing

  /**
   * Queues an operation behind the previous one of this candidate, on the backend's pool; the
   * returned stage fails if no answer came within the budget counted from {@code start}.
   */
  private <T> CompletableFuture<T> run(String what, long start, long budgetNanos, Callable<T> op) {
    CompletableFuture<T> real = new CompletableFuture<>();
    CompletableFuture<?> previous;
    synchronized (this) {
      previous = tail;
      tail = real.handle((v, e) -> null);
    }
    previous.whenComplete((v, e) -> {
      try {
        backend.io().execute(() -> {
          try {
            real.complete(op.call());
          } catch (Throwable t) {
            log.debug("{}: {} failed", label, what, t);
            real.completeExceptionally(t);
          }
        });
      } catch (RejectedExecutionException r) {
        real.completeExceptionally(new IllegalStateException(backend.isClosed()
            ? backend.label() + " is closed"
            : backend.label() + ": too many requests queued; " + what + " not sent", r));
      }
    });
    CompletableFuture<T> answer = new CompletableFuture<>();
    real.whenComplete((v, e) -> {
      if (e == null) {
        answer.complete(v);
      } else {
        answer.completeExceptionally(e instanceof CompletionException && e.getCause() != null
            ? e.getCause() : e);
      }
    });
    long left = budgetNanos - (ticker.read() - start);
    ScheduledFuture<?> timeout = backend.schedule(() -> answer.completeExceptionally(
        new TimeoutException(what + " of Lease " + backend.namespaceName() + "/" + leaseName
            + " got no answer from API server " + backend.apiServer() + " within "
            + ElectionSettings.format(java.time.Duration.ofNanos(budgetNanos)))), left);
    if (timeout != null) {
      answer.whenComplete((v, e) -> timeout.cancel(false));
    }
    return answer;
  }

  /** Holds this. Polls again after {@code nanos} (replacing the previous wake-up). */
  private void wakeUpIn(long nanos) {
    cancelWakeUp();
    if (leaving) {
      return;
    }
    wakeUp = backend.schedule(this::storeChanged, nanos);
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
    return "LeaseCandidate{" + label + "}";
  }
}
