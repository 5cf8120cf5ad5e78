package io.github.election.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.github.election.spi.Candidate;
import io.github.election.spi.CandidateContext;
import io.github.election.spi.Confirmation;
import io.github.election.spi.ElectionSettings;
import io.github.election.spi.Observation;
import io.github.election.spi.OpenCandidate;
import io.github.election.spi.SettingValues;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One candidate of one election in etcd, laid out as etcd's own election recipe
 * ({@code concurrency.Election}) does: a key {@code <prefix>/<name>/<lease id in hex>} bound to
 * the backend's lease, whose value is the identity; the key with the lowest create revision
 * leads, and its create revision is the term.
 *
 * <p><b>Poll.</b> Sent after the poll was called. Once our key is known to exist, a read-only
 * transaction reads it and the first key of the election (lowest create revision): a
 * linearizable read, which etcd answers without a raft write. Before that (first round, after a
 * release, after the key vanished) a transaction puts our key if it is missing (enrols) and
 * reads the same. Either answer shows the store as it was after the poll started. In parallel
 * the shared lease is made sure to be confirmed beyond the renew deadline of this poll (see
 * {@link SharedLease#ensureFresh}). {@code LEADING} is reported only when both hold: our key is
 * the first one, and etcd cannot expire it before the engine's deadline for this poll has
 * passed.
 *
 * <p><b>Between changes no poll runs</b> (rule S5): each keep-alive of the shared lease, every P,
 * confirms every candidate whose key is on it and whose watch is live ({@link #confirmation}), so
 * a settled election costs etcd nothing but that one keep-alive per backend. A poll reads the
 * first <em>two</em> keys: when ours is second, the watch event that shows the first one deleted
 * after the poll makes us leader at once, confirmed from the last keep-alive the engine applied
 * (sent after the poll, on our key's lease), without another read: no key created later can come
 * before ours, and the lease outlives R from that keep-alive's send time.
 *
 * <p><b>After a release</b> the engine holds off (C2): no poll until another candidate was seen
 * leading or P has passed; the first poll after that enrols again, at the back. Enrolling at once
 * would also put a raft write just before the next leader's read, which then waits for it.
 *
 * <p><b>Watch.</b> After the first round a watch on the election's prefix tells the engine of
 * every change ({@link CandidateContext#changed()}), so that a handover waits for no timer. The
 * watch starts at etcd's current revision (a watch from a past revision is served by etcd's
 * catch-up loop, every 100 ms); when etcd confirms it, a revision later than the round's answer
 * means something changed in between, and the engine is asked for one more round. The deletion of
 * our own key that we did not ask for (lease revoked or expired, key deleted by hand) is reported
 * as {@code UNKNOWN} at once, since another candidate may lead from that revision on.
 *
 * <p>Thread-safety: the engine calls poll, release and leave one at a time; a poll it gave up on
 * (after R / 2) may still be under way, and its late answer is ignored (round numbers) or, when
 * it put our key back after leave(), the key is deleted (SharedLease.orphan). Watch
 * callbacks and lease-loss reports come from other threads. State is guarded by {@code this};
 * no jetcd call is made under that lock (jetcd calls our watch listener under a lock of its
 * own).
 */
final class EtcdCandidate implements Candidate {

  private static final Logger log = LoggerFactory.getLogger(EtcdCandidate.class);

  private final EtcdElectionBackend backend;
  private final SharedLease leases;
  private final CandidateContext context;
  private final ElectionSettings settings;
  private final String electionPrefix;
  private final ByteSequence electionPrefixBytes;
  private final ByteSequence identity;
  private final long renewNanos;
  private final long timeoutNanos;
  private final String label;
  private final GetOption first;
  private final AtomicReference<Watch.Watcher> watcher = new AtomicReference<>();

  // guarded by this
  private SharedLease.Grant lease;
  private String keyName;
  private ByteSequence key;
  private long ownRevision; // create revision of our key as last seen; 0 when it is not there
  private boolean leading; // the last round reported LEADING
  private long round; // number of the latest poll (or leave); answers of older ones are ignored
  private boolean releasing;
  private boolean left;
  private boolean watchBroken;
  private boolean watchLive; // etcd confirmed the current watch (its created notification came)
  private Object watchGeneration; // identifies the current watch in its callbacks
  private long watchedFrom; // revision of the round that started the current watch
  /**
   * The key of the only candidate ahead of ours, as the last round read it (then our key was
   * second), or null: when the watch shows it deleted after that round, ours is the first one.
   */
  private ByteSequence predecessor;
  private long predecessorSeenAt; // the revision of the round that read it
  /** The latest keep-alive confirmation the engine applied to this candidate, or null. */
  private Confirmation lastConfirmed;
  /**
   * Every key of the election, by key, as a leader knows them without asking: one read of the
   * election's keys, then the watch's events after that read's revision; null while not known.
   */
  private Map<ByteSequence, KeyValue> queue;
  private long queueRevision; // the revision of the read the queue started from
  private boolean queueReading;
  private long lastEventRevision; // the highest revision of an event the watch delivered

  EtcdCandidate(EtcdElectionBackend backend, SharedLease leases, CandidateContext context,
      String electionPrefix) {
    this.backend = backend;
    this.leases = leases;
    this.context = context;
    this.settings = context.settings();
    this.electionPrefix = electionPrefix;
    this.electionPrefixBytes = bytes(electionPrefix);
    // the key's value: the identity, and the priority when not 0 (docs/CONTROL.md)
    this.identity = bytes(OpenCandidate.encode(settings.identity(), settings.priority()));
    this.renewNanos = settings.renewDeadline().toNanos();
    this.timeoutNanos = renewNanos / 2; // every request gives up well before the renew deadline
    this.label = settings.name() + "/" + settings.identity();
    // the first two keys: the leader, and whether ours is next (see onWatch)
    this.first = GetOption.builder().isPrefix(true).withSortField(GetOption.SortTarget.CREATE)
        .withSortOrder(GetOption.SortOrder.ASCEND).withLimit(2).build();
  }

  ElectionSettings settings() {
    return settings;
  }

  /** The KV client of the backend's current jetcd client (replaced after connection failures). */
  private KV kv() {
    return backend.client().getKVClient();
  }

  /** The shared lease this candidate's keys are bound to. */
  SharedLease sharedLease() {
    return leases;
  }

  // ------------------------------------------------------------------ poll

  @Override
  public CompletionStage<Observation> poll() {
    long sentAt = System.nanoTime(); // not earlier than the engine's reading before the call
    long myRound;
    synchronized (this) {
      if (left) {
        return CompletableFuture.failedFuture(new IllegalStateException(label + " left"));
      }
      myRound = ++round;
    }
    CompletableFuture<Observation> turn = backend.turns().run(() -> leases.acquire()
        .thenCompose(grant -> roundTrip(grant, sentAt, myRound)));
    CompletableFuture<Observation> result = backend.within(turn, timeoutNanos, "poll of " + label);
    result.whenComplete((o, error) -> {
      if (error != null) {
        turn.cancel(false); // not sent if it still waits for its turn
      }
    });
    return result;
  }

  private CompletableFuture<Observation> roundTrip(SharedLease.Grant grant, long sentAt,
      long myRound) {
    ByteSequence myKey;
    String myName;
    synchronized (this) {
      if (left || myRound != round) {
        return CompletableFuture.completedFuture(Observation.unknown(label + " left"));
      }
      if (grant != lease) {
        lease = grant;
        keyName = leases.reserve(grant, electionPrefix);
        key = bytes(keyName);
        ownRevision = 0;
        leading = false;
        log.debug("{}: candidate key {}", label, keyName);
      }
      myKey = key;
      myName = keyName;
    }
    if (grant.isLost()) {
      return CompletableFuture.completedFuture(Observation.unknown(grant + " was lost"));
    }
    long known;
    synchronized (this) {
      known = ownRevision;
    }
    CompletableFuture<Boolean> fresh = leases.ensureFresh(grant, sentAt + renewNanos);
    CompletableFuture<TxnResponse> txn = known == 0 ? enrol(grant, myKey)
        : read(myKey).thenCompose(r -> hasKey(r, known) ? CompletableFuture.completedFuture(r)
            : enrol(grant, myKey));
    txn.whenComplete((response, error) -> {
      // An answer that comes after leave() (the poll timed out meanwhile) may have put our key
      // back: have it deleted. The name is never handed out again on this lease.
      boolean gone;
      synchronized (this) {
        gone = left;
      }
      if (gone && (error != null || !response.isSucceeded())) {
        leases.orphan(grant, myName);
      }
    });
    return txn.handle((response, error) -> {
      if (error != null) {
        Throwable cause = SharedLease.unwrap(error);
        if (SharedLease.isLeaseNotFound(cause)) {
          leases.lost(grant, "etcd refused to put a key on it: " + cause.getMessage());
          return CompletableFuture.completedFuture(Observation.unknown(grant + " was lost"));
        }
        return CompletableFuture.<Observation>failedFuture(cause);
      }
      return fresh.thenApply(isFresh -> evaluate(response, isFresh, grant, myRound));
    }).thenCompose(f -> f);
  }

  /** Reads our key and the first key of the election; read-only, so no raft write in etcd. */
  private CompletableFuture<TxnResponse> read(ByteSequence myKey) {
    return kv().txn()
        .Then(Op.get(myKey, GetOption.DEFAULT), Op.get(electionPrefixBytes, first))
        .commit();
  }

  /** Puts our key if it is missing, then reads it and the first key of the election. */
  private CompletableFuture<TxnResponse> enrol(SharedLease.Grant grant, ByteSequence myKey) {
    return kv().txn()
        .If(new Cmp(myKey, Cmp.Op.GREATER, CmpTarget.createRevision(0)))
        .Then(Op.get(myKey, GetOption.DEFAULT), Op.get(electionPrefixBytes, first))
        .Else(Op.put(myKey, identity, PutOption.builder().withLeaseId(grant.id).build()),
            Op.get(myKey, GetOption.DEFAULT), Op.get(electionPrefixBytes, first))
        .commit();
  }

  /** Whether a read found our key as we last saw it (else it vanished: enrol again). */
  private static boolean hasKey(TxnResponse response, long createRevision) {
    List<GetResponse> gets = response.getGetResponses();
    return !gets.isEmpty() && !gets.get(0).getKvs().isEmpty()
        && gets.get(0).getKvs().get(0).getCreateRevision() == createRevision;
  }

  private Observation evaluate(TxnResponse response, boolean fresh, SharedLease.Grant grant,
      long myRound) {
    List<GetResponse> gets = response.getGetResponses();
    if (gets.size() != 2 || gets.get(0).getKvs().isEmpty() || gets.get(1).getKvs().isEmpty()) {
      throw new IllegalStateException("unexpected transaction answer from etcd for " + label
          + ": " + gets.size() + " reads");
    }
    KeyValue mine = gets.get(0).getKvs().get(0);
    KeyValue head = gets.get(1).getKvs().get(0);
    if (mine.getLease() != grant.id) {
      throw new IllegalStateException("the key " + mine.getKey() + " of " + label
          + " is bound to lease " + Long.toHexString(mine.getLease()) + ", not to " + grant);
    }
    long revision = response.getHeader().getRevision();
    synchronized (this) {
      if (left) {
        return Observation.unknown(label + " is leaving the election");
      }
      if (myRound != round || lease != grant) {
        // nobody waits for this answer any more (timed out), or its lease was replaced
        return Observation.unknown("the answer to an earlier poll of " + label + " came late");
      }
      ownRevision = mine.getCreateRevision();
      leading = false;
      List<KeyValue> firstTwo = gets.get(1).getKvs();
      boolean second = firstTwo.size() > 1
          && firstTwo.get(1).getCreateRevision() == mine.getCreateRevision();
      predecessor = second ? head.getKey() : null;
      predecessorSeenAt = revision;
    }
    ensureWatch(revision);
    if (grant.isLost()) {
      return Observation.unknown(grant + " was lost");
    }
    if (head.getCreateRevision() == mine.getCreateRevision()) {
      if (!fresh) {
        throw new IllegalStateException("leads in etcd, but the keep-alive of " + grant
            + " was not confirmed; cannot vouch for the renew deadline");
      }
      synchronized (this) {
        if (myRound == round) {
          leading = true;
        }
      }
      learnQueue();
      return Observation.leading(mine.getCreateRevision());
    }
    return Observation.following(
        OpenCandidate.identityOf(head.getValue().toString(StandardCharsets.UTF_8)),
        head.getCreateRevision());
  }

  // ------------------------------------------------------------------ confirmations (S5)

  /**
   * A confirmation for the keep-alive of {@code grant} about to be sent, or null when this
   * candidate's key is not on that lease (not enrolled, lost, left) or its watch is not live:
   * a keep-alive confirms only candidates of its own lease, whose changes the watch reports.
   */
  Confirmation confirmation(SharedLease.Grant grant) {
    synchronized (this) {
      if (left || lease != grant || ownRevision == 0 || !watchLive || releasing) {
        return null;
      }
    }
    Confirmation token = context.confirmation();
    return new Confirmation() {
      @Override
      public boolean confirmed() {
        boolean applied = token.confirmed();
        if (applied) {
          synchronized (EtcdCandidate.this) {
            if (lease == grant) {
              lastConfirmed = token;
            }
          }
        }
        return applied;
      }

      @Override
      public boolean leading(long term) {
        return token.leading(term);
      }
    };
  }

  /**
   * Our key became the first one: its only predecessor, as the last round read it, was
   * deleted after that round, and no key created later can come before ours. Leads at once with
   * the latest keep-alive the engine applied (sent after that round, on our key's lease), without
   * another read; returns whether the engine took it. Holds no lock.
   */
  private boolean leadOnPredecessorDeleted(Confirmation confirmation, long term) {
    if (confirmation == null || !confirmation.leading(term)) {
      return false;
    }
    synchronized (this) {
      if (ownRevision == term && !left) {
        leading = true;
        predecessor = null;
      }
    }
    log.debug("{}: the key ahead of ours was deleted; leading in term {}", label, term);
    learnQueue();
    return true;
  }

  // ------------------------------------------------------------------ watch

  /**
   * Starts the watch unless one is on.
   *
   * @param answered the revision of the round's answer: changes after it and before the watch
   *     started are covered by one more round (see {@link #onWatch})
   */
  private void ensureWatch(long answered) {
    Watch.Watcher old = watcher.get();
    Object generation = new Object();
    synchronized (this) {
      if (left || (old != null && !watchBroken)) {
        return;
      }
      watchBroken = false;
      watchLive = false;
      watchGeneration = generation; // callbacks of the old watch no longer count
      watchedFrom = answered;
      queue = null; // learnt again from the new watch's start
    }
    if (old != null) {
      old.close();
    }
    Watch.Watcher w;
    try {
      w = backend.client().getWatchClient().watch(electionPrefixBytes,
          WatchOption.builder().isPrefix(true).withCreateNotify(true).withRequireLeader(true)
              .build(),
          Watch.listener(this::onWatch, this::onWatchError,
              () -> onWatchCompleted(generation)));
    } catch (RuntimeException e) {
      log.debug("{}: cannot watch {}: {}", label, electionPrefix, e.toString());
      synchronized (this) {
        watchBroken = true;
      }
      return;
    }
    if (!watcher.compareAndSet(old, w)) {
      w.close();
      return;
    }
    boolean closeNow;
    synchronized (this) {
      closeNow = left;
    }
    if (closeNow && watcher.compareAndSet(w, null)) {
      w.close();
    }
  }

  private void onWatch(WatchResponse response) {
    Observation lostKey = null;
    Confirmation confirmation = null;
    long term = 0;
    boolean others = false; // events other than the predecessor's deletion
    synchronized (this) {
      if (left) {
        return;
      }
      if (response.isCreatedNotify()) {
        watchLive = true;
        // etcd started the watch (or jetcd resumed it) at this revision: a round covers what
        // changed since the answer the watch was started from
        if (response.getHeader().getRevision() <= watchedFrom) {
          return;
        }
        watchedFrom = response.getHeader().getRevision();
      }
      for (WatchEvent event : response.getEvents()) {
        KeyValue kv = event.getKeyValue();
        lastEventRevision = Math.max(lastEventRevision, kv.getModRevision());
        if (queue != null && kv.getModRevision() > queueRevision) {
          if (event.getEventType() == WatchEvent.EventType.DELETE) {
            queue.remove(kv.getKey());
          } else {
            queue.put(kv.getKey(), kv);
          }
        }
        if (event.getEventType() == WatchEvent.EventType.DELETE && predecessor != null
            && event.getKeyValue().getKey().equals(predecessor)
            && event.getKeyValue().getModRevision() > predecessorSeenAt && ownRevision > 0
            && !releasing) {
          confirmation = lastConfirmed;
          term = ownRevision;
          predecessor = null;
          continue;
        }
        others = true;
        if (event.getEventType() == WatchEvent.EventType.DELETE && key != null
            && event.getKeyValue().getKey().equals(key) && ownRevision > 0 && !releasing
            && event.getKeyValue().getModRevision() > ownRevision) {
          lostKey = Observation.unknown("our key " + keyName + " was deleted in etcd at revision "
              + event.getKeyValue().getModRevision());
          ownRevision = 0;
          leading = false;
        }
      }
    }
    if (response.isCreatedNotify()) {
      learnQueue();
    }
    if (lostKey != null) {
      SharedLease.Grant grant;
      synchronized (this) {
        grant = lease;
      }
      context.observed(lostKey); // leave LEADER before anyone can take over
      if (grant != null) {
        leases.probe(grant);
      }
    } else if (term > 0 && leadOnPredecessorDeleted(confirmation, term) && !others
        && !response.isCreatedNotify()) {
      return; // nothing else changed: no round needed
    }
    context.changed();
  }

  private void onWatchError(Throwable error) {
    log.debug("{}: watch of {} failed: {}", label, electionPrefix, String.valueOf(error));
    synchronized (this) {
      watchLive = false; // until jetcd resumes it (created notification)
      queue = null;
    }
    context.changed();
  }

  private void onWatchCompleted(Object generation) {
    synchronized (this) {
      if (left || generation != watchGeneration) {
        return; // we closed it, or an older watch ended
      }
      watchBroken = true; // jetcd gave up on it (compaction, no leader): the next poll renews it
      watchLive = false;
    }
    context.changed();
  }

  // ------------------------------------------------------------------ the queue a leader knows

  /**
   * A leader whose watch is live reads the election's keys once; from then on the watch's
   * events keep that list current ({@link #knownQueue}). A read answered after the watch
   * delivered an event newer than it is dropped (the event was not applied to it): the next
   * round or created notification reads again.
   */
  private void learnQueue() {
    synchronized (this) {
      if (left || !leading || !watchLive || queue != null || queueReading) {
        return;
      }
      queueReading = true;
    }
    backend.queueOf(settings.name()).whenComplete((response, error) -> {
      synchronized (this) {
        queueReading = false;
        if (error != null || left || !leading || !watchLive || queue != null) {
          return;
        }
        long revision = response.getHeader().getRevision();
        if (lastEventRevision > revision) {
          return;
        }
        Map<ByteSequence, KeyValue> known = new HashMap<>();
        for (KeyValue kv : response.getKvs()) {
          known.put(kv.getKey(), kv);
        }
        queue = known;
        queueRevision = revision;
      }
    });
  }

  /**
   * The open candidates, the leader first, as this candidate knows them without asking etcd:
   * only while it leads {@code election} with a live watch and has read the election's keys
   * since that watch began; else null. What {@link EtcdElectionBackend#candidates} answers first,
   * so that a leader that resigns names its successor (rule K2) without a read before its delete.
   */
  List<OpenCandidate> knownQueue(String election) {
    if (!settings.name().equals(election)) {
      return null;
    }
    List<KeyValue> keys;
    synchronized (this) {
      if (left || !leading || releasing || !watchLive || watchBroken || queue == null) {
        return null;
      }
      keys = new ArrayList<>(queue.values());
    }
    keys.sort(Comparator.comparingLong(KeyValue::getCreateRevision));
    return EtcdElectionBackend.openCandidates(keys);
  }

  // ------------------------------------------------------------------ lease loss

  /** The backend's lease was lost: this candidate's key is gone or will be. */
  void leaseLost(SharedLease.Grant grant, String reason) {
    synchronized (this) {
      if (left || lease != grant) {
        return;
      }
      ownRevision = 0;
      leading = false;
      predecessor = null;
      lastConfirmed = null;
    }
    context.observed(Observation.unknown(reason));
  }

  // ------------------------------------------------------------------ release and leave

  @Override
  public CompletionStage<Void> release() {
    return deleteIfLeading();
  }

  private CompletableFuture<Void> deleteIfLeading() {
    ByteSequence myKey;
    long revision;
    synchronized (this) {
      if (left || !leading || ownRevision == 0) {
        return CompletableFuture.completedFuture(null); // not the leader in etcd: nothing to give up
      }
      myKey = key;
      revision = ownRevision;
      releasing = true;
    }
    CompletableFuture<TxnResponse> txn;
    try {
      txn = kv().txn()
          .If(new Cmp(myKey, Cmp.Op.EQUAL, CmpTarget.createRevision(revision)))
          .Then(Op.delete(myKey, DeleteOption.DEFAULT))
          .commit();
    } catch (RuntimeException e) {
      txn = CompletableFuture.failedFuture(e);
    }
    return backend.within(txn, timeoutNanos, "release of " + label).handle((response, error) -> {
      synchronized (this) {
        releasing = false;
        if (error == null) {
          // the next poll, after the engine's hold-off (C2), enrols again behind every other
          ownRevision = 0;
          leading = false;
        }
      }
      if (error != null) {
        throw new java.util.concurrent.CompletionException(SharedLease.unwrap(error));
      }
      log.debug("{}: released {} (revision {})", label, keyName, revision);
      return null;
    });
  }

  /**
   * resign(successor): if leading, reads the election's keys (by create revision) and deletes,
   * in one transaction conditioned on their create revisions, our key and the keys between it
   * and the successor's, so that the successor's key is the first one (docs/CONTROL.md); the
   * candidates whose keys went enrol again at the back. Without a key of the successor, or when
   * the transaction's condition fails (a key changed meanwhile), a plain release.
   */
  @Override
  public CompletionStage<Void> handOver(String successor, java.time.Duration timeout) {
    long revision;
    synchronized (this) {
      if (left || !leading || ownRevision == 0) {
        return CompletableFuture.completedFuture(null);
      }
      revision = ownRevision;
    }
    CompletableFuture<GetResponse> all;
    try {
      all = kv().get(electionPrefixBytes, GetOption.builder().isPrefix(true)
          .withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.ASCEND)
          .build());
    } catch (RuntimeException e) {
      all = CompletableFuture.failedFuture(e);
    }
    return backend.within(all, timeoutNanos, "handover read of " + label).thenCompose(r -> {
      List<KeyValue> keys = r.getKvs();
      int to = -1;
      for (int i = 1; i < keys.size() && to < 0; i++) {
        if (successor.equals(OpenCandidate.identityOf(
            keys.get(i).getValue().toString(StandardCharsets.UTF_8)))) {
          to = i;
        }
      }
      if (keys.isEmpty() || keys.get(0).getCreateRevision() != revision || to < 0) {
        if (to < 0) {
          log.info("{}: no candidate named {} in the election; releasing", label,
              SettingValues.printable(successor));
        }
        return deleteIfLeading();
      }
      List<KeyValue> gone = keys.subList(0, to);
      Cmp[] unchanged = new Cmp[gone.size()];
      Op[] deletes = new Op[gone.size()];
      for (int i = 0; i < gone.size(); i++) {
        KeyValue kv = gone.get(i);
        unchanged[i] = new Cmp(kv.getKey(), Cmp.Op.EQUAL,
            CmpTarget.createRevision(kv.getCreateRevision()));
        deletes[i] = Op.delete(kv.getKey(), DeleteOption.DEFAULT);
      }
      synchronized (this) {
        if (left || ownRevision != revision) {
          return CompletableFuture.<Void>completedFuture(null);
        }
        releasing = true;
      }
      CompletableFuture<TxnResponse> txn;
      try {
        txn = kv().txn().If(unchanged).Then(deletes).commit();
      } catch (RuntimeException e) {
        txn = CompletableFuture.failedFuture(e);
      }
      return backend.within(txn, timeoutNanos, "handover of " + label).handle((t, error) -> {
        synchronized (this) {
          releasing = false;
          if (error == null && t.isSucceeded()) {
            ownRevision = 0;
            leading = false;
          }
        }
        if (error != null) {
          throw new java.util.concurrent.CompletionException(SharedLease.unwrap(error));
        }
        return t.isSucceeded();
      }).thenCompose(done -> {
        if (done) {
          log.debug("{}: handed over to {} (deleted {} keys)", label,
              SettingValues.printable(successor), gone.size());
          return CompletableFuture.<Void>completedFuture(null);
        }
        return deleteIfLeading(); // a key changed since the read
      });
    });
  }

  @Override
  public CompletionStage<Void> leave() {
    SharedLease.Grant grant;
    String name;
    synchronized (this) {
      if (left) {
        return CompletableFuture.completedFuture(null);
      }
      left = true;
      round++;
      grant = lease;
      name = keyName;
      leading = false;
      ownRevision = 0;
    }
    Watch.Watcher w = watcher.getAndSet(null);
    if (w != null) {
      w.close();
    }
    backend.removed(this);
    if (grant == null || grant.isLost()) {
      return CompletableFuture.completedFuture(null);
    }
    // The name is ours alone on this lease, so delete it without condition: that also removes a
    // key that a poll whose answer was lost may have written.
    CompletableFuture<?> delete;
    try {
      delete = kv().delete(bytes(name));
    } catch (RuntimeException e) {
      delete = CompletableFuture.failedFuture(e);
    }
    return backend.within(delete, timeoutNanos, "leave of " + label).handle((r, error) -> {
      if (error == null) {
        log.debug("{}: deleted {}", label, name);
        return null;
      }
      leases.orphan(grant, name); // retried with the keep-alives until it is gone
      throw new java.util.concurrent.CompletionException(SharedLease.unwrap(error));
    });
  }

  /**
   * The backend closes before this candidate left: its lease is about to be revoked, so others
   * may lead at once. Tells the engine UNKNOWN first (it leaves LEADER before the revoke) and
   * closes the watch.
   */
  void abandon() {
    synchronized (this) {
      if (left) {
        return;
      }
      left = true;
      leading = false;
      ownRevision = 0;
    }
    context.observed(Observation.unknown("the etcd backend was closed"));
    Watch.Watcher w = watcher.getAndSet(null);
    if (w != null) {
      w.close();
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "EtcdCandidate{" + label + "}";
  }
}
