package io.github.election.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.github.election.spi.Confirmation;
import io.github.election.spi.SettingValues;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one etcd lease of a backend, shared by all its candidates: granted on first need, kept
 * alive on a schedule of our own, declared lost when etcd no longer knows it or when no
 * keep-alive was confirmed for a whole TTL, then replaced by a new one.
 *
 * <p><b>Keep-alive.</b> Every {@link #period()} the backend's scheduler thread sends one
 * {@code LeaseKeepAlive} request ({@link Lease#keepAliveOnce}) and waits for its answer, bounded by
 * a timeout; never more than one scheduled request is under way. The period is
 * {@code min(TTL / 3, (TTL - R) / 2)} for the largest renew deadline R of the backend's
 * candidates, so that in steady state the lease is confirmed, from a request sent less than
 * {@code TTL - R} ago, to outlive the renew deadline of any poll that starts now. A poll that
 * finds the lease not confirmed far enough ({@link #ensureFresh}) sends one extra keep-alive
 * itself, shared with any other poll that needs it. The period is also at most the shortest
 * retry period P of the candidates, since each keep-alive confirms the candidates on the lease
 * (rule S5) and spares them their rounds. Its cost depends on the number of backends, not on the
 * number of elections. A keep-alive is confirmed from the moment it was <em>sent</em>:
 * etcd renews the lease when it receives the request, which is later.
 *
 * <p>We do not use jetcd's streaming {@code Lease.keepAlive}: its schedule (every TTL/3 after the
 * last answer, checked every 500 ms) and its silent retries hide the send time of the request
 * that renewed the lease, which is what the renew deadline must be counted from.
 *
 * <p>Thread-safe: state changes under {@code this}; no request is sent and no candidate is called
 * under that lock.
 */
final class SharedLease {

  private static final Logger log = LoggerFactory.getLogger(SharedLease.class);

  /** One granted lease. */
  static final class Grant {
    final long id;
    final long ttlNanos;
    final String hex;
    /** Send time ({@code System.nanoTime()}) of the latest confirmed grant or keep-alive. */
    private final AtomicLong confirmedAt;
    private volatile boolean lost;
    // guarded by SharedLease.this
    private CompletableFuture<Boolean> inflight;
    private long inflightSentAt;
    private final Set<String> names = new HashSet<>();
    private final Set<String> orphans = new HashSet<>();
    private final Set<String> deleting = new HashSet<>();

    Grant(long id, long ttlSeconds, long confirmedAt) {
      this.id = id;
      this.ttlNanos = TimeUnit.SECONDS.toNanos(ttlSeconds);
      this.hex = Long.toHexString(id);
      this.confirmedAt = new AtomicLong(confirmedAt);
    }

    /** Until when (nanoTime) etcd keeps this lease at least, as far as we know. */
    long confirmedUntil() {
      return confirmedAt.get() + ttlNanos;
    }

    boolean isLost() {
      return lost;
    }

    @Override
    public String toString() {
      return "lease " + hex;
    }
  }

  private final EtcdElectionBackend backend;
  private final long ttlSeconds;
  private final long ttlNanos;
  private final long requestTimeoutNanos;

  // guarded by this
  private Grant current;
  private CompletableFuture<Grant> granting;
  private final Map<Long, Long> stale = new HashMap<>(); // lease id -> give up at (nanoTime)
  private final Set<Long> revoking = new HashSet<>();
  private ScheduledFuture<?> tick;
  private boolean closed;
  private long suffix;

  SharedLease(EtcdElectionBackend backend, long ttlSeconds) {
    this.backend = backend;
    this.ttlSeconds = ttlSeconds;
    this.ttlNanos = TimeUnit.SECONDS.toNanos(ttlSeconds);
    // a grant, revoke or key deletion gives up after a third of the TTL (at least 1 s, at most 5 s)
    this.requestTimeoutNanos = Math.max(TimeUnit.SECONDS.toNanos(1),
        Math.min(TimeUnit.SECONDS.toNanos(5), ttlNanos / 3));
  }

  /** The lease client of the backend's current jetcd client (replaced after connection failures). */
  private Lease leases() {
    return backend.client().getLeaseClient();
  }

  // ------------------------------------------------------------------ granting

  /**
   * The live lease, granting one if there is none (one grant at a time, shared by all callers).
   * The future fails when etcd does not answer in time or the backend was closed.
   */
  CompletableFuture<Grant> acquire() {
    CompletableFuture<Grant> g;
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException(backend + " is closed"));
      }
      if (current != null && !current.lost) {
        return CompletableFuture.completedFuture(current);
      }
      if (granting != null) {
        return granting;
      }
      g = new CompletableFuture<>();
      granting = g;
    }
    revokeStale(); // old keys out of the way before the candidates enrol on the new lease
    long sentAt = System.nanoTime();
    CompletableFuture<LeaseGrantResponse> grant;
    try {
      grant = leases().grant(ttlSeconds);
    } catch (RuntimeException e) { // jetcd closed
      grant = CompletableFuture.failedFuture(e);
    }
    backend.within(grant, requestTimeoutNanos, "lease grant")
        .thenApply(response -> granted(response, sentAt))
        .whenComplete((granted, error) -> {
          synchronized (SharedLease.this) {
            if (granting == g) {
              granting = null;
            }
          }
          if (error != null) {
            Throwable cause = unwrap(error);
            log.debug("{}: lease grant failed: {}", backend, String.valueOf(cause));
            g.completeExceptionally(cause);
          } else {
            g.complete(granted);
          }
        });
    return g;
  }

  private Grant granted(LeaseGrantResponse response, long sentAt) {
    Grant grant = new Grant(response.getID(), response.getTTL(), sentAt);
    boolean late;
    synchronized (this) {
      late = closed;
      if (!late) {
        current = grant;
        if (tick == null) {
          scheduleTick(period()); // one chain of ticks for the life of the backend
        }
      }
    }
    if (late) {
      leases().revoke(grant.id);
      throw new IllegalStateException(backend + " is closed");
    }
    if (response.getTTL() != ttlSeconds) {
      log.info("{}: etcd granted {} with a TTL of {}s instead of the {}s asked for (its minimum)",
          backend, grant, response.getTTL(), ttlSeconds);
    } else {
      log.info("{}: granted {} (TTL {}s)", backend, grant, ttlSeconds);
    }
    return grant;
  }

  // ------------------------------------------------------------------ keep-alive

  /**
   * Makes sure the lease is confirmed until {@code target} (nanoTime) at least: completes with
   * true at once if it already is, or after a keep-alive sent now (or one under way that was
   * sent recently enough) was answered; with false if that keep-alive failed or the lease is
   * lost. Never completes exceptionally.
   */
  CompletableFuture<Boolean> ensureFresh(Grant grant, long target) {
    if (grant.lost) {
      return CompletableFuture.completedFuture(false);
    }
    if (grant.confirmedUntil() - target >= 0) {
      return CompletableFuture.completedFuture(true);
    }
    CompletableFuture<Boolean> pending = null;
    synchronized (this) {
      if (grant.inflight != null && !grant.inflight.isDone()
          && grant.inflightSentAt + grant.ttlNanos - target >= 0) {
        pending = grant.inflight;
      }
    }
    CompletableFuture<Boolean> keepAlive = pending != null ? pending : keepAlive(grant);
    return keepAlive.thenApply(ok -> !grant.lost && grant.confirmedUntil() - target >= 0);
  }

  /** Asks etcd at once whether the lease still lives (after one of our keys vanished). */
  void probe(Grant grant) {
    if (!grant.lost) {
      keepAlive(grant);
    }
  }

  private CompletableFuture<Boolean> keepAlive(Grant grant) {
    return keepAlive(grant, List.of());
  }

  /**
   * Sends one keep-alive; once etcd answered that the lease lives, completes the confirmations
   * of the candidates on it (taken before the send: see {@link Confirmation}).
   */
  private CompletableFuture<Boolean> keepAlive(Grant grant, List<Confirmation> confirmations) {
    long sentAt = System.nanoTime();
    CompletableFuture<Boolean> f;
    try {
      f = backend.within(leases().keepAliveOnce(grant.id), keepAliveTimeout(), "lease keep-alive")
          .handle((response, error) -> {
            if (error == null) {
              grant.confirmedAt.accumulateAndGet(sentAt, (a, b) -> b - a > 0 ? b : a);
              if (!grant.lost) {
                confirmations.forEach(Confirmation::confirmed);
              }
              return true;
            }
            Throwable cause = unwrap(error);
            if (isLeaseNotFound(cause)) {
              lost(grant, "etcd no longer knows it (expired or revoked)");
            } else {
              log.debug("{}: keep-alive of {} failed: {}", backend, grant, String.valueOf(cause));
            }
            return false;
          });
    } catch (RuntimeException e) { // jetcd closed
      f = CompletableFuture.completedFuture(false);
    }
    synchronized (this) {
      grant.inflight = f;
      grant.inflightSentAt = sentAt;
    }
    return f;
  }

  /**
   * The keep-alive period: a third of the TTL, or less when a candidate's renew deadline leaves
   * less margin, so that the lease is always confirmed beyond the deadline of a poll.
   */
  long period() {
    long maxRenew = backend.maxRenewDeadlineNanos(this);
    long p = ttlNanos / 3;
    if (maxRenew > 0) {
      p = Math.min(p, (ttlNanos - maxRenew) / 2);
    }
    long minRetry = backend.minRetryPeriodNanos(this);
    if (minRetry > 0) {
      p = Math.min(p, minRetry); // each keep-alive confirms the candidates on the lease (S5)
    }
    return Math.max(TimeUnit.MILLISECONDS.toNanos(50), p);
  }

  private long keepAliveTimeout() {
    return Math.max(TimeUnit.MILLISECONDS.toNanos(200), Math.min(period(), requestTimeoutNanos));
  }

  /** Holds this. */
  private void scheduleTick(long delayNanos) {
    if (closed) {
      return;
    }
    try {
      tick = backend.scheduler().schedule(this::tick, delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  private void tick() {
    Grant grant;
    boolean keepAlive = false;
    List<String> toDelete = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      grant = current;
      if (grant != null && !grant.lost) {
        keepAlive = grant.inflight == null || grant.inflight.isDone();
        for (String orphan : grant.orphans) {
          if (grant.deleting.add(orphan)) {
            toDelete.add(orphan);
          }
        }
      }
    }
    try {
      if (grant != null && !grant.lost) {
        if (System.nanoTime() - grant.confirmedUntil() >= 0) {
          lost(grant, "no keep-alive was confirmed for its TTL of " + ttlSeconds
              + "s, so etcd has expired it or will");
        } else {
          if (keepAlive) {
            keepAlive(grant, backend.confirmations(grant));
          }
          toDelete.forEach(key -> deleteOrphan(grant, key));
        }
      }
      revokeStale();
    } finally {
      synchronized (this) {
        scheduleTick(period());
      }
    }
  }

  // ------------------------------------------------------------------ loss

  /**
   * Declares the lease lost: it is replaced on the next {@link #acquire()}, revoked (best effort,
   * so that its keys do not linger if etcd still has it), and every candidate on it is told.
   */
  void lost(Grant grant, String reason) {
    synchronized (this) {
      if (grant.lost) {
        return;
      }
      grant.lost = true;
      if (current == grant) {
        current = null;
      }
      if (!closed) {
        stale.put(grant.id, System.nanoTime() + Math.max(10 * ttlNanos, TimeUnit.MINUTES.toNanos(1)));
      }
    }
    log.warn("{}: {} lost: {}; its candidates rejoin on a new lease", backend, grant, reason);
    backend.leaseLost(grant, grant + " lost: " + reason);
  }

  private void revokeStale() {
    List<Long> ids = new ArrayList<>();
    synchronized (this) {
      long now = System.nanoTime();
      for (Iterator<Map.Entry<Long, Long>> it = stale.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<Long, Long> e = it.next();
        if (now - e.getValue() >= 0) {
          it.remove();
        } else if (revoking.add(e.getKey())) {
          ids.add(e.getKey());
        }
      }
    }
    for (long id : ids) {
      CompletableFuture<?> f;
      try {
        f = backend.within(leases().revoke(id), requestTimeoutNanos, "lease revoke");
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      f.whenComplete((r, error) -> {
        boolean done = error == null || isLeaseNotFound(unwrap(error));
        synchronized (SharedLease.this) {
          revoking.remove(id);
          if (done) {
            stale.remove(id);
          }
        }
        if (error == null) {
          log.info("{}: revoked the lost lease {}", backend, Long.toHexString(id));
        }
      });
    }
  }

  // ------------------------------------------------------------------ key names

  /**
   * Reserves a key name for a candidate of an election on a lease: {@code <election>/<lease
   * hex>} like etcd's own election clients, or {@code <election>/<lease hex>-<n>} when that one
   * was handed out before on this lease (to another candidate of the same election on this
   * backend, or to one that left). A name is never handed out twice on one lease, so a candidate
   * that finds its key can trust that it wrote it (in an earlier request whose answer was lost),
   * and deleting the key of a candidate that left never hits another candidate's key.
   */
  synchronized String reserve(Grant grant, String electionPrefix) {
    String base = electionPrefix + grant.hex;
    String name = base;
    while (grant.names.contains(name)) {
      name = base + "-" + (++suffix);
    }
    grant.names.add(name);
    return name;
  }

  /**
   * The key of a candidate that left may still exist (its deletion failed, or a request sent
   * before it left may have written it later): delete it on each tick until that succeeds.
   */
  void orphan(Grant grant, String name) {
    synchronized (this) {
      if (grant.lost || closed) {
        return; // revoking the lease removes the key
      }
      grant.orphans.add(name);
    }
    log.debug("{}: will delete the key {} of a candidate that left", backend, name);
  }

  private void deleteOrphan(Grant grant, String name) {
    CompletableFuture<?> f;
    try {
      f = backend.within(backend.client().getKVClient().delete(ByteSequence.from(name, StandardCharsets.UTF_8)),
          requestTimeoutNanos, "delete of " + name);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete((r, error) -> {
      synchronized (SharedLease.this) {
        grant.deleting.remove(name);
        if (error == null) {
          grant.orphans.remove(name);
        }
      }
      if (error == null) {
        log.info("{}: deleted the key {} of a candidate that left", backend, name);
      }
    });
  }

  // ------------------------------------------------------------------ closing

  /** The TTL asked for, in seconds. */
  long ttlSeconds() {
    return ttlSeconds;
  }

  /** The current lease, if one is granted and not lost (for tests and logs). */
  synchronized Grant current() {
    return current;
  }

  /**
   * Stops the keep-alives and revokes the lease (and the lost ones not yet revoked), waiting up
   * to the request timeout, so that every key of the backend is gone when it returns.
   */
  void close() {
    List<Long> ids = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (tick != null) {
        tick.cancel(false);
      }
      if (current != null) {
        current.lost = true;
        ids.add(current.id);
        current = null;
      }
      ids.addAll(stale.keySet());
      stale.clear();
    }
    List<CompletableFuture<?>> revokes = new ArrayList<>();
    for (long id : ids) {
      try {
        revokes.add(leases().revoke(id));
      } catch (RuntimeException e) {
        log.debug("{}: revoke of lease {} failed: {}", backend, Long.toHexString(id), e.toString());
      }
    }
    long end = System.nanoTime() + requestTimeoutNanos;
    for (CompletableFuture<?> f : revokes) {
      try {
        f.get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        log.info("{}: etcd did not answer the revoke of the lease within {}; its keys expire with "
            + "its TTL", backend, SettingValues.format(Duration.ofNanos(requestTimeoutNanos)));
        break;
      } catch (ExecutionException e) {
        if (!isLeaseNotFound(unwrap(e))) {
          log.info("{}: lease revoke failed; its keys expire with its TTL: {}", backend,
              String.valueOf(unwrap(e)));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
  }

  // ------------------------------------------------------------------ errors

  static Throwable unwrap(Throwable t) {
    while ((t instanceof java.util.concurrent.CompletionException
        || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Whether etcd answered that the lease does not exist (expired, revoked, never granted). */
  static boolean isLeaseNotFound(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof EtcdException && ((EtcdException) c).getErrorCode() == ErrorCode.NOT_FOUND) {
        return true;
      }
      String message = c.getMessage();
      if (message != null && message.contains("requested lease not found")) {
        return true;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }
}
