package io.github.election.zookeeper;

import io.github.election.spi.Confirmation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request per retry period on the backend's session that confirms every candidate of the
 * session at once (rule S5), so that a candidate needs a round only when its election changed:
 * the store's load does not grow with the number of elections.
 *
 * <p>Every P (the shortest retry period of the backend's candidates, or half the shortest renew
 * deadline if that is shorter, so that a late answer still comes in time) it takes a {@link
 * Confirmation} of each candidate whose node belongs to the current session, then sends one
 * {@code exists} of the base path; once ZooKeeper answered on the same session, every
 * confirmation is completed. ZooKeeper answers a session's requests in order and delivers a
 * watch event before the answers of the requests that follow the change: a candidate whose
 * election changed has told the engine ({@code changed()}) before its confirmation comes, and the
 * engine then waits for the round. Curator retries a request that met a connection loss; its
 * confirmation then counts from the first send, which only shortens the deadline.
 *
 * <p>The engine applies a confirmation only to a view from a round sent before it, with no
 * change reported since; the backend's part is to confirm only candidates whose node lives in
 * the session that answered. No heartbeat is sent while the client is not connected or has
 * no candidates with a node.
 */
final class SessionHeartbeat {

  private static final Logger log = LoggerFactory.getLogger(SessionHeartbeat.class);

  private final ZooKeeperElectionBackend backend;
  // guarded by this
  private ScheduledFuture<?> next;
  private long periodNanos = Long.MAX_VALUE;
  private boolean stopped;

  SessionHeartbeat(ZooKeeperElectionBackend backend) {
    this.backend = backend;
  }

  /** Makes sure heartbeats run at least every {@code periodNanos} (a candidate joined). */
  synchronized void start(long period) {
    if (stopped || period >= periodNanos) {
      return;
    }
    periodNanos = period;
    if (next != null) {
      next.cancel(false);
    }
    schedule();
  }

  synchronized void stop() {
    stopped = true;
    if (next != null) {
      next.cancel(false);
    }
  }

  /** Holds this. */
  private void schedule() {
    try {
      next = backend.io().schedule(this::beat, periodNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      stopped = true; // closing
    }
  }

  private void beat() {
    try {
      send();
    } catch (RuntimeException e) {
      log.debug("{}: session heartbeat not sent: {}", backend.label(), e.toString());
    } finally {
      synchronized (this) {
        if (!stopped) {
          schedule();
        }
      }
    }
  }

  private void send() {
    if (backend.isClosed() || !backend.connected() || backend.isSuspended()) {
      return;
    }
    long session = backend.sessionId();
    if (session == 0) {
      return;
    }
    List<Confirmation> confirmations = new ArrayList<>();
    for (ZooKeeperCandidate c : backend.candidates()) {
      Confirmation confirmation = c.confirmation(session);
      if (confirmation != null) {
        confirmations.add(confirmation);
      }
    }
    if (confirmations.isEmpty()) {
      return;
    }
    try {
      backend.client().checkExists().inBackground((client, event) -> {
        KeeperException.Code code = KeeperException.Code.get(event.getResultCode());
        if ((code == KeeperException.Code.OK || code == KeeperException.Code.NONODE)
            && !backend.isSuspended() && backend.connected() && backend.sessionId() == session) {
          confirmations.forEach(Confirmation::confirmed);
        } else {
          log.debug("{}: session heartbeat answered {}; nothing confirmed", backend.label(),
              code);
        }
      }).forPath(backend.basePath());
    } catch (Exception e) {
      log.debug("{}: session heartbeat failed: {}", backend.label(), e.toString());
    }
  }
}
