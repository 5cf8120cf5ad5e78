package io.github.election.kubernetes;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one watch of a backend on one Lease name, shared by the backend's candidates of that
 * election. It hands each candidate every version of the Lease it delivers; while it is healthy
 * ({@link #healthy()}: established, not ended since, and an event within half the renew
 * deadline, which a live holder's renewals every P provide) a follower answers its polls from
 * those, with no request. It never reconnects by itself (fabric8's reconnect limit is 0): an end
 * is reported to the candidates as a possible unseen change, and their next poll reads and starts
 * a new watch (at most once a second), so that no event missed in a gap goes unnoticed.
 * Compare-and-set writes stay the source of truth for leaders, so a watch that is wrong or down
 * costs requests and latency, never safety. Closed with its last member or with the backend.
 *
 * <p><b>Starting.</b> fabric8's {@code watch()} blocks until its WebSocket handshake is
 * answered, and no request timeout bounds that handshake: behind an address that accepts TCP
 * and never answers it blocks until the connection is reset. So a start runs on a thread of
 * its own ({@code election-kubernetes-watch-...}), never on the backend's request pool, whose
 * threads the polls need; one start at a time, interrupted by {@link #close()}. (A handshake
 * that completes after that interrupt leaves a WebSocket that only the client's close ends.)
 */
final class LeaseWatch implements Watcher<Lease> {

  private static final Logger log = LoggerFactory.getLogger(LeaseWatch.class);
  private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final KubernetesElectionBackend backend;
  private final String leaseName;
  private final int timeoutMillis;
  private final int reconnectMillis;
  private final long aliveNanos;
  private final Set<LeaseStore> members = new CopyOnWriteArraySet<>();
  private final Set<Waiter> waiters = new CopyOnWriteArraySet<>();

  /** A future completed by the first event whose Lease satisfies a condition. */
  private static final class Waiter {
    final java.util.function.Predicate<Lease> condition;
    final CompletableFuture<Void> future = new CompletableFuture<>();

    Waiter(java.util.function.Predicate<Lease> condition) {
      this.condition = condition;
    }
  }

  // guarded by this
  private Watch handle;
  private Thread starter;
  private long startedAt;
  private boolean closed;
  private long retryAt = System.nanoTime();
  private boolean warned;
  /** When the watch last showed that it delivers: established, or an event. */
  private long aliveAt;

  /**
   * @param aliveNanos how long after its last event (or its start) the watch still counts as
   *     healthy
   */
  LeaseWatch(KubernetesElectionBackend backend, String leaseName, int timeoutMillis,
      int reconnectMillis, long aliveNanos) {
    this.backend = backend;
    this.leaseName = leaseName;
    this.timeoutMillis = timeoutMillis;
    this.reconnectMillis = reconnectMillis;
    this.aliveNanos = aliveNanos;
  }

  /**
   * Whether the watch runs, has not ended since it was established, and delivered an event (or
   * was established) within the alive bound: a watch on a silent connection stops counting as
   * healthy once no renewal of the holder has come through for that long.
   */
  synchronized boolean healthy() {
    return handle != null && !closed && System.nanoTime() - aliveAt < aliveNanos;
  }

  void add(LeaseStore c) {
    members.add(c);
  }

  boolean remove(LeaseStore c) {
    return members.remove(c);
  }

  boolean isEmpty() {
    return members.isEmpty();
  }

  /**
   * Starts the watch on a thread of its own, unless it runs, is starting, or failed (or ended)
   * less than a second ago.
   */
  void ensureStarted() {
    synchronized (this) {
      if (closed || backend.isClosed() || handle != null || starter != null
          || System.nanoTime() - retryAt < 0) {
        return;
      }
      Thread t = new Thread(this::open, "election-kubernetes-watch-" + leaseName);
      t.setDaemon(true);
      starter = t;
      startedAt = System.nanoTime();
      t.start(); // under the lock: close() interrupts a thread that runs, never one not yet started
    }
  }

  private void open() {
    Watch w;
    try {
      w = backend.leases(timeoutMillis, reconnectMillis).withName(leaseName).watch(this);
    } catch (RuntimeException e) {
      synchronized (this) {
        starter = null;
        retryAt = System.nanoTime() + RETRY_NANOS;
      }
      if (e instanceof KubernetesClientException && ((KubernetesClientException) e).getCode() == 403) {
        warnOnce("{}: cannot watch Lease {}: {}; handovers wait for the retry period",
            backend.label(), leaseName,
            Forbidden.describe("watch", backend, (KubernetesClientException) e));
      } else {
        log.debug("{}: watch of Lease {} on API server {} failed to start; polls go on: {}",
            backend.label(), leaseName, backend.apiServer(), e.toString());
      }
      return;
    }
    boolean keep;
    synchronized (this) {
      starter = null;
      keep = !closed;
      if (keep) {
        handle = w;
        aliveAt = System.nanoTime();
        warned = false;
      }
    }
    if (!keep) {
      w.close();
      return;
    }
    log.debug("{}: watching Lease {}", backend.label(), leaseName);
    // the Lease may have changed while the watch was not running
    members.forEach(LeaseStore::storeChanged);
  }

  private void warnOnce(String format, Object... args) {
    boolean first;
    synchronized (this) {
      first = !warned;
      warned = true;
    }
    if (first) {
      log.warn(format, args);
    } else {
      log.debug(format, args);
    }
  }

  /** Completes at the first event whose Lease satisfies the condition (or never). */
  CompletableFuture<Void> nextEvent(java.util.function.Predicate<Lease> condition) {
    Waiter w = new Waiter(condition);
    waiters.add(w);
    w.future.whenComplete((v, e) -> waiters.remove(w));
    return w.future;
  }

  @Override
  public void eventReceived(Action action, Lease lease) {
    synchronized (this) {
      aliveAt = System.nanoTime();
    }
    for (LeaseStore c : members) {
      c.onWatchEvent(action, lease);
    }
    for (Waiter w : waiters) {
      if (lease != null && w.condition.test(lease)) {
        w.future.complete(null);
      }
    }
  }

  @Override
  public void onClose(WatcherException cause) {
    synchronized (this) {
      handle = null;
      // at once, unless this watch started less than a second ago (no loop of starts and ends)
      retryAt = startedAt + RETRY_NANOS;
    }
    log.debug("{}: watch of Lease {} ended: {}; the next poll restarts it", backend.label(),
        leaseName, cause.toString());
    members.forEach(LeaseStore::storeChanged);
  }

  @Override
  public void onClose() {
    synchronized (this) {
      handle = null;
    }
  }

  /** Stops the watch for good. */
  void close() {
    Watch w;
    Thread t;
    synchronized (this) {
      closed = true;
      w = handle;
      handle = null;
      t = starter;
    }
    if (t != null) {
      t.interrupt(); // a start waiting for a handshake that may never be answered
    }
    members.clear();
    if (w != null) {
      try {
        w.close();
      } catch (RuntimeException e) {
        log.debug("{}: closing the watch of Lease {}: {}", backend.label(), leaseName,
            e.toString());
      }
    }
  }
}
