package io.github.election.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.github.election.LeadershipEvent;
import io.github.election.spi.Candidate;
import io.github.election.spi.CandidateContext;
import io.github.election.spi.Candidates;
import io.github.election.spi.Confirmation;
import io.github.election.spi.DaemonThreads;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.ElectionSettings;
import io.github.election.spi.LeaderInfo;
import io.github.election.spi.OpenCandidate;
import io.github.election.spi.RoundTurns;
import io.github.election.spi.SettingValues;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.File;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election on etcd v3, through jetcd: an {@link ElectionBackend} for {@code
 * LeaderElection}.
 *
 * <pre>{@code
 * try (EtcdElectionBackend etcd = EtcdElectionBackend.builder()
 *          .endpoints("http://10.0.0.1:2379", "http://10.0.0.2:2379", "http://10.0.0.3:2379")
 *          .leaseTtl(Duration.ofSeconds(15))
 *          .build();
 *      LeaderElection election = LeaderElection.builder(etcd).name("cluster-checks")
 *          .identity(podName).build()) {
 *   election.start();
 *   ...
 * }
 * }</pre>
 * or, through {@code ElectionBackends.open}, {@code etcd://10.0.0.1:2379,10.0.0.2:2379/election?ttl=15s}.
 *
 * <p><b>Layout in etcd.</b> The one of etcd's own election recipe ({@code concurrency.Election},
 * {@code etcdctl elect}, the {@code v3election} service): each candidate of election {@code NAME}
 * holds a key {@code <keyPrefix>/NAME/<lease id in hex>} whose value is its identity, bound to a
 * lease; the key with the lowest create revision leads, and its create revision is the term.
 * {@code etcdctl elect --listen <keyPrefix>/NAME} shows who leads. A second candidate of the same
 * election on the same backend (same lease) gets {@code <lease id in hex>-<n>}, so that each
 * candidate has a key of its own; etcd's Go clients avoid that case by giving each candidate its
 * own session. An election name must not contain {@code '/'}, which would nest one election's
 * keys inside another's.
 *
 * <p><b>One client, one lease.</b> A backend holds one jetcd {@link Client} (made from the
 * endpoints, or given by the user, who then keeps it) and one etcd lease, shared by every
 * candidate of every election it serves, so that the cost of keeping it alive does not grow
 * with the number of elections. The lease's TTL acts as the lease duration D: it is the fixed
 * {@link Builder#leaseTtl leaseTtl} if one was given ({@link #validate} then refuses a renew
 * deadline that is not shorter), otherwise each election's lease duration, in whole seconds
 * (elections with different lease durations then get one lease per duration). When a lease is
 * lost (expired after a long partition, revoked), every candidate on it is told {@code UNKNOWN}
 * at once and joins again on a new lease.
 *
 * <p><b>What a poll proves.</b> A candidate reports {@code LEADING} only after a read sent after
 * the poll began showed its own key as the lowest of the election, and the lease was confirmed
 * by a keep-alive whose TTL, counted from its send time, outlasts the poll's renew deadline; so
 * etcd cannot hand leadership to another candidate while the engine still counts this one as
 * leader. A watch on the election's keys turns every change into a poll at once (handover
 * within one round trip plus one notification); the deletion of a candidate's own key that it
 * did not ask for makes it {@code UNKNOWN} at once.
 *
 * <p><b>Threading.</b> Thread-safe. Every request to etcd is asynchronous and bounded by a
 * timeout shorter than the renew deadline; the backend runs one daemon thread of its own for the
 * lease keep-alives and the timeouts and, on a client it made, two for jetcd's callbacks, besides
 * gRPC's and Vert.x's threads. {@link #close()} revokes the lease (so that every candidate key of
 * this backend disappears at once), stops those threads, and closes the client if the backend
 * made it; close the elections first.
 */
public final class EtcdElectionBackend implements ElectionBackend {

  /** The key prefix used when none is given. */
  public static final String DEFAULT_KEY_PREFIX = "/election";

  /** How long {@link #inspect} waits for etcd. */
  private static final long INSPECT_TIMEOUT_SECONDS = 5;

  /** How long the client made from endpoints tries to open a connection. */
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

  /**
   * How etcd's own errors begin ({@code etcdserver: too many requests}, {@code etcdserver:
   * request timed out, waiting for the applied index took too long}, {@code etcdserver: no
   * leader}): gRPC carries some as UNAVAILABLE, yet etcd sent them over a working connection.
   */
  private static final String ETCD_SERVER_ERROR = "etcdserver: ";

  /** How young a client the backend made may be replaced after a connection failure. */
  private static final long MIN_CLIENT_AGE_MILLIS = 50;

  /**
   * gRPC keep-alive pings of a client the backend makes, on a connection with requests under way
   * (a watch, say): 10 s is gRPC's minimum and above etcd's default
   * {@code --grpc-keepalive-min-time} (5 s); a connection that stops answering them is dropped
   * after {@link #KEEPALIVE_TIMEOUT}, even where no round would notice (a watch whose rounds
   * stopped). Rounds notice a silent connection sooner, by their timeouts.
   */
  private static final Duration KEEPALIVE_TIME = Duration.ofSeconds(10);

  private static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(5);

  /** Threads for jetcd's callbacks on a client the backend makes (they never block). */
  private static final int CLIENT_THREADS = 2;

  /** etcd's largest lease TTL (its {@code MaxLeaseTTL}), in seconds. */
  private static final long MAX_TTL_SECONDS = 9_000_000_000L;

  private static final Logger log = LoggerFactory.getLogger(EtcdElectionBackend.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  /** Makes a fresh client after connection failures; null for the user's client, never replaced. */
  private final ClientBuilder clientBuilder;
  private final String endpoints; // for messages
  private final ExecutorService clientThreads; // jetcd's callbacks, when we made the client
  private final Object reconnecting = new Object();
  private volatile Connection connection;
  private final String keyPrefix;
  private final Duration leaseTtl; // null: each election's lease duration is its lease's TTL
  private final String label;
  private final ScheduledExecutorService scheduler;
  private final Map<Long, SharedLease> leases = new ConcurrentHashMap<>(); // by TTL in seconds
  private final Candidates<EtcdCandidate> candidates;
  private final AtomicBoolean closed = new AtomicBoolean();
  /**
   * The rounds of this backend's candidates at etcd at once ({@link RoundTurns}); the lease's
   * keep-alive does not wait for a turn.
   */
  private final RoundTurns turns;

  private EtcdElectionBackend(Client client, ClientBuilder clientBuilder, String endpoints,
      ExecutorService clientThreads, String keyPrefix, Duration leaseTtl) {
    this.connection = new Connection(client);
    this.clientBuilder = clientBuilder;
    this.endpoints = endpoints;
    this.clientThreads = clientThreads;
    this.keyPrefix = keyPrefix;
    this.leaseTtl = leaseTtl;
    this.label = "etcd-" + IDS.incrementAndGet();
    this.candidates = new Candidates<>(label);
    this.scheduler = DaemonThreads.scheduler("election-" + label);
    this.turns = new RoundTurns(RoundTurns.DEFAULT_AT_ONCE, scheduler);
  }

  /** Starts building a backend. */
  public static Builder builder() {
    return new Builder();
  }

  // ------------------------------------------------------------------ ElectionBackend

  /** Returns {@code etcd}. */
  @Override
  public String name() {
    return "etcd";
  }

  /**
   * Refuses an election this backend cannot hold: a name containing {@code '/'}; with a fixed
   * {@link Builder#leaseTtl lease TTL}, a renew deadline that is not shorter than it (the TTL
   * then acts as the lease duration, and a lease duration other than the TTL is logged and
   * otherwise ignored); without one, a lease duration that is not a whole number of seconds
   * (etcd's TTL granularity). Does no I/O.
   *
   * @throws IllegalArgumentException naming the setting and its value
   */
  @Override
  public void validate(ElectionSettings settings) {
    Objects.requireNonNull(settings, "settings");
    String name = settings.name();
    if (name.indexOf('/') >= 0) {
      throw new IllegalArgumentException("name '" + name + "' must not contain '/': etcd keys "
          + "of an election are " + keyPrefix + "/<name>/<lease>, so a '/' would put one "
          + "election's candidates inside another's");
    }
    if (leaseTtl != null) {
      if (settings.renewDeadline().compareTo(leaseTtl) >= 0) {
        throw new IllegalArgumentException("renewDeadline (" + format(settings.renewDeadline())
            + ") must be shorter than the etcd lease TTL (" + format(leaseTtl)
            + "), which acts as leaseDuration on etcd");
      }
      if (!settings.leaseDuration().equals(leaseTtl)) {
        log.info("{}: election '{}' asks for leaseDuration {}; the lease TTL {} of this backend "
            + "acts as the lease duration", label, name, format(settings.leaseDuration()),
            format(leaseTtl));
      }
    } else {
      Duration d = settings.leaseDuration();
      if (d.getNano() != 0 || d.getSeconds() > MAX_TTL_SECONDS) {
        throw new IllegalArgumentException("leaseDuration (" + format(d) + ") must be a whole "
            + "number of seconds on etcd, the granularity of its lease TTL (or give the backend "
            + "a leaseTtl)");
      }
    }
  }

  /**
   * Adds a candidate. Does no I/O: its first poll grants the backend's lease if needed and puts
   * its key.
   *
   * @throws IllegalStateException if this backend was closed
   * @throws IllegalArgumentException if the settings do not fit (see {@link #validate})
   */
  @Override
  public Candidate join(CandidateContext context) {
    Objects.requireNonNull(context, "context");
    if (closed.get()) {
      throw new IllegalStateException(label + " is closed");
    }
    validate(context.settings());
    long ttl = leaseTtl != null ? leaseTtl.getSeconds()
        : context.settings().leaseDuration().getSeconds();
    SharedLease lease = leases.computeIfAbsent(ttl, t -> new SharedLease(this, t));
    return candidates.add(() -> new EtcdCandidate(this, lease, context,
        keyPrefix + "/" + context.settings().name() + "/"));
  }

  /**
   * Follows an election without taking part: each round is an {@link #inspect}, and a watch on
   * the election's prefix asks for a round at once on every change (and once when etcd starts
   * the watch, which covers what changed between the round's read and the watch). A watch that
   * ended (a replaced client, compaction) is started again by the next round. No key is
   * written and no lease is taken.
   *
   * @throws IllegalStateException if this backend was closed
   * @throws IllegalArgumentException if the settings do not fit (see {@link #validate})
   */
  @Override
  public Candidate observe(CandidateContext context) {
    Objects.requireNonNull(context, "context");
    if (closed.get()) {
      throw new IllegalStateException(label + " is closed");
    }
    validate(context.settings());
    ByteSequence prefix = ByteSequence.from(keyPrefix + "/" + context.settings().name() + "/",
        StandardCharsets.UTF_8);
    java.util.concurrent.atomic.AtomicReference<io.etcd.jetcd.Watch.Watcher> current =
        new java.util.concurrent.atomic.AtomicReference<>();
    AtomicBoolean left = new AtomicBoolean();
    Object lock = new Object();
    Runnable ensure = () -> {
      synchronized (lock) {
        if (left.get() || closed.get() || current.get() != null) {
          return;
        }
        java.util.concurrent.atomic.AtomicReference<io.etcd.jetcd.Watch.Watcher> self =
            new java.util.concurrent.atomic.AtomicReference<>();
        AtomicBoolean over = new AtomicBoolean();
        Runnable ended = () -> {
          over.set(true); // may come before watch() returned: checked below
          io.etcd.jetcd.Watch.Watcher mine = self.get();
          if (mine != null && current.compareAndSet(mine, null)) {
            mine.close();
          }
          if (!left.get()) {
            context.changed();
          }
        };
        io.etcd.jetcd.Watch.Watcher w = client().getWatchClient().watch(prefix,
            io.etcd.jetcd.options.WatchOption.builder().isPrefix(true).withCreateNotify(true)
                .withRequireLeader(true).build(),
            io.etcd.jetcd.Watch.listener(r -> context.changed(), e -> ended.run(), ended));
        self.set(w);
        current.set(w);
        if (over.get() && current.compareAndSet(w, null)) {
          w.close(); // ended already: the next round starts another
        }
      }
    };
    return new io.github.election.spi.Onlooker(this, context, ensure, () -> {
      io.etcd.jetcd.Watch.Watcher w;
      synchronized (lock) {
        left.set(true);
        w = current.getAndSet(null);
      }
      if (w != null) {
        w.close();
      }
    });
  }

  /**
   * Looks at who leads an election without taking part: one linearizable read of the
   * election's first key (lowest create revision), whose value is the leader's identity and
   * whose create revision is the term. etcd keys carry no wall-clock time, so {@link
   * LeaderInfo#since()} is empty. Bounded by a timeout of {@value #INSPECT_TIMEOUT_SECONDS} s.
   *
   * @throws IllegalArgumentException if the name contains '/'
   */
  @Override
  public CompletionStage<LeaderInfo> inspect(String election) {
    return readQueue(election, 1, "inspect of " + election).thenApply(r -> {
      if (r.getKvs().isEmpty()) {
        return new LeaderInfo(election, null, LeadershipEvent.NO_TERM, null);
      }
      KeyValue head = r.getKvs().get(0);
      return new LeaderInfo(election,
          OpenCandidate.identityOf(head.getValue().toString(StandardCharsets.UTF_8)),
          head.getCreateRevision(), null);
    });
  }

  /**
   * The open candidates of an election, in the order of the queue (lowest create revision, the
   * leader, first): one linearizable read of the keys under {@code <keyPrefix>/NAME/}, whose
   * values hold the identity and, when not 0, the priority ({@link OpenCandidate#encode}).
   * Bounded by a timeout of {@value #INSPECT_TIMEOUT_SECONDS} s. When a candidate of this backend
   * leads the election, what its watch keeps current is the answer, with no request
   * ({@link EtcdCandidate#knownQueue}).
   *
   * @throws IllegalArgumentException if the name contains '/'
   */
  @Override
  public CompletionStage<List<OpenCandidate>> candidates(String election) {
    for (EtcdCandidate c : candidates) {
      List<OpenCandidate> known = c.knownQueue(election);
      if (known != null) {
        return CompletableFuture.completedFuture(known);
      }
    }
    return readQueue(election, 0, "list of the candidates of " + election)
        .thenApply(r -> openCandidates(r.getKvs()));
  }

  /** The open candidates whose keys these are, in the keys' order (values naming nobody skipped). */
  static List<OpenCandidate> openCandidates(List<KeyValue> keys) {
    List<OpenCandidate> out = new ArrayList<>(keys.size());
    for (KeyValue kv : keys) {
      OpenCandidate c = OpenCandidate.decode(kv.getValue().toString(StandardCharsets.UTF_8));
      if (c != null) {
        out.add(c);
      }
    }
    return out;
  }

  /** Every key of an election, by create revision: for a leader's {@link EtcdCandidate#knownQueue}. */
  CompletableFuture<GetResponse> queueOf(String election) {
    return readQueue(election, 0, "read of the candidates of " + election);
  }

  /**
   * One linearizable read of an election's keys, by create revision (the queue, the leader
   * first), at most {@code limit} of them (0: all), bounded by {@value #INSPECT_TIMEOUT_SECONDS} s;
   * failed at once for a name with '/' or a closed backend.
   */
  private CompletableFuture<GetResponse> readQueue(String election, long limit, String what) {
    SettingValues.requireText(election, "election");
    if (election.indexOf('/') >= 0) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("name '" + election + "' must not contain '/'"));
    }
    if (closed.get()) {
      return CompletableFuture.failedFuture(new IllegalStateException(label + " is closed"));
    }
    ByteSequence prefix = ByteSequence.from(keyPrefix + "/" + election + "/",
        StandardCharsets.UTF_8);
    GetOption queue = GetOption.builder().isPrefix(true)
        .withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.ASCEND)
        .withLimit(limit).build();
    CompletableFuture<GetResponse> get;
    try {
      get = client().getKVClient().get(prefix, queue);
    } catch (RuntimeException e) {
      get = CompletableFuture.failedFuture(e);
    }
    return within(get, TimeUnit.SECONDS.toNanos(INSPECT_TIMEOUT_SECONDS), what);
  }

  /**
   * Revokes the lease (every key of this backend's candidates disappears with it, waiting up to
   * a few seconds for etcd's answer), stops the backend's thread and closes the client if the
   * backend made it. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    candidates.close().forEach(EtcdCandidate::abandon);
    leases.values().forEach(SharedLease::close);
    scheduler.shutdownNow();
    if (clientBuilder != null) {
      synchronized (reconnecting) {
        connection.client.close();
      }
    }
    if (clientThreads != null) {
      clientThreads.shutdownNow();
    }
    log.info("{}: closed", label);
  }

  // ------------------------------------------------------------------ package-private

  /**
   * The ids of the leases in use (for tooling and diagnostics: the testing package revokes
   * them); the candidates' keys end with them in hex.
   */
  public List<Long> leaseIds() {
    List<Long> ids = new ArrayList<>();
    for (SharedLease l : leases.values()) {
      SharedLease.Grant g = l.current();
      if (g != null) {
        ids.add(g.id);
      }
    }
    return ids;
  }

  /** The key prefix, without a trailing '/'. */
  String keyPrefix() {
    return keyPrefix;
  }

  /** The fixed lease TTL, if one was given. */
  Optional<Duration> leaseTtl() {
    return Optional.ofNullable(leaseTtl);
  }

  /**
   * The jetcd client to send a request with. When the backend made the client and a request on
   * it failed for want of a connection (no answer within its timeout, or gRPC's UNAVAILABLE) with
   * no success since, a fresh client replaces it first (at most every {@value
   * #MIN_CLIENT_AGE_MILLIS} ms): its first request makes a new connection attempt at once,
   * where the old client's channel would wait out gRPC's reconnect backoff (it grows to two
   * minutes) or keep waiting on a connection that went silent. So a round after the store or the
   * network came back reaches etcd at once (rule F4).
   */
  Client client() {
    Connection c = connection;
    if (c.failure == null || clientBuilder == null
        || System.nanoTime() - c.createdAt < TimeUnit.MILLISECONDS.toNanos(MIN_CLIENT_AGE_MILLIS)) {
      return c.client;
    }
    Client old;
    synchronized (reconnecting) {
      c = connection;
      if (c.failure == null || closed.get()
          || System.nanoTime() - c.createdAt < TimeUnit.MILLISECONDS.toNanos(MIN_CLIENT_AGE_MILLIS)) {
        return c.client;
      }
      Throwable why = c.failure;
      old = c.client;
      Connection fresh = new Connection(clientBuilder.build(), c.failures + 1);
      connection = fresh;
      c = fresh;
      if (fresh.failures == 1) {
        log.warn("{}: lost the connection to etcd at {} ({}); connecting afresh before each "
            + "round until it answers", label, endpoints, describe(why));
      } else {
        log.debug("{}: connecting afresh to etcd at {} ({})", label, endpoints, describe(why));
      }
    }
    old.close(); // fails its requests under way and ends its watches; candidates watch anew
    return c.client;
  }

  /** The jetcd client and how its requests fared. */
  private static final class Connection {
    final Client client;
    final long createdAt = System.nanoTime();
    /** How many clients in a row were replaced after failures before this one. */
    final int failures;
    /** The last connection failure with no success since, or null. */
    volatile Throwable failure;
    /** Whether a request on this client was answered. */
    final AtomicBoolean answered = new AtomicBoolean();
    /** When etcd last answered a request on this client ({@link System#nanoTime()}). */
    volatile long lastAnswer = createdAt - TimeUnit.DAYS.toNanos(1);

    Connection(Client client) {
      this(client, 0);
    }

    Connection(Client client, int failures) {
      this.client = client;
      this.failures = failures;
    }
  }

  /**
   * Records how a request on {@code c} ended: a failure for want of a connection, or success. A
   * request that got no answer in time, sent at {@code sentAt}, counts as a connection failure only
   * when etcd answered nothing on that connection since: a busy connection that answers others
   * (thousands of elections starting at once) is slow, not lost, and replacing its client would
   * fail every request under way on it and start them all again.
   */
  private void fared(Connection c, Throwable error, long sentAt) {
    if (error instanceof TimeoutException && c.lastAnswer - sentAt > 0) {
      return;
    }
    fared(c, error);
  }

  /** Records how a request on {@code c} ended: a failure for want of a connection, or success. */
  private void fared(Connection c, Throwable error) {
    if (error == null) {
      c.lastAnswer = System.nanoTime();
      c.failure = null;
      if (c.failures > 0 && c.answered.compareAndSet(false, true)) {
        log.info("{}: etcd at {} answers again", label, endpoints);
      }
    } else if (isConnectionFailure(error)) {
      c.failure = error;
    } else if (isEtcdAnswer(error)) {
      c.lastAnswer = System.nanoTime(); // etcd's own error: an answer all the same
    }
  }

  /**
   * Whether a failure is an answer etcd sent (an error of its own: a failed compare, too many
   * requests), as opposed to no answer, no connection, or a call given up or refused here (a
   * cancellation is no sign of a working connection).
   */
  static boolean isEtcdAnswer(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof EtcdException || c instanceof StatusRuntimeException) {
        if (String.valueOf(c.getMessage()).contains(ETCD_SERVER_ERROR)) {
          return true;
        }
        if (c instanceof EtcdException e) {
          ErrorCode code = e.getErrorCode();
          return code != ErrorCode.UNAVAILABLE && code != ErrorCode.DEADLINE_EXCEEDED
              && code != ErrorCode.CANCELLED;
        }
        Status.Code code = ((StatusRuntimeException) c).getStatus().getCode();
        return code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED
            && code != Status.Code.CANCELLED;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }

  /**
   * No answer in time, or no connection (gRPC UNAVAILABLE), as opposed to an answer of etcd
   * (an error of etcd's own, even one that gRPC carries as UNAVAILABLE: a fresh client would only
   * fail every request under way on a connection that works).
   */
  static boolean isConnectionFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof TimeoutException) {
        return true;
      }
      if ((c instanceof EtcdException || c instanceof StatusRuntimeException)
          && String.valueOf(c.getMessage()).contains(ETCD_SERVER_ERROR)) {
        return false; // etcd answered (busy, no leader, ...): the connection works
      }
      if (c instanceof EtcdException) {
        ErrorCode code = ((EtcdException) c).getErrorCode();
        if (code == ErrorCode.UNAVAILABLE || code == ErrorCode.DEADLINE_EXCEEDED) {
          return true;
        }
      }
      if (c instanceof StatusRuntimeException) {
        Status.Code code = ((StatusRuntimeException) c).getStatus().getCode();
        if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
          return true;
        }
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }

  /** The message of a failure and of its root cause (which names the address, say). */
  private static String describe(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text = String.valueOf(t);
    return root == t || text.contains(String.valueOf(root)) ? text : text + " (" + root + ")";
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  /** The largest renew deadline of the candidates on a lease, or 0 without candidates. */
  long maxRenewDeadlineNanos(SharedLease lease) {
    long max = 0;
    for (EtcdCandidate c : candidates) {
      if (c.sharedLease() == lease) {
        max = Math.max(max, c.settings().renewDeadline().toNanos());
      }
    }
    return max;
  }

  /**
   * The shortest retry period of the candidates on a lease (or half their renew deadline, if
   * shorter: a late keep-alive answer still confirms them in time), or 0 without candidates.
   */
  long minRetryPeriodNanos(SharedLease lease) {
    long min = 0;
    for (EtcdCandidate c : candidates) {
      if (c.sharedLease() == lease) {
        long p = Math.min(c.settings().retryPeriod().toNanos(),
            c.settings().renewDeadline().toNanos() / 2);
        min = min == 0 ? p : Math.min(min, p);
      }
    }
    return min;
  }

  /**
   * The confirmations of the candidates whose keys are on {@code grant}, for its keep-alive
   * about to be sent (rule S5).
   */
  List<Confirmation> confirmations(SharedLease.Grant grant) {
    List<Confirmation> out = new ArrayList<>();
    for (EtcdCandidate c : candidates) {
      Confirmation confirmation = c.confirmation(grant);
      if (confirmation != null) {
        out.add(confirmation);
      }
    }
    return out;
  }

  void removed(EtcdCandidate candidate) {
    candidates.remove(candidate);
  }

  void leaseLost(SharedLease.Grant grant, String reason) {
    for (EtcdCandidate c : candidates) {
      c.leaseLost(grant, reason);
    }
  }

  /**
   * A future that completes as {@code f} does, or fails with a {@link TimeoutException} naming
   * {@code what} after {@code nanos}. The timer runs on the backend's thread. Either way, how the
   * request fared tells whether the connection works ({@link #client()}); a future that its
   * caller cancels (the engine gave up on the call) counts as a request that got no answer.
   */
  <T> CompletableFuture<T> within(CompletableFuture<T> f, long nanos, String what) {
    Connection used = connection;
    long sentAt = System.nanoTime();
    if (f.isDone()) {
      f.whenComplete((value, error) -> fared(used, error == null ? null : SharedLease.unwrap(error)));
      return f;
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    ScheduledFuture<?> timer;
    try {
      timer = scheduler.schedule(() -> {
        TimeoutException late = new TimeoutException(what + " got no answer from etcd at "
            + endpoints + " within " + format(Duration.ofNanos(nanos)));
        if (result.completeExceptionally(late)) {
          fared(used, late, sentAt);
        }
      }, nanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(new IllegalStateException(label + " is closed"));
      return result;
    }
    result.whenComplete((value, error) -> {
      if (result.isCancelled()) {
        timer.cancel(false);
        fared(used, new TimeoutException(what + " was given up before etcd at " + endpoints
            + " answered"), sentAt);
      }
    });
    f.whenComplete((value, error) -> {
      timer.cancel(false);
      Throwable cause = error == null ? null : SharedLease.unwrap(error);
      if (error != null && isConnectionFailure(cause)
          && !(cause instanceof EtcdUnreachableException)) {
        cause = new EtcdUnreachableException(what + " failed: etcd at " + endpoints
            + " is unreachable: " + describe(cause), cause);
      }
      if (error != null ? result.completeExceptionally(cause) : result.complete(value)) {
        fared(used, cause);
      } else if (cause == null || isEtcdAnswer(cause)) {
        fared(used, null); // answered after its caller gave up: the connection works
      }
    });
    return result;
  }

  /** The turns of the candidates' rounds at etcd. */
  RoundTurns turns() {
    return turns;
  }

  /** A request found no connection to etcd; the message names the endpoints and the cause. */
  static final class EtcdUnreachableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    EtcdUnreachableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static String format(Duration d) {
    return SettingValues.format(d);
  }

  @Override
  public String toString() {
    return label;
  }

  // ------------------------------------------------------------------ builder

  /**
   * Builds an {@link EtcdElectionBackend}, validating each setting as it is given. Give either
   * {@link #endpoints} (the backend makes and owns a client) or {@link #client} (the caller's
   * client, which the backend does not close). Not thread-safe.
   */
  public static final class Builder {

    private final List<String> endpoints = new ArrayList<>();
    private Client client;
    private String keyPrefix = DEFAULT_KEY_PREFIX;
    private Duration leaseTtl;
    private String user;
    private String password;
    private Path trustedCertificates;
    private Path clientCertificate;
    private Path clientKey;

    private Builder() {
    }

    /**
     * The etcd endpoints, as {@code http://host:port}, {@code https://host:port} or {@code
     * host:port} (then {@code https} when TLS is configured, {@code http} otherwise). Replaces
     * endpoints given before.
     *
     * @throws IllegalArgumentException if the list is empty or an endpoint is malformed
     */
    public Builder endpoints(String... endpoints) {
      Objects.requireNonNull(endpoints, "endpoints");
      return endpoints(List.of(endpoints));
    }

    /**
     * The etcd endpoints; see {@link #endpoints(String...)}.
     *
     * @throws IllegalArgumentException if the list is empty or an endpoint is malformed
     */
    public Builder endpoints(Collection<String> endpoints) {
      Objects.requireNonNull(endpoints, "endpoints");
      if (endpoints.isEmpty()) {
        throw new IllegalArgumentException("endpoints must not be empty");
      }
      List<String> checked = new ArrayList<>();
      for (String e : endpoints) {
        checked.add(checkEndpoint(e));
      }
      this.endpoints.clear();
      this.endpoints.addAll(checked);
      return this;
    }

    /**
     * A jetcd client to use instead of endpoints; the backend does not close it. TLS and
     * credentials are then the client's own.
     */
    public Builder client(Client client) {
      this.client = Objects.requireNonNull(client, "client");
      return this;
    }

    /**
     * The prefix of every key of this backend (default {@value #DEFAULT_KEY_PREFIX}): election
     * {@code NAME} lives under {@code <keyPrefix>/NAME/}. A trailing {@code '/'} is dropped.
     *
     * @throws IllegalArgumentException if blank
     */
    public Builder keyPrefix(String keyPrefix) {
      Objects.requireNonNull(keyPrefix, "keyPrefix");
      if (keyPrefix.isBlank()) {
        throw new IllegalArgumentException("keyPrefix must not be blank, got '" + keyPrefix + "'");
      }
      String p = keyPrefix;
      while (p.endsWith("/")) {
        p = p.substring(0, p.length() - 1);
      }
      this.keyPrefix = p;
      return this;
    }

    /**
     * One TTL for the backend's etcd lease, used by every election whatever its lease duration:
     * a whole number of seconds, etcd's granularity. It then acts as the lease duration D of the
     * elections (a candidate that stops renewing loses its keys after it), and elections whose
     * renew deadline is not shorter are refused. Default: none, each election's lease duration
     * is the TTL of its lease (elections of equal lease duration share one lease). etcd raises a
     * TTL below its minimum (1.5 times its election timeout, rounded up).
     *
     * @throws IllegalArgumentException if shorter than 1 s, not whole seconds, or above etcd's
     *     maximum
     */
    public Builder leaseTtl(Duration leaseTtl) {
      Objects.requireNonNull(leaseTtl, "leaseTtl");
      if (leaseTtl.compareTo(Duration.ofSeconds(1)) < 0 || leaseTtl.getNano() != 0
          || leaseTtl.getSeconds() > MAX_TTL_SECONDS) {
        throw new IllegalArgumentException("leaseTtl (" + format(leaseTtl) + ") must be a whole "
            + "number of seconds between 1s and " + MAX_TTL_SECONDS + "s (etcd's lease granularity)");
      }
      this.leaseTtl = leaseTtl;
      return this;
    }

    /**
     * User and password for etcd's authentication.
     *
     * @throws IllegalArgumentException if the user is blank
     */
    public Builder credentials(String user, String password) {
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(password, "password");
      if (user.isBlank()) {
        throw new IllegalArgumentException("user must not be blank, got '" + user + "'");
      }
      this.user = user;
      this.password = password;
      return this;
    }

    /**
     * The PEM file of the certificate authorities that sign etcd's server certificates; turns
     * TLS on.
     *
     * @throws IllegalArgumentException if the file is not readable
     */
    public Builder trustedCertificates(Path caPem) {
      this.trustedCertificates = readable(caPem, "trustedCertificates");
      return this;
    }

    /**
     * The client certificate chain and its PKCS#8 private key, both PEM, for etcd's client
     * certificate authentication; turns TLS on.
     *
     * @throws IllegalArgumentException if a file is not readable
     */
    public Builder clientCertificate(Path certificatePem, Path privateKeyPem) {
      this.clientCertificate = readable(certificatePem, "clientCertificate");
      this.clientKey = readable(privateKeyPem, "clientKey");
      return this;
    }

    /**
     * Builds the backend. It connects lazily: the first poll of a candidate grants the lease.
     *
     * @throws IllegalStateException if neither endpoints nor a client were given
     * @throws IllegalArgumentException if both were given, if TLS or credentials were given with
     *     a client, or if the TLS files cannot be loaded
     */
    public EtcdElectionBackend build() {
      boolean https = endpoints.stream().anyMatch(e -> e.startsWith("https://"));
      if (https && endpoints.stream().anyMatch(e -> e.startsWith("http://"))) {
        throw new IllegalArgumentException("endpoints " + endpoints + " mix http and https: "
            + "use one scheme for every member");
      }
      // an https endpoint without a CA file is TLS with the JVM's default trust store, never
      // plaintext
      boolean tls = https || trustedCertificates != null || clientCertificate != null;
      if (client != null) {
        if (!endpoints.isEmpty()) {
          throw new IllegalArgumentException("endpoints " + endpoints + " and client are "
              + "exclusive: give the endpoints to the client");
        }
        if (tls || user != null) {
          throw new IllegalArgumentException("TLS and credentials are configured on the given "
              + "client, not on the backend");
        }
        return new EtcdElectionBackend(client, null, "the given client", null, keyPrefix,
            leaseTtl);
      }
      if (endpoints.isEmpty()) {
        throw new IllegalStateException("endpoints are required: call endpoints(...) or "
            + "client(...) before build()");
      }
      List<URI> uris = new ArrayList<>();
      for (String e : endpoints) {
        String full = e.contains("://") ? e : (tls ? "https://" : "http://") + e;
        uris.add(URI.create(full));
      }
      ThreadPoolExecutor clientThreads = clientThreads();
      ClientBuilder b = Client.builder()
          .endpoints(uris.toArray(new URI[0]))
          // jetcd's default is an unbounded cached pool, which bursts to dozens of threads when
          // many polls answer at once; its callbacks here never block
          .executorService(clientThreads)
          // and gRPC's callbacks of every call too: its default executor is an unbounded cached
          // pool as well (grpc-default-executor-N: 80 threads at 10,000 elections' start)
          .interceptor(callbacksOn(clientThreads))
          // fail fast while disconnected: polls then report the outage instead of queueing
          .waitForReady(false)
          // no hidden retries: the candidates retry every retry period, each request bounded
          // by a timeout shorter than the renew deadline, and failures show their cause
          .retryMaxAttempts(0)
          .connectTimeout(CONNECT_TIMEOUT)
          .keepaliveTime(KEEPALIVE_TIME)
          .keepaliveTimeout(KEEPALIVE_TIMEOUT)
          .keepaliveWithoutCalls(false);
      if (user != null) {
        b.user(ByteSequence.from(user, StandardCharsets.UTF_8))
            .password(ByteSequence.from(password, StandardCharsets.UTF_8));
      }
      if (tls) {
        try {
          b.sslContext(ssl -> {
            if (trustedCertificates != null) {
              ssl.trustManager(trustedCertificates.toFile());
            }
            if (clientCertificate != null) {
              ssl.keyManager(clientCertificate.toFile(), clientKey.toFile());
            }
          });
        } catch (SSLException | RuntimeException e) {
          throw new IllegalArgumentException("cannot load the TLS files (trustedCertificates "
              + trustedCertificates + ", clientCertificate " + clientCertificate
              + ", clientKey " + clientKey + "): " + e.getMessage(), e);
        }
      }
      try {
        return new EtcdElectionBackend(b.build(), b, String.join(",", endpoints), clientThreads,
            keyPrefix, leaseTtl);
      } catch (RuntimeException e) {
        clientThreads.shutdownNow();
        throw e;
      }
    }

    /** Daemon threads that run jetcd's callbacks for a client the backend makes. */
    /** Has gRPC call the listeners of every call on {@code executor}. */
    private static ClientInterceptor callbacksOn(Executor executor) {
      return new ClientInterceptor() {
        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method,
            CallOptions options, Channel next) {
          return next.newCall(method, options.withExecutor(executor));
        }
      };
    }

    private static ThreadPoolExecutor clientThreads() {
      ThreadPoolExecutor pool = new ThreadPoolExecutor(CLIENT_THREADS, CLIENT_THREADS, 30,
          TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
          DaemonThreads.numbered("election-etcd-client"));
      pool.allowCoreThreadTimeOut(true);
      return pool;
    }

    private static Path readable(Path p, String setting) {
      Objects.requireNonNull(p, setting);
      File f = p.toFile();
      if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
        throw new IllegalArgumentException(setting + " (" + f + ") is not a readable file");
      }
      return p;
    }

    private static String checkEndpoint(String endpoint) {
      Objects.requireNonNull(endpoint, "endpoint");
      String e = endpoint.trim();
      String full = e.contains("://") ? e : "http://" + e;
      URI uri;
      try {
        uri = new URI(full);
      } catch (URISyntaxException ex) {
        throw new IllegalArgumentException("endpoint '" + endpoint + "' is malformed: "
            + ex.getMessage(), ex);
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new IllegalArgumentException("endpoint '" + endpoint + "' must use http or https");
      }
      if (uri.getHost() == null || uri.getPort() < 0) {
        throw new IllegalArgumentException("endpoint '" + endpoint + "' must be host:port");
      }
      if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) {
        throw new IllegalArgumentException("endpoint '" + endpoint + "' must not have a path");
      }
      return e.contains("://") ? scheme + "://" + uri.getHost() + ":" + uri.getPort()
          : uri.getHost() + ":" + uri.getPort();
    }
  }
}
