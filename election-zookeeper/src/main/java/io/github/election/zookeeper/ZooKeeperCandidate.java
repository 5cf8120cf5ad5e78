package io.github.election.zookeeper;

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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.curator.framework.WatcherRemoveCuratorFramework;
import org.apache.curator.framework.api.BackgroundCallback;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One candidate of one election on ZooKeeper: a recipe of its own on curator-framework, with
 * the node layout of Curator's {@code LeaderLatch}.
 *
 * <p>Why not {@code LeaderLatch} itself: the engine needs each round to be a fresh look at the
 * server that reports the leader's identity and term, and a latch answers {@code
 * hasLeadership()} from memory, with no term; its followers watch only their predecessor, so
 * most of them would not learn of a new leader until their next poll; it turns a suspended
 * connection into "not leader" where the honest answer is "unknown"; and a released latch
 * cannot be started again. This recipe keeps the latch's node layout, so both interoperate.
 *
 * <p>A round ({@link #poll()}): make sure the own node exists (create it, ephemeral sequential
 * and protected, if this candidate has none), list the election's children with a watch, and
 * either report {@code LEADING(czxid of the own node)} when the own node is the first
 * candidate node, or read the first candidate node's data and stat and report {@code
 * FOLLOWING(its data, its czxid)}. Children that are no candidate nodes (a foreign name, or
 * persistent: see {@link CandidateNodes}) are skipped, so a node planted by another client
 * neither leads nor blocks the election. The watch
 * on the children calls {@link CandidateContext#changed()}, so that a handover takes one change
 * notification plus one round, not a retry period.
 *
 * <p>A leader does not run a round for every change of the children (followers joining or
 * leaving behind it cannot end its leadership): it re-reads the children itself, re-arming the
 * watch, and asks for a round only when its own node is no longer the first. So a leader that
 * resigns just after followers joined has no round under way that the engine must wait for.
 *
 * <p>After {@link #release()} the engine holds off (C2): no poll until another candidate was seen
 * leading or P has passed; the first poll after that enrols again, at the back. Re-creating the
 * node at once would also put a write,
 * which ZooKeeper must log to disk, just before the new leader's read, and a read queues behind
 * a write that is not flushed yet.
 *
 * <p>The engine calls rounds and releases one after the other and bounds each by half the renew
 * deadline; a call it gave up on (its stage cancelled) is abandoned here. Requests are sent from
 * the calling thread while the client is connected
 * (Curator's background operations only queue a packet then), and from the backend's I/O thread
 * otherwise; their callbacks run on the client's event thread. A request that completes after
 * its operation gave up changes nothing the engine sees: a node created too late is kept for
 * the next round while the candidate is still enrolling, deleted otherwise ({@link #create}).
 */
final class ZooKeeperCandidate implements Candidate {

  /** The node name LeaderLatch uses (its LOCK_NAME): children are {@code _c_<uuid>-latch-<seq>}. */
  static final String LATCH_NAME = "latch-";

  private static final Logger log = LoggerFactory.getLogger(ZooKeeperCandidate.class);

  /** The own node of a candidate: path, name, term, and the session that owns it. */
  private static final class Node {
    final String path;
    final String name;
    final long czxid;
    final long session;

    Node(String path, long czxid, long session) {
      this.path = path;
      this.name = ZKPaths.getNodeFromPath(path);
      this.czxid = czxid;
      this.session = session;
    }

    @Override
    public String toString() {
      return name + "(czxid " + czxid + ", session 0x" + Long.toHexString(session) + ")";
    }
  }

  /** One call of the engine; abandoned once the engine gave up on it, then it changes nothing. */
  private static final class Op {
    final String what;
    final CompletableFuture<?> stage;

    Op(String what, CompletableFuture<?> stage) {
      this.what = what;
      this.stage = stage;
    }

    boolean abandoned() {
      return stage.isCancelled();
    }
  }

  /** Sends one background request; the callback completes it. */
  private interface Request {
    void send(BackgroundCallback callback) throws Exception;
  }

  private final ZooKeeperElectionBackend backend;
  private final CandidateContext context;
  private final WatcherRemoveCuratorFramework zk;
  private final String electionPath;
  private final String nodePath;
  private final byte[] identity;
  private final List<ACL> acl;
  private final long timeoutNanos;
  private final String label;
  private final Watcher watcher = this::watched;

  private final Object lock = new Object();
  private CompletableFuture<?> current = CompletableFuture.completedFuture(null); // guarded by lock
  private Node own; // guarded by lock
  private boolean leading; // guarded by lock: the last round found the own node first
  private final Set<String> stale = new LinkedHashSet<>(); // guarded by lock
  /** How many releases and handovers began: a node created before one is not kept. */
  private long givenUp; // guarded by lock
  /**
   * The children as the last listing showed them, while its watch has not fired since (the
   * client delivers the listing's answer, then the event of any later change, both on its
   * event thread); null otherwise.
   */
  private volatile List<String> listed;
  /**
   * What a leader read of the other nodes: a node's data never changes, so each is read once
   * ({@link #NOT_A_CANDIDATE} for a persistent node or one whose data names nobody).
   */
  private final Map<String, OpenCandidate> known = new ConcurrentHashMap<>();
  private static final OpenCandidate NOT_A_CANDIDATE = new OpenCandidate("-", 0);
  /** Children named like candidate nodes but found persistent: skipped while they are listed. */
  private final Set<String> persistent = ConcurrentHashMap.newKeySet();
  private volatile boolean left;

  ZooKeeperCandidate(ZooKeeperElectionBackend backend, CandidateContext context) {
    this.backend = backend;
    this.context = context;
    ElectionSettings s = context.settings();
    this.zk = backend.client().newWatcherRemoveCuratorFramework();
    this.electionPath = backend.electionPath(s.name());
    this.nodePath = ZKPaths.makePath(electionPath, LATCH_NAME);
    // the node's data: the identity, and the priority when not 0 (docs/CONTROL.md)
    this.identity = OpenCandidate.encode(s.identity(), s.priority())
        .getBytes(StandardCharsets.UTF_8);
    this.acl = backend.acl();
    this.timeoutNanos = s.renewDeadline().toNanos() / 2;
    this.label = backend.label() + ":" + s.name() + "/" + s.identity();
  }

  // ---------------------------------------------------------------- Candidate

  @Override
  public CompletionStage<Observation> poll() {
    return backend.turns().run(() -> run("poll", this::round));
  }

  @Override
  public CompletionStage<Void> release() {
    return run("release", this::yieldLeadership);
  }

  @Override
  public CompletionStage<Void> handOver(String successor, java.time.Duration timeout) {
    return run("handover", op -> handOver(op, successor));
  }

  @Override
  public CompletionStage<Void> leave() {
    Node node;
    List<String> leftovers;
    CompletableFuture<?> inFlight;
    synchronized (lock) {
      if (left) {
        return CompletableFuture.completedFuture(null);
      }
      left = true;
      node = own;
      own = null;
      leading = false;
      leftovers = new ArrayList<>(stale);
      stale.clear();
      inFlight = current;
    }
    backend.remove(this);
    if (!backend.isClosed()) {
      zk.removeWatchers();
      // a round still in flight may have set a watch after this: remove it when the round ends
      inFlight.whenComplete((x, e) -> {
        if (!backend.isClosed()) {
          zk.removeWatchers();
        }
      });
    }
    leftovers.forEach(this::deleteQuietly);
    if (node == null) {
      return CompletableFuture.completedFuture(null);
    }
    log.debug("{}: leaving, deleting {}", label, node);
    return delete(node.path);
  }

  // ---------------------------------------------------------------- from the backend

  /**
   * A confirmation for the session heartbeat about to be sent on {@code session}, or null when
   * this candidate has no node in that session (it left, has not enrolled, or its node belongs
   * to an earlier session): a heartbeat confirms only the candidates of its own session.
   */
  Confirmation confirmation(long session) {
    synchronized (lock) {
      if (left || own == null || own.session != session) {
        return null;
      }
    }
    return context.confirmation();
  }

  /** The connection came back: look again. */
  void reconnected() {
    if (!left) {
      context.changed();
    }
  }

  /** The client cannot tell who leads right now (SUSPENDED, READ_ONLY). */
  void cannotTell(String reason) {
    if (!left) {
      context.observed(Observation.unknown(reason));
    }
  }

  /**
   * The session ended (LOST): the own node is gone or going; the next round enrols again.
   *
   * @param reason names the connect string and the state
   */
  void sessionLost(String reason) {
    synchronized (lock) {
      if (own != null) {
        stale.add(own.path); // deleted on the next round, in case the old session lingers
        own = null;
      }
      leading = false;
    }
    cannotTell(reason + ": the ZooKeeper session expired (or Curator presumes it did); the "
        + "candidate enrols again with a new node");
  }

  /** The backend closes while this candidate is still open. */
  void abandon() {
    leave();
    context.observed(Observation.unknown("zookeeper backend closed"));
  }

  // ---------------------------------------------------------------- the operations

  private CompletableFuture<Observation> round(Op op) {
    if (backend.isClosed()) {
      throw new IllegalStateException(backend.label() + " is closed");
    }
    if (!backend.connected()) {
      if (!backend.firstConnection().isDone()) {
        return awaitFirstConnection().thenCompose(connected -> connected ? round(op)
            : CompletableFuture.completedFuture(
                Observation.unknown(backend.notConnectedReason())));
      }
      // the store cannot be asked: say why (RECONNECTED brings a round at once)
      return CompletableFuture.completedFuture(Observation.unknown(backend.notConnectedReason()));
    }
    String problem = backend.negotiatedProblem(context.settings().renewDeadline());
    if (problem != null) {
      return CompletableFuture.completedFuture(Observation.unknown(problem));
    }
    long session = backend.sessionId();
    Node node;
    synchronized (lock) {
      node = own;
      if (node != null && node.session != session) {
        // a new session: the old node dies with the old one; this round confirms nothing
        stale.add(node.path);
        own = null;
        leading = false;
        log.info("{}: session changed (0x{} -> 0x{}); enrolling again", label,
            Long.toHexString(node.session), Long.toHexString(session));
        return CompletableFuture.completedFuture(Observation.unknown(
            "ZooKeeper session changed; the candidate enrols again with a new node"));
      }
    }
    purgeStale();
    CompletableFuture<Node> ensured = node != null ? CompletableFuture.completedFuture(node)
        : create(op);
    return ensured.thenCompose(n -> look(op, n, 0));
  }

  /**
   * The client is making its first connection: waits for it, for half of this round's time at
   * most (a quarter of the renew deadline), so that a round at start does not report UNKNOWN
   * for the milliseconds a connection takes, and one that finds no store ends with the reason
   * why, not with its timeout. Completes with whether the client connected.
   */
  private CompletableFuture<Boolean> awaitFirstConnection() {
    CompletableFuture<Boolean> connected = new CompletableFuture<>();
    backend.firstConnection().thenRun(() -> connected.complete(true));
    try {
      ScheduledFuture<?> timer = backend.io().schedule(() -> connected.complete(false),
          timeoutNanos / 2, TimeUnit.NANOSECONDS);
      connected.whenComplete((v, e) -> timer.cancel(false));
    } catch (RejectedExecutionException e) {
      connected.complete(false); // closed
    }
    return connected;
  }

  /**
   * Lists the children, decides who leads (the first live candidate node, see {@link
   * CandidateNodes}), reads the leader's node when it is another.
   */
  private CompletableFuture<Observation> look(Op op, Node node, int attempt) {
    checkActive(op);
    return children().thenCompose(children -> {
      if (!children.contains(node.name)) {
        synchronized (lock) {
          if (own == node) {
            own = null;
            leading = false;
          }
        }
        log.info("{}: own node {} is gone (session expired or node deleted); enrolling again",
            label, node);
        if (attempt >= 2) {
          throw new IllegalStateException("own node " + node.name + " vanished again");
        }
        return create(op).thenCompose(n -> look(op, n, attempt + 1));
      }
      List<String> order = CandidateNodes.order(children, node.name, persistent);
      return firstLive(order, node.name).thenCompose(first -> {
        if (first.vanished) {
          if (attempt >= 3) {
            throw new IllegalStateException("leader node " + first.name + " keeps vanishing");
          }
          return look(op, node, attempt + 1); // the leader just left: look again
        }
        if (first.isNone()) { // cannot be: the own node is listed
          throw new IllegalStateException("own node " + node.name + " not found among "
              + order);
        }
        if (first.name.equals(node.name)) {
          learn(order, node.name);
          return CompletableFuture.completedFuture(
              conclude(op, node, Observation.leading(node.czxid)));
        }
        return CompletableFuture.completedFuture(conclude(op, node,
            Observation.following(first.identity, first.czxid)));
      });
    });
  }

  /** Lists the election's children, setting the watch; none when the election node is missing. */
  private CompletableFuture<List<String>> children() {
    return call(cb -> zk.getChildren().usingWatcher(watcher).inBackground((c, event) -> {
      if (KeeperException.Code.get(event.getResultCode()) == KeeperException.Code.OK) {
        listed = List.copyOf(event.getChildren()); // before any event of a later change
      }
      cb.processResult(c, event);
    }).forPath(electionPath))
        .thenApply(event -> {
          if (KeeperException.Code.get(event.getResultCode()) == KeeperException.Code.NONODE) {
            return List.of();
          }
          require(event, KeeperException.Code.OK);
          return event.getChildren();
        });
  }

  /**
   * The open candidates, leader first, as this candidate knows them without asking ZooKeeper:
   * only while it leads, its last listing's watch has not fired since, and it read every other
   * node listed; else null. What {@link ZooKeeperElectionBackend#candidates} answers first, so
   * that a leader that resigns names its successor (rule K2) without a read before its delete.
   */
  List<OpenCandidate> knownQueue(String election) {
    if (!context.settings().name().equals(election)) {
      return null;
    }
    List<String> names = listed;
    Node node;
    synchronized (lock) {
      node = leading && !left ? own : null;
    }
    if (names == null || node == null) {
      return null;
    }
    List<OpenCandidate> queue = new ArrayList<>();
    for (String name : CandidateNodes.order(names, node.name, persistent)) {
      OpenCandidate c = name.equals(node.name) ? OpenCandidate.decode(
          new String(identity, StandardCharsets.UTF_8)) : known.get(name);
      if (c == null) {
        return null;
      }
      if (c != NOT_A_CANDIDATE) {
        queue.add(c);
      }
    }
    return listed == names ? queue : null;
  }

  /** A leader reads, once, the data of the nodes it has not read yet (for {@link #knownQueue}). */
  private void learn(List<String> order, String ownName) {
    known.keySet().retainAll(order);
    for (String name : order) {
      if (name.equals(ownName) || known.containsKey(name)) {
        continue;
      }
      call(cb -> zk.getData().inBackground(cb).forPath(ZKPaths.makePath(electionPath, name)))
          .thenAccept(event -> {
            KeeperException.Code code = KeeperException.Code.get(event.getResultCode());
            if (code != KeeperException.Code.OK) {
              return; // gone: the watch reports it
            }
            OpenCandidate c = CandidateNodes.candidateOf(event);
            known.put(name, c == null ? NOT_A_CANDIDATE : c);
          });
    }
  }

  /** The first live candidate of order: own, or another whose node this reads. */
  private CompletableFuture<CandidateNodes.First> firstLive(List<String> order, String ownName) {
    return CandidateNodes.first(order, ownName, persistent,
        name -> call(cb -> zk.getData().inBackground(cb)
            .forPath(ZKPaths.makePath(electionPath, name))),
        name -> backend.reportPersistent(electionPath, name));
  }

  /**
   * The observation of a round, unless the round lost its footing meanwhile: the own node was
   * dropped (LOST), the session changed, or the connection is suspended.
   */
  private Observation conclude(Op op, Node node, Observation seen) {
    long session = backend.sessionId(); // read outside the lock: it calls into Curator
    synchronized (lock) {
      if (op.abandoned() || left) {
        return Observation.unknown("round abandoned");
      }
      if (own != node) {
        return Observation.unknown("own node dropped during the round");
      }
      if (session != node.session) {
        stale.add(node.path);
        own = null;
        leading = false;
        return Observation.unknown(
            "ZooKeeper session changed; the candidate enrols again with a new node");
      }
      leading = seen.kind() == Observation.Kind.LEADING;
    }
    if (backend.isSuspended()) {
      return Observation.unknown(backend.stateReason(ConnectionState.SUSPENDED));
    }
    return seen;
  }

  /**
   * Creates the own node. A node that arrives after the round gave up (the engine's timeout: a
   * store slow to answer, thousands of elections starting at once) is kept as the own node when
   * the candidate is still enrolling on that session, for the next round to find: deleting it
   * would wake every candidate of the election and make the next round write again. It is
   * deleted when the candidate left, released or handed over since, or has a node already.
   */
  private CompletableFuture<Node> create(Op op) {
    checkActive(op);
    long givenUpBefore;
    synchronized (lock) {
      givenUpBefore = givenUp;
    }
    return call(cb -> {
      var mode = zk.create().creatingParentContainersIfNeeded().withProtection()
          .withMode(CreateMode.EPHEMERAL_SEQUENTIAL);
      (acl == null ? mode : mode.withACL(acl, true)).inBackground(cb).forPath(nodePath, identity);
    }).thenCompose(event -> {
      require(event, KeeperException.Code.OK);
      String path = event.getName();
      Stat stat = event.getStat();
      if (stat != null && stat.getCzxid() != 0) {
        return CompletableFuture.completedFuture(new Node(path, stat.getCzxid(),
            stat.getEphemeralOwner()));
      }
      // Curator found its protected node after a connection loss: read its stat
      return call(cb -> zk.checkExists().inBackground(cb).forPath(path)).thenApply(ex -> {
        if (ex.getStat() == null) {
          throw new CompletionException(KeeperException.create(KeeperException.Code.NONODE, path));
        }
        return new Node(path, ex.getStat().getCzxid(), ex.getStat().getEphemeralOwner());
      });
    }).thenApply(node -> {
      boolean keep;
      long session = backend.sessionId(); // read outside the lock: it calls into Curator
      synchronized (lock) {
        keep = !left && own == null && node.session == session && givenUp == givenUpBefore;
        if (keep) {
          own = node;
        }
      }
      if (!keep) {
        deleteQuietly(node.path);
        throw new IllegalStateException("node " + node.name + " came too late; deleted");
      }
      if (op.abandoned()) {
        log.debug("{}: {} arrived after the round gave up; kept for the next round", label, node);
        throw new IllegalStateException(op.what + " abandoned");
      }
      log.debug("{}: enrolled with {}", label, node);
      backend.checkElectionAcl(electionPath);
      return node;
    });
  }

  /**
   * release(): if leading, delete the own node; the candidate enrols again, at the back of the
   * queue, with the first poll after the engine's hold-off (C2).
   */
  private CompletableFuture<Void> yieldLeadership(Op op) {
    Node node;
    synchronized (lock) {
      givenUp++;
      if (!leading || own == null) {
        return CompletableFuture.completedFuture(null);
      }
      node = own;
      own = null;
      leading = false;
    }
    log.debug("{}: releasing, deleting {}", label, node);
    return delete(node.path);
  }

  /**
   * resign(successor): if leading, delete in one {@code multi} the own node and the candidate
   * nodes between it and the successor's, so that the successor's node is the first one
   * (docs/CONTROL.md); the candidates whose nodes went enrol again at the back. Without a node
   * of the successor, or when the multi fails (a node changed meanwhile), a plain release.
   */
  private CompletableFuture<Void> handOver(Op op, String successor) {
    Node node;
    synchronized (lock) {
      givenUp++;
      if (!leading || own == null) {
        return CompletableFuture.completedFuture(null);
      }
      node = own;
    }
    return children().thenCompose(children -> {
      List<String> order = CandidateNodes.order(children, node.name, persistent);
      if (order.isEmpty() || !order.get(0).equals(node.name)) {
        return yieldLeadership(op); // not first any more: nothing to hand over
      }
      List<CompletableFuture<CuratorEvent>> reads = new ArrayList<>();
      for (String name : order.subList(1, order.size())) {
        reads.add(call(cb -> zk.getData().inBackground(cb)
            .forPath(ZKPaths.makePath(electionPath, name))));
      }
      return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenCompose(v -> {
        int to = -1;
        byte[] wanted = successor.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < reads.size() && to < 0; i++) {
          CuratorEvent e = reads.get(i).join();
          if (KeeperException.Code.get(e.getResultCode()) == KeeperException.Code.OK
              && e.getStat() != null && e.getStat().getEphemeralOwner() != 0
              && CandidateNodes.isIdentity(e.getData(), wanted)) {
            to = i + 1;
          }
        }
        if (to < 0) {
          log.info("{}: no candidate named {} in the election; releasing", label,
              SettingValues.printable(successor));
          return yieldLeadership(op);
        }
        List<String> gone = order.subList(0, to);
        List<org.apache.curator.framework.api.transaction.CuratorOp> ops = new ArrayList<>();
        for (String name : gone) {
          try {
            ops.add(zk.transactionOp().delete().forPath(ZKPaths.makePath(electionPath, name)));
          } catch (Exception e) {
            throw new CompletionException(e);
          }
        }
        synchronized (lock) {
          if (own != node) {
            return CompletableFuture.completedFuture(null);
          }
          own = null;
          leading = false;
        }
        log.debug("{}: handing over to {}: deleting {}", label,
            SettingValues.printable(successor), gone);
        return call(cb -> zk.transaction().inBackground(cb).forOperations(ops))
            .thenCompose(event -> {
              if (KeeperException.Code.get(event.getResultCode()) == KeeperException.Code.OK) {
                return CompletableFuture.<Void>completedFuture(null);
              }
              log.debug("{}: handover multi failed ({}); releasing", label,
                  KeeperException.Code.get(event.getResultCode()));
              return delete(node.path);
            });
      });
    });
  }

  private void purgeStale() {
    List<String> paths;
    synchronized (lock) {
      paths = new ArrayList<>(stale);
    }
    for (String p : paths) {
      delete(p).thenRun(() -> {
        synchronized (lock) {
          stale.remove(p);
        }
      });
    }
  }

  // ---------------------------------------------------------------- plumbing

  /** Runs one call of the engine; its stage is this call's own, so the engine may cancel it. */
  private <T> CompletableFuture<T> run(String what, Function<Op, CompletableFuture<T>> body) {
    CompletableFuture<T> result = new CompletableFuture<>();
    if (left) {
      result.completeExceptionally(new IllegalStateException(label + " left the election"));
      return result;
    }
    Op op = new Op(what, result);
    synchronized (lock) {
      current = result;
    }
    CompletableFuture<T> f;
    try {
      f = body.apply(op);
    } catch (RuntimeException ex) {
      f = CompletableFuture.failedFuture(ex);
    }
    f.whenComplete((v, ex) -> {
      if (ex == null) {
        result.complete(v);
      } else {
        result.completeExceptionally(ex instanceof CompletionException && ex.getCause() != null
            ? ex.getCause() : ex);
      }
    });
    return result;
  }

  /**
   * Sends a request: from the calling thread while the client is connected (a background
   * operation of Curator then only queues a packet, so the caller is not held up), else from
   * the backend's I/O thread, since Curator may then do connection work on the sending thread.
   */
  private CompletableFuture<CuratorEvent> call(Request request) {
    CompletableFuture<CuratorEvent> f = new CompletableFuture<>();
    if (backend.connected()) {
      try {
        request.send((client, event) -> f.complete(event));
      } catch (Exception e) {
        f.completeExceptionally(e);
      }
      return f;
    }
    try {
      backend.io().execute(() -> {
        try {
          request.send((client, event) -> f.complete(event));
        } catch (Exception e) {
          f.completeExceptionally(e);
        }
      });
    } catch (RejectedExecutionException e) {
      f.completeExceptionally(new IllegalStateException(backend.label() + " is closed"));
    }
    return f;
  }

  /** Deletes a node; done when it is gone. Curator retries a failed delete after reconnecting. */
  private CompletableFuture<Void> delete(String path) {
    return call(cb -> zk.delete().quietly().guaranteed().inBackground(cb).forPath(path))
        .thenApply(event -> {
          KeeperException.Code code = KeeperException.Code.get(event.getResultCode());
          if (code != KeeperException.Code.OK && code != KeeperException.Code.NONODE) {
            throw new CompletionException(KeeperException.create(code, path));
          }
          return null;
        });
  }

  private void deleteQuietly(String path) {
    delete(path).whenComplete((v, e) -> {
      if (e != null) {
        log.debug("{}: delete of {} failed; Curator retries it: {}", label, path, e.toString());
      }
    });
  }

  private void checkActive(Op op) {
    if (left) {
      throw new IllegalStateException(label + " left the election");
    }
    if (op.abandoned()) {
      throw new IllegalStateException(op.what + " abandoned");
    }
  }

  private static void require(CuratorEvent event, KeeperException.Code expected) {
    KeeperException.Code code = KeeperException.Code.get(event.getResultCode());
    if (code != expected) {
      throw new CompletionException(KeeperException.create(code, event.getPath()));
    }
  }

  private void watched(WatchedEvent event) {
    if (left || event.getType() == Watcher.Event.EventType.None) {
      return;
    }
    listed = null;
    // also a leader's: a round costs what a re-read of the children would, and until its
    // answer no session heartbeat confirms the candidate (S5)
    context.changed();
  }

  /** Sorts children as LeaderLatch does: by the part after the last {@code latch-}. */
  static List<String> sortLikeLeaderLatch(List<String> children) {
    List<String> sorted = new ArrayList<>(children);
    sorted.sort(Comparator.comparing(ZooKeeperCandidate::sequencePart));
    return sorted;
  }

  static String sequencePart(String name) {
    int i = name.lastIndexOf(LATCH_NAME);
    if (i >= 0) {
      i += LATCH_NAME.length();
      return i <= name.length() ? name.substring(i) : "";
    }
    return name;
  }

  @Override
  public String toString() {
    synchronized (lock) {
      return "ZooKeeperCandidate{" + label + ", node=" + own + (left ? ", left" : "") + "}";
    }
  }
}
