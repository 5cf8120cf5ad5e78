package io.github.election.zookeeper;

import io.github.election.LeadershipEvent;
import io.github.election.spi.Candidate;
import io.github.election.spi.CandidateContext;
import io.github.election.spi.Candidates;
import io.github.election.spi.DaemonThreads;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.ElectionSettings;
import io.github.election.spi.LeaderInfo;
import io.github.election.spi.OpenCandidate;
import io.github.election.spi.RoundTurns;
import io.github.election.spi.SettingValues;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZKUtil;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.common.PathUtils;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election on Apache ZooKeeper, through Apache Curator: the {@code zookeeper} backend.
 *
 * <pre>{@code
 * try (ZooKeeperElectionBackend zk = ZooKeeperElectionBackend.builder()
 *          .connectString("zk1:2181,zk2:2181,zk3:2181")
 *          .basePath("/elections")
 *          .sessionTimeout(Duration.ofSeconds(15))
 *          .build();
 *      LeaderElection election = LeaderElection.builder(zk).name("cluster-checks").build()) {
 *   election.start();
 *   ...
 * }
 * }</pre>
 * or, found by {@code ElectionBackends.open}: {@code
 * zookeeper://zk1:2181,zk2:2181/elections?sessionTimeout=15s&connectionTimeout=5s}.
 *
 * <p><b>Layout.</b> Each election is the node {@code <basePath>/<name>}; each candidate holds
 * one ephemeral sequential child of it, named as Curator's {@code LeaderLatch} names its own
 * ({@code _c_<uuid>-latch-<sequence>}) and holding the candidate's identity (UTF-8) as data.
 * The child that sorts first, the way {@code LeaderLatch} sorts them, leads; so a {@code
 * LeaderLatch} started on {@code <basePath>/<name>} with the same identity takes part in the
 * same election, and both see the same leader. The term of a leadership period is the {@code
 * czxid} of the leader's node: ZooKeeper's transaction ids only grow, also across restarts of
 * the ensemble, and a later leader always holds a node created after the earlier leader's.
 *
 * <p><b>Session timeout as lease duration.</b> A candidate's node lives as long as its client's
 * ZooKeeper session: the session timeout plays the role of the lease duration D, and the
 * election's own {@code leaseDuration} setting is not used by this backend. {@link
 * #validate} refuses a renew deadline that is not shorter than the session timeout, and a
 * candidate does not report leadership while the session timeout the server negotiated is not
 * longer than its renew deadline (servers clamp session timeouts to their {@code
 * minSessionTimeout}/{@code maxSessionTimeout}).
 *
 * <p><b>Connection states</b> of the Curator client are mapped to observations of every
 * candidate of this backend: {@code SUSPENDED} and {@code READ_ONLY} make it {@code UNKNOWN} at
 * once (the store cannot tell, so neither leader nor follower); {@code RECONNECTED} makes it
 * look again; {@code LOST} (the session expired, or Curator presumes it did) makes it {@code
 * UNKNOWN} and drops its node, and the next round enrols it again with a new node. A round while
 * the client is not connected reports {@code UNKNOWN} at once (the first round after start waits
 * up to a quarter of the renew deadline for the first connection), and its reason names the
 * connect string and, for an own client, why it cannot connect: {@code not connected to ZooKeeper
 * at zk1:2181: cannot connect: Connection refused}, {@code ...: zk1 does not resolve (unknown
 * host)}, {@code ...: it accepts TCP connections but ZooKeeper gives no answer} (see {@link
 * ConnectAttempts}, which also paces the client's reconnection attempts).
 *
 * <p><b>Rounds and watches.</b> Each poll of a candidate makes one to three requests: create its
 * node if it has none, list the election's children (setting a watch), and, when another
 * candidate leads, read that leader's node. A poll, a release and a leave are each bounded by
 * half the election's renew deadline. Every candidate watches the election's children, so any
 * change wakes every follower of the election at once: a handover takes one notification and
 * one round, and followers learn the new leader at once, at the price of a round per follower
 * per change (fine for the handful of candidates an election has); a leader too. Between
 * changes no round runs: one request per retry period on the session ({@link SessionHeartbeat})
 * confirms every candidate whose node lives in it, leaders and followers (rule S5), so the
 * store's load does not grow with the number of elections. After a release, a candidate enrols again only with the round after it saw the next leader (or after
 * one retry period), so that its new node is not written while the next leader reads.
 *
 * <p><b>ACL.</b> With digest authentication ({@code zookeeper://user:password@host:port/...}, or
 * {@link Builder#digestAuth}) every node the backend creates (missing parents of the base path,
 * election nodes, candidates' nodes) gets {@code CREATOR_ALL_ACL} unless {@link
 * Builder#acl(NodeAcl) chosen otherwise} ({@code acl=creator|read|open}): a client without the
 * credentials can neither delete a candidate's node nor add nodes to an election. Without
 * authentication the nodes are open to anyone, and the backend logs a warning when it starts.
 * Nodes that exist already keep their ACL; a candidate warns when it enrols under an election
 * node that anyone may write to. Children of an election that are not candidate nodes (another
 * name, or a persistent node named like one) are ignored by the rounds and by {@link #inspect},
 * so such a node never leads and never blocks the election.
 *
 * <p><b>Clients.</b> One Curator client serves every election and candidate of a backend. A
 * backend built from a {@link Builder#connectString connect string} owns its client, starts it
 * and closes it on {@link #close()}; a {@link Builder#client client passed in} stays open and
 * stays the caller's. Building does not wait for a connection; closing an own client waits for
 * its session to end for at most the connection timeout (or half the smallest renew deadline of
 * the candidates), and not at all when it is not connected, so that neither waits on an address
 * that never answers. The threads of an own client carry the backend's label ({@code
 * zookeeper-1-io-SendThread(host:port)}).
 *
 * <p>Thread-safe. Every request to ZooKeeper is asynchronous; the callbacks run on the
 * client's event thread. Requests are sent from the calling thread while the client is
 * connected (Curator then only queues them), otherwise from one thread of the backend.
 */
public final class ZooKeeperElectionBackend implements ElectionBackend {

  /** The base path when none is given: {@code /elections}. */
  public static final String DEFAULT_BASE_PATH = "/elections";
  /** The session timeout of an owned client when none is given: 15 s, Kubernetes' lease duration. */
  public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(15);
  /** How long an owned client waits for a connection before an operation fails: 5 s. */
  public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(ZooKeeperElectionBackend.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  private final CuratorFramework client;
  private final boolean ownsClient;
  private final String basePath;
  private final Duration sessionTimeout; // null: a client passed in without a declared timeout
  private final List<ACL> acl; // null: the client's ACLProvider
  private final String aclDescription;
  private final boolean aclOpen; // the nodes are known to get an ACL open to anyone
  private final Set<String> openElectionNodes = ConcurrentHashMap.newKeySet(); // warned about
  private final Set<String> reportedPersistent = ConcurrentHashMap.newKeySet();
  private final String label;
  private final ScheduledThreadPoolExecutor io;
  private final Candidates<ZooKeeperCandidate> candidates;
  /**
   * The rounds of this backend's candidates at ZooKeeper at once ({@link RoundTurns}); the
   * session heartbeat, releases and leaves do not wait for a turn.
   */
  private final RoundTurns turns;
  private final ConnectionStateListener listener = (c, state) -> stateChanged(state);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean warnedNegotiated = new AtomicBoolean();
  private final CompletableFuture<Void> firstConnection = new CompletableFuture<>();
  private final ConnectAttempts attempts; // null: a client passed in
  private final SessionHeartbeat heartbeat;
  /** How long close() waits for an own client that is connected to end its session. */
  private volatile long closeWaitNanos;
  private volatile boolean suspended;

  private ZooKeeperElectionBackend(Builder b) {
    this.basePath = b.basePath;
    this.acl = b.resolvedAcl();
    this.label = "zookeeper-" + IDS.incrementAndGet();
    this.candidates = new Candidates<>(label);
    this.io = DaemonThreads.scheduler(label + "-io");
    this.turns = new RoundTurns(RoundTurns.DEFAULT_AT_ONCE, io);
    this.heartbeat = new SessionHeartbeat(this);
    if (b.client != null) {
      this.client = b.client;
      this.ownsClient = false;
      this.sessionTimeout = b.sessionTimeout;
      this.attempts = null;
      this.closeWaitNanos = 0;
    } else {
      this.attempts = new ConnectAttempts(b.connectString, io);
      this.closeWaitNanos = b.connectionTimeout.toNanos();
      CuratorFrameworkFactory.Builder cb = CuratorFrameworkFactory.builder()
          .connectString(b.connectString)
          .sessionTimeoutMs(toMillis(b.sessionTimeout()))
          .connectionTimeoutMs(toMillis(b.connectionTimeout))
          .retryPolicy(new ExponentialBackoffRetry(100, 3, 1000))
          // keep the connect string as given (no switch to the ensemble's own addresses)
          .ensembleTracker(false)
          // ZooKeeper's own host provider, noting why connections fail (see ConnectAttempts)
          .zookeeperFactory(attempts)
          .threadFactory(DaemonThreads.numbered(label + "-curator"));
      if (b.digestUser != null) {
        cb.authorization("digest",
            (b.digestUser + ":" + b.digestPassword).getBytes(StandardCharsets.UTF_8));
      }
      this.client = cb.build();
      this.ownsClient = true;
      this.sessionTimeout = b.sessionTimeout();
    }
    // a client the backend makes has Curator's default ACLProvider: OPEN_ACL_UNSAFE
    NodeAcl choice = b.acl != null ? null : b.aclPreset != null ? b.aclPreset
        : b.digestUser != null ? NodeAcl.CREATOR : ownsClient ? NodeAcl.OPEN : null;
    List<ACL> known = choice != null ? choice.acl : acl;
    this.aclOpen = known != null && opensToAnyone(known);
    this.aclDescription = choice != null
        ? "acl=" + choice.uriValue() + ", " + describe(choice.acl)
        : known != null ? describe(known) : "the client's ACLProvider";
    client.getConnectionStateListenable().addListener(listener);
    if (ownsClient) {
      suspended = true; // until CONNECTED
      startOnIoThread();
    } else {
      suspended = !client.getZookeeperClient().isConnected();
      if (!suspended) {
        firstConnection.complete(null);
      }
    }
    log.info("{}: backend on {} (base path {}, session timeout {}, {} client, ACL {})", label,
        client.getZookeeperClient().getCurrentConnectionString(), basePath,
        sessionTimeout == null ? "as the client's" : SettingValues.format(sessionTimeout),
        ownsClient ? "own" : "caller's", aclDescription);
    // open by choice (acl=open, an explicit ACL list): the start-up line above says so
    if (aclOpen && b.acl == null && b.aclPreset == null) {
      log.warn("{}: the nodes of its elections are created with an ACL open to anyone ({}): any "
          + "client that reaches ZooKeeper can delete the leader's node and add nodes to the "
          + "elections. With digest authentication (zookeeper://user:password@host:port/..., or "
          + "digestAuth) nodes default to acl=creator", label, aclDescription);
    }
  }

  /** Starts building a backend; see {@link Builder}. */
  public static Builder builder() {
    return new Builder();
  }

  /** {@code zookeeper}. */
  @Override
  public String name() {
    return "zookeeper";
  }

  /** The base path under which the elections of this backend live. */
  public String basePath() {
    return basePath;
  }

  /**
   * The Curator client of this backend: its own, or the one given to the builder. For tooling
   * (the testing package ends its session); do not close it.
   */
  public CuratorFramework client() {
    return client;
  }

  /**
   * Checks that ZooKeeper can hold the election: its name must be a valid ZooKeeper node name
   * (not empty, no {@code /}, not {@code .} or {@code ..}, no control or reserved characters),
   * and the renew deadline must be shorter than the session timeout, which is this backend's
   * lease duration D. For a client passed in without a declared {@link Builder#sessionTimeout},
   * the timeout it last negotiated is used when it has connected; otherwise the check is left
   * to the candidates, which do not lead while the negotiated timeout is too short. Does no I/O.
   *
   * @throws IllegalArgumentException naming the setting and its value
   */
  @Override
  public void validate(ElectionSettings settings) {
    Objects.requireNonNull(settings, "settings");
    String name = settings.name();
    String problem = nodeNameProblem(name);
    if (problem == null) {
      try {
        PathUtils.validatePath(electionPath(name));
      } catch (IllegalArgumentException e) {
        problem = e.getMessage();
      }
    }
    if (problem == null && electionPath(name).equals("/zookeeper")) {
      problem = "/zookeeper is reserved by ZooKeeper";
    }
    if (problem != null) {
      String shown = printable(name);
      throw new IllegalArgumentException("name '" + name + "'"
          + (shown.equals(name) ? "" : " (" + shown + ")")
          + " is not a valid ZooKeeper node name: " + problem);
    }
    Duration timeout = effectiveSessionTimeout();
    if (timeout != null && settings.renewDeadline().compareTo(timeout) >= 0) {
      throw new IllegalArgumentException("renewDeadline ("
          + SettingValues.format(settings.renewDeadline())
          + ") must be shorter than sessionTimeout (" + SettingValues.format(timeout)
          + "), which is the lease duration of the zookeeper backend");
    }
    if (timeout != null && !settings.leaseDuration().equals(timeout)) {
      log.info("{}: election '{}' asks for leaseDuration {}; the session timeout {} of this "
          + "backend acts as the lease duration", this, name,
          SettingValues.format(settings.leaseDuration()), SettingValues.format(timeout));
    }
  }

  /**
   * Adds a candidate; it enrols (creates its node) on its first poll.
   *
   * @throws IllegalStateException if this backend was closed
   */
  @Override
  public Candidate join(CandidateContext context) {
    Objects.requireNonNull(context, "context");
    if (closed.get()) {
      throw new IllegalStateException(label + " is closed");
    }
    long halfRenew = context.settings().renewDeadline().toNanos() / 2;
    synchronized (this) {
      closeWaitNanos = Math.min(closeWaitNanos, halfRenew);
    }
    ZooKeeperCandidate candidate = candidates.add(() -> new ZooKeeperCandidate(this, context));
    // every P, and at least twice per renew deadline, so that an answer that comes late still
    // confirms the candidates before their deadline
    heartbeat.start(Math.min(context.settings().retryPeriod().toNanos(),
        context.settings().renewDeadline().toNanos() / 2));
    return candidate;
  }

  /**
   * Follows an election without taking part: each round is an {@link #inspect}, and a children
   * watch on the election node (set again at each round, a read; ZooKeeper keeps one watch per
   * watcher and path) asks for a round at once when a candidate joins or leaves. No node is
   * written. While the election node does not exist, changes are seen at the next round.
   *
   * @throws IllegalStateException if this backend was closed
   */
  @Override
  public Candidate observe(CandidateContext context) {
    Objects.requireNonNull(context, "context");
    if (closed.get()) {
      throw new IllegalStateException(label + " is closed");
    }
    String path = electionPath(context.settings().name());
    org.apache.curator.framework.WatcherRemoveCuratorFramework zk =
        client.newWatcherRemoveCuratorFramework();
    AtomicBoolean left = new AtomicBoolean();
    org.apache.zookeeper.Watcher watcher = event -> {
      if (!left.get() && event.getType() != org.apache.zookeeper.Watcher.Event.EventType.None) {
        context.changed();
      }
    };
    return new io.github.election.spi.Onlooker(this, context, () -> {
      if (left.get() || closed.get() || !connected()) {
        return;
      }
      try {
        zk.getChildren().usingWatcher(watcher).inBackground((c, e) -> { }).forPath(path);
      } catch (Exception e) {
        log.debug("{}: cannot watch {}: {}", label, path, e.toString());
      }
    }, () -> {
      left.set(true);
      if (!closed.get()) {
        zk.removeWatchers();
      }
    });
  }

  /**
   * Looks at who leads an election without taking part: lists the election's children (no
   * watch) and reads the data and stat of the first candidate node (children of other names,
   * and persistent nodes named like candidate nodes, are skipped). The term is that node's
   * {@code czxid}; {@code since} is empty, because ZooKeeper does not record when a node came
   * first (its creation time may be earlier). Bounded by the client's connection timeout.
   *
   * @return a stage completing with the leader, or with no leader when the election has no
   *     candidate; exceptionally when the name is invalid ({@link IllegalArgumentException}),
   *     the backend is closed or not connected, or ZooKeeper does not answer in time
   */
  @Override
  public CompletionStage<LeaderInfo> inspect(String election) {
    CompletableFuture<LeaderInfo> refused = refused(election);
    return refused != null ? refused : bounded("inspect of " + election,
        result -> inspect(election, electionPath(election), 0, result));
  }

  /**
   * A failed stage when {@code election} is no valid node name or the backend is closed; null
   * when a read may go ahead.
   */
  private <T> CompletableFuture<T> refused(String election) {
    Objects.requireNonNull(election, "election");
    String problem = nodeNameProblem(election);
    if (problem != null) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("election '" + election
          + "' is not a valid ZooKeeper node name: " + problem));
    }
    if (closed.get()) {
      return CompletableFuture.failedFuture(new IllegalStateException(label + " is closed"));
    }
    return null;
  }

  /**
   * Starts {@code read} on the I/O thread, bounded by the client's connection timeout: a fresh
   * client may not be connected yet, Curator holds background requests until it is, and the
   * timer bounds the wait. {@code what} names the read in the timeout's message.
   */
  private <T> CompletableFuture<T> bounded(String what, Consumer<CompletableFuture<T>> read) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      int timeout = client.getZookeeperClient().getConnectionTimeoutMs();
      ScheduledFuture<?> timer = io.schedule(() -> result.completeExceptionally(
          new TimeoutException(label + ": " + what + " got no answer within " + timeout + "ms")),
          timeout, TimeUnit.MILLISECONDS);
      result.whenComplete((v, e) -> timer.cancel(false));
      io.execute(() -> read.accept(result));
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(new IllegalStateException(label + " is closed"));
    }
    return result;
  }

  private void inspect(String election, String path, int attempt,
      CompletableFuture<LeaderInfo> result) {
    try {
      client.getChildren().inBackground((c, listing) -> {
        KeeperException.Code code = KeeperException.Code.get(listing.getResultCode());
        if (code == KeeperException.Code.NONODE) {
          result.complete(new LeaderInfo(election, null, LeadershipEvent.NO_TERM, null));
          return;
        }
        if (code != KeeperException.Code.OK) {
          result.completeExceptionally(KeeperException.create(code, path));
          return;
        }
        Set<String> persistent = ConcurrentHashMap.newKeySet();
        List<String> order = CandidateNodes.order(listing.getChildren(), null, persistent);
        CandidateNodes.first(order, null, persistent, name -> read(ZKPaths.makePath(path, name)),
            name -> reportPersistent(path, name)).whenComplete((first, e) -> {
              if (e != null) {
                result.completeExceptionally(e instanceof CompletionException
                    && e.getCause() != null ? e.getCause() : e);
              } else if (first.vanished && attempt < 3) {
                inspect(election, path, attempt + 1, result); // the leader just left: look again
              } else if (first.vanished) {
                result.completeExceptionally(KeeperException.create(KeeperException.Code.NONODE,
                    ZKPaths.makePath(path, first.name)));
              } else if (first.isNone()) {
                result.complete(new LeaderInfo(election, null, LeadershipEvent.NO_TERM, null));
              } else {
                result.complete(new LeaderInfo(election, first.identity, first.czxid, null));
              }
            });
      }).forPath(path);
    } catch (Exception e) {
      result.completeExceptionally(e);
    }
  }

  /**
   * The open candidates of an election, in the order of the queue (the leader first): the
   * candidate nodes (ephemeral, named as {@code LeaderLatch} names them) and the priorities in
   * their data ({@link OpenCandidate#encode}). One listing and one read per node; a node gone
   * between the two is left out. When a candidate of this backend leads the election and its
   * watch on the children reported no change since it listed them and read each node, that is
   * the answer, with no request: so a leader that resigns names its successor (rule K2) without
   * a read before its delete.
   *
   * @return a stage failing when the backend is closed, or ZooKeeper does not answer in time
   */
  @Override
  public CompletionStage<List<OpenCandidate>> candidates(String election) {
    CompletableFuture<List<OpenCandidate>> refused = refused(election);
    if (refused != null) {
      return refused;
    }
    for (ZooKeeperCandidate c : candidates) {
      List<OpenCandidate> known = c.knownQueue(election);
      if (known != null) {
        return CompletableFuture.completedFuture(known);
      }
    }
    String path = electionPath(election);
    return bounded("list of the candidates of " + election, result -> listCandidates(path, result));
  }

  private void listCandidates(String path, CompletableFuture<List<OpenCandidate>> result) {
    try {
      client.getChildren().inBackground((c, listing) -> {
        KeeperException.Code code = KeeperException.Code.get(listing.getResultCode());
        if (code == KeeperException.Code.NONODE) {
          result.complete(List.of());
          return;
        }
        if (code != KeeperException.Code.OK) {
          result.completeExceptionally(KeeperException.create(code, path));
          return;
        }
        List<String> order = CandidateNodes.order(listing.getChildren(), null,
            ConcurrentHashMap.newKeySet());
        List<CompletableFuture<CuratorEvent>> reads = new java.util.ArrayList<>();
        for (String name : order) {
          reads.add(read(ZKPaths.makePath(path, name)));
        }
        CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
          if (e != null) {
            result.completeExceptionally(e);
            return;
          }
          List<OpenCandidate> out = new java.util.ArrayList<>();
          for (CompletableFuture<CuratorEvent> r : reads) {
            CuratorEvent event = r.join();
            KeeperException.Code rc = KeeperException.Code.get(event.getResultCode());
            if (rc == KeeperException.Code.NONODE) {
              continue;
            }
            if (rc != KeeperException.Code.OK) {
              result.completeExceptionally(KeeperException.create(rc, event.getPath()));
              return;
            }
            OpenCandidate candidate = CandidateNodes.candidateOf(event);
            if (candidate != null) {
              out.add(candidate);
            }
          }
          result.complete(out);
        });
      }).forPath(path);
    } catch (Exception e) {
      result.completeExceptionally(e);
    }
  }

  /** Reads a node's data and stat in the background. */
  private CompletableFuture<CuratorEvent> read(String path) {
    CompletableFuture<CuratorEvent> f = new CompletableFuture<>();
    try {
      client.getData().inBackground((c, event) -> f.complete(event)).forPath(path);
    } catch (Exception e) {
      f.completeExceptionally(e);
    }
    return f;
  }

  /**
   * Closes the backend: candidates still open give up their nodes, the connection-state
   * listener is removed, and the client is closed if this backend made it (which ends its
   * session, so ZooKeeper removes whatever ephemeral node remains). Idempotent; may block for
   * as long as closing the Curator client takes.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    heartbeat.stop();
    candidates.close().forEach(ZooKeeperCandidate::abandon);
    firstConnection.complete(null); // rounds still waiting for it fail now
    client.getConnectionStateListenable().removeListener(listener);
    if (ownsClient) {
      closeClient();
    }
    io.shutdown();
    try {
      if (!io.awaitTermination(1, TimeUnit.SECONDS)) {
        io.shutdownNow();
      }
    } catch (InterruptedException e) {
      io.shutdownNow();
      Thread.currentThread().interrupt();
    }
    log.info("{}: closed", label);
  }

  /**
   * Closes the own client, within a bound. ZooKeeper's {@code close()} waits until the server
   * ended the session, and while the client is connecting to an address that accepts TCP but
   * does not answer, that lasts until the attempt times out: the session timeout divided by the
   * number of servers. So the client is closed on a thread of its own. A client that is
   * connected gets up to the close wait (the connection timeout, or half the smallest renew
   * deadline of the candidates if shorter) to end its session; one that is not has no session
   * it could end now, and is interrupted at once, which ZooKeeper's close takes as "stop the
   * threads without waiting for the server" (a session it had expires in the server). After the
   * interrupt the threads end at once, or after ZooKeeper's random wait before a connection
   * attempt (up to 1 s); whatever takes longer (a name lookup that hangs) is left to end in the
   * background, and said so.
   */
  private void closeClient() {
    boolean connectedNow = client.getZookeeperClient().isConnected();
    Thread closer = new Thread(() -> {
      try {
        client.close();
      } catch (RuntimeException e) {
        log.warn("{}: closing the Curator client failed", label, e);
      }
    }, label + "-close");
    closer.setDaemon(true);
    closer.start();
    attempts.close(); // ends a pacing sleep of the send thread and a probe under way
    long waitMillis = TimeUnit.NANOSECONDS.toMillis(closeWaitNanos);
    try {
      if (connectedNow) {
        closer.join(Math.max(1, waitMillis));
      }
      if (closer.isAlive()) {
        log.debug("{}: interrupting the close of its ZooKeeper client ({})", label,
            connectedNow ? "the session did not end within " + waitMillis + "ms" : "not connected");
        closer.interrupt();
        closer.join(Math.max(1, waitMillis) + 1000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (closer.isAlive()) {
      log.warn("{}: its ZooKeeper client is still closing; its threads end in the background",
          label);
    }
  }

  @Override
  public String toString() {
    return "ZooKeeperElectionBackend{" + label + ", " + basePath + (closed.get() ? ", closed" : "")
        + "}";
  }

  // ---------------------------------------------------------------- for the candidates

  String label() {
    return label;
  }

  /** The thread that times requests out, and sends them while the client is not connected. */
  ScheduledExecutorService io() {
    return io;
  }

  List<ACL> acl() {
    return acl;
  }

  /**
   * After a candidate enrolled: reads the ACL of the election node and warns when it lets
   * anyone create or delete candidate nodes (ZooKeeper checks both on the parent), which this
   * backend's own ACL cannot prevent when the node was made before, by another client or
   * without authentication. Warns again only after a check found it closed. In the background;
   * skipped when this backend's ACL is open (warned about at start).
   */
  void checkElectionAcl(String path) {
    if (aclOpen || closed.get()) {
      return;
    }
    try {
      client.getACL().inBackground((c, event) -> {
        if (KeeperException.Code.get(event.getResultCode()) != KeeperException.Code.OK) {
          return;
        }
        List<ACL> found = event.getACLList();
        if (!opensToAnyone(found)) {
          openElectionNodes.remove(path);
        } else if (openElectionNodes.add(path)) {
          log.warn("{}: election node {} has an ACL open to anyone ({}), although this backend "
              + "creates nodes with {}: any client that reaches ZooKeeper can delete the "
              + "leader's node and add nodes to this election. ZooKeeper keeps the ACL a node "
              + "was created with: set it (zkCli: addauth digest user:password, then setAcl {} "
              + "auth::cdrwa), or delete the node while it has no children", label, path,
              describe(found), aclDescription, path);
        }
      }).forPath(path);
    } catch (Exception e) {
      log.debug("{}: cannot read the ACL of {}: {}", label, path, e.toString());
    }
  }

  /** A child of an election named like a candidate node was found persistent: warns once. */
  void reportPersistent(String electionPath, String name) {
    String path = ZKPaths.makePath(electionPath, name);
    if (reportedPersistent.size() > 1000) {
      reportedPersistent.clear(); // bounded: a flood of planted nodes is warned about again
    }
    if (reportedPersistent.add(path)) {
      log.warn("{}: ignoring {}: named like a candidate's node but persistent (ephemeralOwner "
          + "0), so no candidate holds it; another client made it (check the ACL of {}), and "
          + "it can be deleted", label, path, electionPath);
    }
  }

  /** Whether the ACL gives world:anyone more than READ. */
  static boolean opensToAnyone(List<ACL> acl) {
    for (ACL a : acl) {
      if (ZooDefs.Ids.ANYONE_ID_UNSAFE.equals(a.getId())
          && (a.getPerms() & ~ZooDefs.Perms.READ) != 0) {
        return true;
      }
    }
    return false;
  }

  /** An ACL as zkCli writes it ({@code world:anyone:cdrwa, auth::cdrwa}), without hashes. */
  static String describe(List<ACL> acl) {
    StringBuilder out = new StringBuilder();
    for (ACL a : acl) {
      if (out.length() > 0) {
        out.append(", ");
      }
      String id = a.getId().getId();
      if (a.getId().getScheme().equals("digest") && id.indexOf(':') >= 0) {
        id = id.substring(0, id.indexOf(':')) + ":***"; // user:hash of the password
      }
      out.append(a.getId().getScheme()).append(':').append(id).append(':')
          .append(ZKUtil.getPermString(a.getPerms()));
    }
    return out.toString();
  }

  boolean isClosed() {
    return closed.get();
  }

  boolean isSuspended() {
    return suspended;
  }

  String electionPath(String name) {
    return ZKPaths.makePath(basePath, name);
  }

  void remove(ZooKeeperCandidate candidate) {
    candidates.remove(candidate);
  }

  /** The open candidates (weakly consistent), for the session heartbeat. */
  /** The turns of the candidates' rounds at ZooKeeper. */
  RoundTurns turns() {
    return turns;
  }

  Iterable<ZooKeeperCandidate> candidates() {
    return candidates;
  }

  /** Whether the client is connected now. No I/O. */
  boolean connected() {
    return !closed.get() && client.getState() == CuratorFrameworkState.STARTED
        && client.getZookeeperClient().isConnected();
  }

  /** The connect string of the client. No I/O. */
  String connectString() {
    return client.getZookeeperClient().getCurrentConnectionString();
  }

  /**
   * Why the store cannot be asked while the client is not connected: names the connect string
   * and, for an own client, what became of its connection attempts (see {@link
   * ConnectAttempts}). No I/O.
   */
  String notConnectedReason() {
    if (attempts != null) {
      return attempts.reason();
    }
    return "not connected to ZooKeeper at " + connectString() + " (the client passed in is "
        + (suspended ? "not connected)" : "connecting)");
  }

  /** {@code connection to ZooKeeper at <connect string> <state>}. No I/O. */
  String stateReason(ConnectionState state) {
    return "connection to ZooKeeper at " + connectString() + " " + state;
  }

  /** Completes when the client connected for the first time (never exceptionally). */
  CompletableFuture<Void> firstConnection() {
    return firstConnection;
  }

  /** The id of the client's current session, 0 when it has none. Call only when connected. */
  long sessionId() {
    try {
      return client.getZookeeperClient().getZooKeeper().getSessionId();
    } catch (Exception e) {
      return 0;
    }
  }

  /**
   * Why a candidate with this renew deadline cannot lead on the session the server negotiated,
   * or null when it can (or nothing was negotiated yet).
   */
  String negotiatedProblem(Duration renewDeadline) {
    int negotiated = client.getZookeeperClient().getLastNegotiatedSessionTimeoutMs();
    if (negotiated <= 0 || Duration.ofMillis(negotiated).compareTo(renewDeadline) > 0) {
      return null;
    }
    String problem = "the server negotiated a session timeout of "
        + SettingValues.format(Duration.ofMillis(negotiated))
        + ", not longer than renewDeadline (" + SettingValues.format(renewDeadline)
        + "); raise the server's minSessionTimeout or shorten renewDeadline";
    if (warnedNegotiated.compareAndSet(false, true)) {
      log.warn("{}: {}", label, problem);
    }
    return problem;
  }

  private Duration effectiveSessionTimeout() {
    if (sessionTimeout != null) {
      return sessionTimeout;
    }
    int negotiated = client.getZookeeperClient().getLastNegotiatedSessionTimeoutMs();
    return negotiated > 0 ? Duration.ofMillis(negotiated) : null;
  }

  /** All connection-state mapping of the backend stands here. */
  private void stateChanged(ConnectionState state) {
    String reason = stateReason(state);
    switch (state) {
      case CONNECTED:
      case RECONNECTED:
        log.info("{}: {}", label, reason);
        suspended = false;
        firstConnection.complete(null);
        candidates.forEach(ZooKeeperCandidate::reconnected);
        break;
      case SUSPENDED:
        if (client.getZookeeperClient().isConnected()) {
          // Curator turns a request that waited out an outage and gave up into SUSPENDED, also
          // when the connection came back meanwhile (CURATOR-525); no RECONNECTED follows then.
          // The connection is up: our rounds go on, and decide with their own answers.
          log.info("{}: Curator reports SUSPENDED while the connection to ZooKeeper at {} is up "
              + "(a request that waited out an outage gave up); rounds go on", label,
              connectString());
          break;
        }
        log.warn("{}: {}", label, reason);
        suspended = true;
        candidates.forEach(c -> c.cannotTell(reason));
        break;
      case READ_ONLY:
        log.warn("{}: {}", label, reason);
        suspended = true;
        candidates.forEach(c -> c.cannotTell(reason));
        break;
      case LOST:
        log.warn("{}: {}", label, reason);
        suspended = true;
        candidates.forEach(c -> c.sessionLost(reason));
        break;
      default:
        log.info("{}: {}", label, reason);
        break;
    }
  }

  /**
   * Starts the own client on the I/O thread, so that the threads of its ZooKeeper handle carry
   * this backend's label ({@code zookeeper-1-io-SendThread(host:port)}, {@code
   * zookeeper-1-io-EventThread}): ZooKeeper names them after the thread that makes the handle.
   * Starting makes no connection yet: it does no network I/O and does not wait.
   */
  private void startOnIoThread() {
    try {
      io.submit(client::start).get();
    } catch (ExecutionException e) {
      io.shutdownNow();
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException ? (RuntimeException) cause
          : new IllegalStateException(label + ": cannot start the Curator client", cause);
    } catch (InterruptedException e) {
      io.shutdownNow();
      Thread.currentThread().interrupt();
      throw new IllegalStateException(label + ": interrupted while starting the Curator client",
          e);
    }
  }

  // ---------------------------------------------------------------- validation helpers

  /** Why name cannot be one ZooKeeper node name, or null when it can. */
  static String nodeNameProblem(String name) {
    if (name.isEmpty()) {
      return "it is empty";
    }
    if (name.equals(".") || name.equals("..")) {
      return "'.' and '..' are not allowed";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/') {
        return "it contains '/' at index " + i;
      }
      if (c <= '\u001f' || (c >= '\u007f' && c <= '\u009f')) {
        return "it contains the control character U+" + String.format("%04X", (int) c)
            + " at index " + i;
      }
      if ((c >= '\ud800' && c <= '\uf8ff') || (c >= '\ufff0' && c <= '\uffff')) {
        return "it contains the character U+" + String.format("%04X", (int) c)
            + " at index " + i + ", which ZooKeeper refuses";
      }
    }
    return null;
  }

  private static String printable(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= '\u001f' || (c >= '\u007f' && c <= '\u009f')) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  static String normalizeBasePath(String basePath) {
    Objects.requireNonNull(basePath, "basePath");
    String p = basePath;
    if (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    if (!p.startsWith("/")) {
      throw new IllegalArgumentException("basePath '" + basePath + "' must start with '/'");
    }
    try {
      PathUtils.validatePath(p);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("basePath '" + basePath
          + "' is not a valid ZooKeeper path: " + e.getMessage(), e);
    }
    if (p.equals("/zookeeper") || p.startsWith("/zookeeper/")) {
      throw new IllegalArgumentException("basePath '" + basePath
          + "' is under /zookeeper, which ZooKeeper reserves");
    }
    return p;
  }

  private static int toMillis(Duration d) {
    return (int) d.toMillis();
  }

  /**
   * The usual ACLs for the nodes a backend creates; see {@link Builder#acl(NodeAcl)}. In a
   * {@code zookeeper://} URI: {@code acl=creator}, {@code acl=read}, {@code acl=open}.
   */
  public enum NodeAcl {
    /** {@code creator}: {@code ZooDefs.Ids.CREATOR_ALL_ACL}; needs digest authentication. */
    CREATOR(ZooDefs.Ids.CREATOR_ALL_ACL),
    /** {@code read}: all permissions for the creator, READ for anyone; needs digest auth. */
    READ(List.of(new ACL(ZooDefs.Perms.ALL, ZooDefs.Ids.AUTH_IDS),
        new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE))),
    /** {@code open}: {@code ZooDefs.Ids.OPEN_ACL_UNSAFE}, all permissions for anyone. */
    OPEN(ZooDefs.Ids.OPEN_ACL_UNSAFE);

    private final List<ACL> acl;

    NodeAcl(List<ACL> acl) {
      this.acl = List.copyOf(acl);
    }

    /** The value of the URI parameter {@code acl}: {@code creator}, {@code read}, {@code open}. */
    public String uriValue() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The choice a URI parameter value names, ignoring case.
     *
     * @throws IllegalArgumentException naming the setting {@code acl} and the value, and the
     *     values known
     */
    public static NodeAcl fromUriValue(String value) {
      Objects.requireNonNull(value, "value");
      for (NodeAcl a : values()) {
        if (a.uriValue().equalsIgnoreCase(value)) {
          return a;
        }
      }
      throw new IllegalArgumentException("acl '" + value
          + "' must be one of creator, read, open");
    }
  }

  /**
   * Builds a {@link ZooKeeperElectionBackend}, validating each setting as it is given. Give
   * either a {@link #connectString} (the backend makes, owns and closes its client) or a
   * started {@link #client}. Not thread-safe.
   */
  public static final class Builder {

    private String connectString;
    private CuratorFramework client;
    private String basePath = DEFAULT_BASE_PATH;
    private Duration sessionTimeout;
    private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
    private List<ACL> acl;
    private NodeAcl aclPreset;
    private String digestUser;
    private String digestPassword;

    private Builder() {
    }

    /**
     * The ZooKeeper ensemble to connect to, as ZooKeeper takes it: {@code host:port[,host:port]}.
     * The backend makes its own Curator client, starts it at {@link #build()} and closes it on
     * {@link ZooKeeperElectionBackend#close()}. The connect string is used as given: Curator's
     * ensemble tracker, which would switch to the addresses the ensemble reports, is off.
     *
     * @throws IllegalArgumentException if blank or containing white space
     */
    public Builder connectString(String connectString) {
      Objects.requireNonNull(connectString, "connectString");
      if (connectString.isBlank() || connectString.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException("connectString '" + connectString
            + "' must be host:port[,host:port] without spaces");
      }
      this.connectString = connectString;
      return this;
    }

    /**
     * A started Curator client to use instead of a connect string. The backend registers a
     * connection-state listener on it (removed on close) and never closes it. Its connection
     * state error policy should be Curator's default {@code StandardConnectionStateErrorPolicy}.
     */
    public Builder client(CuratorFramework client) {
      this.client = Objects.requireNonNull(client, "client");
      return this;
    }

    /**
     * The path under which elections live (default {@value ZooKeeperElectionBackend#DEFAULT_BASE_PATH}); election
     * {@code name} is the node {@code <basePath>/<name>}. Created as container nodes when needed.
     *
     * @throws IllegalArgumentException if not an absolute, valid ZooKeeper path, or under
     *     {@code /zookeeper}
     */
    public Builder basePath(String basePath) {
      this.basePath = normalizeBasePath(basePath);
      return this;
    }

    /**
     * The session timeout, which plays the role of the lease duration D: a crashed candidate's
     * node disappears this long after its client was last heard of, and the renew deadline of
     * every election must be shorter. Default {@code 15s} for a client the backend makes. For a
     * client passed in, declare the timeout it was built with, so that {@code build()} of an
     * election can check the renew deadline against it.
     *
     * @throws IllegalArgumentException if not positive or longer than {@code Integer.MAX_VALUE} ms
     */
    public Builder sessionTimeout(Duration sessionTimeout) {
      this.sessionTimeout = requireMillis(sessionTimeout, "sessionTimeout");
      return this;
    }

    /**
     * How long the client the backend makes waits for a connection before an operation fails
     * (default 5 s). Not used with a client passed in.
     *
     * @throws IllegalArgumentException if not positive or longer than {@code Integer.MAX_VALUE} ms
     */
    public Builder connectionTimeout(Duration connectionTimeout) {
      this.connectionTimeout = requireMillis(connectionTimeout, "connectionTimeout");
      return this;
    }

    /**
     * The ACL of the nodes the backend creates (the base path's missing parents, the election
     * nodes, and the candidates' nodes), as one of the usual choices; URI parameter {@code
     * acl=creator|read|open}. Replaces an ACL given before by {@link #acl(List)}.
     *
     * <ul>
     *   <li>{@link NodeAcl#CREATOR CREATOR} ({@code creator}), the default with {@link
     *       #digestAuth}: {@code ZooDefs.Ids.CREATOR_ALL_ACL}, all permissions for the digest
     *       user, none for anyone else;
     *   <li>{@link NodeAcl#READ READ} ({@code read}): as {@code creator}, plus READ for anyone,
     *       so that clients without credentials can see who leads ({@code elect status});
     *   <li>{@link NodeAcl#OPEN OPEN} ({@code open}), the default without authentication:
     *       {@code OPEN_ACL_UNSAFE}, all permissions for anyone (world:anyone).
     * </ul>
     *
     * <p>{@code CREATOR} and {@code READ} need {@link #digestAuth} on a client the backend
     * makes; a client passed in must be authenticated by the caller, or ZooKeeper refuses the
     * nodes ({@code InvalidACL}). A backend whose nodes are open to anyone logs a warning when
     * it starts. ZooKeeper keeps the ACL a node was created with: nodes that exist already
     * (a base path made earlier without authentication) keep theirs, and a candidate that
     * enrols under an election node that anyone may write to logs a warning.
     */
    public Builder acl(NodeAcl acl) {
      this.aclPreset = Objects.requireNonNull(acl, "acl");
      this.acl = null;
      return this;
    }

    /**
     * The ACL of the nodes the backend creates (the base path's missing parents, the election
     * nodes, and the candidates' nodes), given in full. Replaces a choice made before by
     * {@link #acl(NodeAcl)}. Default: see {@link #acl(NodeAcl)}; for a client passed in
     * without digest authentication, its {@code ACLProvider}. Every candidate needs READ on the
     * election node and the candidates' nodes, and CREATE and DELETE on the election node.
     *
     * @throws IllegalArgumentException if empty
     */
    public Builder acl(List<ACL> acl) {
      Objects.requireNonNull(acl, "acl");
      if (acl.isEmpty()) {
        throw new IllegalArgumentException("acl must not be empty, got []");
      }
      acl.forEach(a -> Objects.requireNonNull(a, "acl entry"));
      this.acl = List.copyOf(acl);
      this.aclPreset = null;
      return this;
    }

    /**
     * Authenticates the client the backend makes with ZooKeeper's {@code digest} scheme, as
     * {@code user:password}. The nodes the backend creates then default to {@link
     * NodeAcl#CREATOR} (see {@link #acl(NodeAcl)}): only clients of the same user can change
     * the elections. Not available with a client passed in (authenticate that client yourself).
     *
     * @throws IllegalArgumentException if user is blank or contains ':'
     */
    public Builder digestAuth(String user, String password) {
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(password, "password");
      if (user.isBlank() || user.indexOf(':') >= 0) {
        throw new IllegalArgumentException("digest user '" + user
            + "' must be non-blank and without ':'");
      }
      this.digestUser = user;
      this.digestPassword = password;
      return this;
    }

    /**
     * Builds the backend. A backend with its own client starts connecting at once, in the
     * background: this method does not wait for the connection.
     *
     * @throws IllegalStateException if neither or both of connectString and client were given
     * @throws IllegalArgumentException if a client passed in is not started, digest auth is
     *     combined with a client passed in, or an ACL that names the creator ({@code creator},
     *     {@code read}, or the {@code auth} scheme) is asked of a client the backend makes
     *     without digest auth
     */
    public ZooKeeperElectionBackend build() {
      if (connectString == null && client == null) {
        throw new IllegalStateException(
            "connectString or client is required: call one of them before build()");
      }
      if (connectString != null && client != null) {
        throw new IllegalStateException("connectString ('" + connectString
            + "') and client are exclusive: give one of them");
      }
      if (client != null) {
        if (client.getState() != CuratorFrameworkState.STARTED) {
          throw new IllegalArgumentException("client must be started, but its state is "
              + client.getState());
        }
        if (digestUser != null) {
          throw new IllegalArgumentException("digestAuth (user '" + digestUser
              + "') needs a client made by the backend; authenticate the client passed in");
        }
      }
      if (client == null && digestUser == null) {
        if (aclPreset == NodeAcl.CREATOR || aclPreset == NodeAcl.READ) {
          throw new IllegalArgumentException("acl '" + aclPreset.uriValue()
              + "' needs digest authentication: give user:password@ in the zookeeper URI, or "
              + "digestAuth(user, password); without it ZooKeeper knows no creator to grant "
              + "the nodes to");
        }
        if (acl != null && acl.stream().anyMatch(a -> a.getId().getScheme().equals("auth"))) {
          throw new IllegalArgumentException("acl [" + describe(acl)
              + "] names the creator (scheme 'auth') and needs digest authentication: give "
              + "digestAuth(user, password)");
        }
      }
      return new ZooKeeperElectionBackend(this);
    }

    /** The ACL to create nodes with; null: the client's ACLProvider. */
    private List<ACL> resolvedAcl() {
      if (acl != null) {
        return acl;
      }
      if (aclPreset != null) {
        return aclPreset.acl;
      }
      return digestUser != null ? NodeAcl.CREATOR.acl : null;
    }

    private Duration sessionTimeout() {
      return sessionTimeout != null ? sessionTimeout : DEFAULT_SESSION_TIMEOUT;
    }

    private static Duration requireMillis(Duration d, String setting) {
      SettingValues.requirePositive(d, setting);
      if (d.toMillis() < 1 || d.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0) {
        throw new IllegalArgumentException(setting + " must be between 1ms and "
            + Integer.MAX_VALUE + "ms, got " + SettingValues.format(d));
      }
      return d;
    }
  }
}
