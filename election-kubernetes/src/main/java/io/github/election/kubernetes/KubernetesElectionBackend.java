package io.github.election.kubernetes;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseList;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.RequestConfig;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.github.election.spi.CandidateContext;
import io.github.election.spi.DaemonThreads;
import io.github.election.spi.ElectionSettings;
import io.github.election.spi.record.LeaderRecord;
import io.github.election.spi.record.RecordElectionBackend;
import io.github.election.spi.record.RecordStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election on Kubernetes {@code coordination.k8s.io/v1} Leases, through the fabric8
 * client: one Lease per election, named after the election, in one namespace.
 *
 * <pre>{@code
 * try (KubernetesElectionBackend store = KubernetesElectionBackend.builder().build();
 *      LeaderElection election = LeaderElection.builder(store)
 *          .name("cluster-checks").identity(System.getenv("POD_NAME")).build()) {
 *   election.start();
 *   ...
 * }
 * }</pre>
 *
 * <p><b>Protocol.</b> The Lease is the leadership record of the SPI's record tier ({@link
 * RecordElectionBackend}, whose candidate runs client-go's algorithm); this class only reads and
 * writes it. The Lease fields are those that client-go's and fabric8's electors write,
 * with the same meaning ({@code holderIdentity}, {@code leaseDurationSeconds}, {@code
 * acquireTime}, {@code renewTime}, {@code leaseTransitions}), so that candidates of this library
 * and client-go or fabric8 electors can share one Lease. A candidate acquires or renews with an
 * update that carries the {@code resourceVersion} it read (a 409 Conflict means another won); a
 * follower judges a lease expired when it has seen the same record for {@code
 * leaseDurationSeconds} on the election's own monotonic clock, never by comparing {@code
 * renewTime} with its wall clock; a leader or candidate that closes or resigns clears {@code
 * holderIdentity} and sets {@code leaseDurationSeconds} to 1, so that the others take over at
 * once. The term of a leadership period is {@code leaseTransitions + 1}; {@code
 * leaseTransitions} grows on every acquisition by a candidate that did not lead without
 * interruption before.
 *
 * <p><b>Threads.</b> Requests are blocking fabric8 calls, run on a small bounded pool owned by
 * the backend ({@link Builder#ioThreads(int)}), each bounded by a quarter of the election's
 * renew deadline whatever the client's configured timeouts; one watch per Lease name hands the
 * candidates of this backend every version of the Lease, so that a handover waits for no timer
 * and a follower sends no request while the watch is healthy (it starts on a thread of its own,
 * since fabric8 waits for its handshake without a timeout). A leader renews with one update at
 * the version it wrote last. The backend is
 * thread-safe; {@link #close()} stops the pool, the watches and, if the backend made it, the
 * client.
 *
 * <p><b>Unreachable API server.</b> A request that gets no HTTP answer fails with a reason that
 * names the API server's {@code host:port} and the cause (refused, no answer within the
 * request's time, a host name that does not resolve), which the engine logs.
 *
 * <p><b>Permissions.</b> The identity needs {@code get}, {@code create}, {@code update} and
 * {@code watch} on {@code leases.coordination.k8s.io} in the namespace; the jar holds an example
 * Role and RoleBinding at {@value #RBAC_RESOURCE}. A request refused with 403 makes the
 * candidate {@code UNKNOWN} with a reason that names the verb, the namespace and the user.
 */
public final class KubernetesElectionBackend extends RecordElectionBackend {

  private static final Logger log = LoggerFactory.getLogger(KubernetesElectionBackend.class);

  /** Where the example Role and RoleBinding live on the class path. */
  public static final String RBAC_RESOURCE = "io/github/election/kubernetes/rbac.yaml";

  /** The file in which Kubernetes tells a pod its namespace. */
  static final Path SERVICE_ACCOUNT_NAMESPACE =
      Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

  private static final AtomicInteger IDS = new AtomicInteger();

  /** How long {@link #inspect} waits for the API server. */
  private static final int INSPECT_TIMEOUT_MILLIS = 5000;
  private final LeaseRoster roster = new LeaseRoster(this);
  /** The API server refused spec.strategy / spec.preferredHolder once (422): annotation only. */
  private final java.util.concurrent.atomic.AtomicBoolean specPreferenceRefused =
      new java.util.concurrent.atomic.AtomicBoolean();

  private final KubernetesClient client;
  private final boolean ownsClient;
  private final String namespace;
  private final String leasePrefix;
  private final String label;
  private final String apiServer;
  private final ThreadPoolExecutor io;
  /** Derived clients by request timeout and watch reconnect interval. */
  private final Map<List<Integer>, KubernetesClient> derivedClients = new ConcurrentHashMap<>();
  private final Map<String, LeaseWatch> watches = new HashMap<>(); // guarded by itself
  private volatile boolean closed;

  private KubernetesElectionBackend(KubernetesClient client, boolean ownsClient, String namespace,
      String leasePrefix, int ioThreads, int id) {
    super("election-kubernetes-timer-" + id);
    this.client = client;
    this.ownsClient = ownsClient;
    this.namespace = namespace;
    this.leasePrefix = leasePrefix;
    this.label = "kubernetes[" + namespace + (leasePrefix.isEmpty() ? "" : "/" + leasePrefix)
        + "]#" + id;
    this.apiServer = Unreachable.address(client.getConfiguration().getMasterUrl());
    this.io = new ThreadPoolExecutor(ioThreads, ioThreads, 10, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(4096), DaemonThreads.numbered("election-kubernetes-io-" + id));
    this.io.allowCoreThreadTimeOut(true);
  }

  /** Starts building a backend. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return "kubernetes";
  }

  /** The namespace that holds this backend's Leases. */
  public String namespace() {
    return namespace;
  }

  /**
   * The name of the Lease that an election of this name uses: the election's name, after the
   * lease prefix and a {@code -} if a prefix was set.
   */
  public String leaseName(String election) {
    return LeaseNames.leaseName(leasePrefix, Objects.requireNonNull(election, "election"));
  }

  /**
   * Refuses an election whose Lease name the API server would refuse: it must be a DNS-1123
   * subdomain. Does no I/O.
   *
   * @throws IllegalArgumentException naming {@code name} and its value
   */
  @Override
  public void validate(ElectionSettings settings) {
    Objects.requireNonNull(settings, "settings");
    String lease = leaseName(settings.name());
    if (!LeaseNames.isSubdomain(lease)) {
      String which = lease.equals(settings.name()) ? ""
          : " (Lease name '" + lease + "' with the lease prefix '" + leasePrefix + "')";
      throw new IllegalArgumentException("name '" + settings.name() + "'" + which
          + " cannot name a Kubernetes Lease: it must be " + LeaseNames.SUBDOMAIN_RULE);
    }
  }

  /** The candidate's Lease, as the record of the second SPI tier; does no I/O. */
  @Override
  protected RecordStore open(CandidateContext context) {
    return new LeaseStore(this, context, leaseName(context.settings().name()));
  }

  /**
   * Reads the election's Lease once, for {@link #inspect}: on the backend's request pool,
   * bounded by 5 s.
   *
   * @return a stage failed with {@link IllegalArgumentException} for a name that cannot name a
   *     Lease, or with the client's error when the API server cannot be read
   */
  /**
   * The candidates of priority above 0: a Lease each, labelled {@code
   * election.github.io/candidate-of} (docs/CONTROL.md).
   */
  @Override
  protected io.github.election.spi.record.CandidateRoster roster() {
    return roster;
  }

  @Override
  protected CompletionStage<Optional<LeaderRecord>> peek(String election) {
    String lease = leaseName(election);
    if (!LeaseNames.isSubdomain(lease)) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("name '" + election
          + "' cannot name a Kubernetes Lease: it must be " + LeaseNames.SUBDOMAIN_RULE));
    }
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException(label + " is closed"));
    }
    try {
      return CompletableFuture.supplyAsync(() -> {
        try {
          return Optional.ofNullable(leases(INSPECT_TIMEOUT_MILLIS).withName(lease).get())
              .map(l -> LeaseStore.decode(l).record());
        } catch (KubernetesClientException e) {
          throw Unreachable.of("get of Lease " + namespace + "/" + lease, apiServer,
              INSPECT_TIMEOUT_MILLIS, e);
        }
      }, io);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new IllegalStateException(label + " is closed", e));
    }
  }

  /**
   * Stops the watches, the request pool and the timer, and closes the client if this backend
   * made it; a client given to {@link Builder#client} stays open. Leases held by candidates that
   * were not closed first are not released: they run out. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    super.close();
    List<LeaseWatch> toClose;
    synchronized (watches) {
      toClose = new ArrayList<>(watches.values());
      watches.clear();
    }
    toClose.forEach(LeaseWatch::close);
    io.shutdownNow();
    try {
      if (!io.awaitTermination(2, TimeUnit.SECONDS)) {
        log.warn("{}: requests still running 2 s after close", label);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ownsClient) {
      client.close();
    }
    log.debug("{}: closed", label);
  }

  @Override
  public String toString() {
    return label;
  }

  // ------------------------------------------------------------------ for the candidates

  boolean isClosed() {
    return closed;
  }

  /** Whether the API server refused {@code spec.strategy} and {@code spec.preferredHolder}. */
  boolean specPreferenceRefused() {
    return specPreferenceRefused.get();
  }

  /** The API server refused them: from now on the annotation alone names a preferred holder. */
  void refuseSpecPreference(KubernetesClientException e) {
    if (specPreferenceRefused.compareAndSet(false, true)) {
      log.info("{}: the API server refuses spec.strategy/spec.preferredHolder of Leases ({}); "
          + "naming preferred holders by the annotation {} only", label,
          e.getStatus() != null ? e.getStatus().getMessage() : e.getMessage(),
          LeaseStore.PREFERRED_HOLDER);
    }
  }

  String label() {
    return label;
  }

  /** {@code host:port} of the API server, for messages. */
  String apiServer() {
    return apiServer;
  }

  ThreadPoolExecutor io() {
    return io;
  }

  /**
   * The Leases of the namespace, on a client whose requests give up after {@code timeoutMillis}
   * and are not retried (the engine retries after the retry period). Derived clients share the
   * HTTP client of the base one and are never closed by themselves.
   */
  NonNamespaceOperation<Lease, LeaseList, Resource<Lease>> leases(int timeoutMillis) {
    return leases(timeoutMillis, 0);
  }

  /**
   * The same, for a watch ({@code reconnectMillis > 0}): one that never reconnects by itself
   * (fabric8's reconnect limit 0), so that every end of a watch reaches {@link LeaseWatch} and
   * the candidates read once before they trust a new one; the next poll starts it again. The
   * reconnect interval is set to at most {@code reconnectMillis} all the same, in case a
   * configured limit ever lets fabric8 retry.
   */
  NonNamespaceOperation<Lease, LeaseList, Resource<Lease>> leases(int timeoutMillis,
      int reconnectMillis) {
    KubernetesClient c = derivedClients.computeIfAbsent(List.of(timeoutMillis, reconnectMillis),
        k -> {
          RequestConfig base = client.getConfiguration().getRequestConfig();
          RequestConfigBuilder rc = new RequestConfigBuilder(base)
              .withRequestTimeout(timeoutMillis).withRequestRetryBackoffLimit(0);
          Integer configured = base.getWatchReconnectInterval();
          if (reconnectMillis > 0 && (configured == null || configured > reconnectMillis)) {
            rc.withWatchReconnectInterval(reconnectMillis);
          }
          if (reconnectMillis > 0) {
            rc.withWatchReconnectLimit(0);
          }
          return client.newClient(rc.build()).adapt(KubernetesClient.class);
        });
    return c.leases().inNamespace(namespace);
  }

  String namespaceName() {
    return namespace;
  }

  /** The user the client authenticates as, when its configuration says so. */
  String configuredUser() {
    Config c = client.getConfiguration();
    if (c.getUsername() != null && !c.getUsername().isBlank()) {
      return c.getUsername();
    }
    if (c.getCurrentContext() != null && c.getCurrentContext().getContext() != null
        && c.getCurrentContext().getContext().getUser() != null) {
      return c.getCurrentContext().getContext().getUser();
    }
    return null;
  }

  /**
   * The candidate's store joins the watch of its Lease name, which is started if it is not
   * running; the watch's requests give up after {@code timeoutMillis} and it reconnects at
   * least every {@code reconnectMillis} (the settings of the candidate that started it).
   */
  void watch(LeaseStore c, int timeoutMillis, int reconnectMillis, long aliveNanos) {
    LeaseWatch w;
    synchronized (watches) {
      if (closed) {
        return;
      }
      w = watches.computeIfAbsent(c.leaseName(),
          n -> new LeaseWatch(this, n, timeoutMillis, reconnectMillis, aliveNanos));
      w.add(c);
    }
    w.ensureStarted();
  }

  /** Whether the watch of c's Lease is healthy ({@link LeaseWatch#healthy()}). */
  boolean watchHealthy(LeaseStore c) {
    LeaseWatch w;
    synchronized (watches) {
      w = watches.get(c.leaseName());
    }
    return w != null && w.healthy();
  }

  /**
   * Completes at the first event of the watch of c's Lease that satisfies the condition; at
   * once if no watch runs.
   */
  CompletableFuture<Void> nextWatchEvent(LeaseStore c, Predicate<Lease> condition) {
    synchronized (watches) {
      LeaseWatch w = watches.get(c.leaseName());
      return w == null ? CompletableFuture.completedFuture(null) : w.nextEvent(condition);
    }
  }

  /** The candidate's store stops watching; the watch of its Lease stops with its last member. */
  void unwatch(LeaseStore c) {
    LeaseWatch toClose = null;
    synchronized (watches) {
      LeaseWatch w = watches.get(c.leaseName());
      if (w != null && w.remove(c) && w.isEmpty()) {
        watches.remove(c.leaseName());
        toClose = w;
      }
    }
    if (toClose != null) {
      toClose.close();
    }
  }

  /**
   * Builds a {@link KubernetesElectionBackend}, validating each setting as it is given. Not
   * thread-safe.
   */
  public static final class Builder {

    private KubernetesClient client;
    private Config config;
    private String namespace;
    private String leasePrefix = "";
    private int ioThreads = 2;

    private Builder() {
    }

    /**
     * Uses an existing client. The backend does not close it. Exclusive with {@link
     * #config(Config)}; without either, the backend makes a client from the default
     * configuration (the in-cluster service account, or {@code KUBECONFIG} and
     * {@code ~/.kube/config}) and closes it on {@link #close()}.
     */
    public Builder client(KubernetesClient client) {
      this.client = Objects.requireNonNull(client, "client");
      return this;
    }

    /**
     * Makes the backend's own client from this configuration; the backend closes it on {@link
     * #close()}. Exclusive with {@link #client(KubernetesClient)}.
     */
    public Builder config(Config config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * The namespace of the Leases. Default: the pod's own namespace (from the service account's
     * namespace file), else the client's configured namespace, else {@code default}.
     *
     * @throws IllegalArgumentException if not a DNS-1123 label
     */
    public Builder namespace(String namespace) {
      Objects.requireNonNull(namespace, "namespace");
      if (!LeaseNames.isLabel(namespace)) {
        throw new IllegalArgumentException("namespace '" + namespace + "' must be "
            + LeaseNames.LABEL_RULE);
      }
      this.namespace = namespace;
      return this;
    }

    /**
     * A prefix for the Lease names, so that several applications can share a namespace: the
     * election {@code jobs} with the prefix {@code billing} uses the Lease {@code billing-jobs}.
     * Default: none, the Lease is named after the election.
     *
     * @throws IllegalArgumentException if the prefix is not empty and not a DNS-1123 subdomain
     */
    public Builder leasePrefix(String leasePrefix) {
      Objects.requireNonNull(leasePrefix, "leasePrefix");
      if (!leasePrefix.isEmpty() && (!LeaseNames.isSubdomain(leasePrefix)
          || leasePrefix.length() > LeaseNames.MAX_SUBDOMAIN - 2)) {
        throw new IllegalArgumentException("leasePrefix '" + leasePrefix + "' must be empty or "
            + LeaseNames.SUBDOMAIN_RULE.replace(Integer.toString(LeaseNames.MAX_SUBDOMAIN),
                Integer.toString(LeaseNames.MAX_SUBDOMAIN - 2)));
      }
      this.leasePrefix = leasePrefix;
      return this;
    }

    /**
     * How many requests the backend runs at once (default 2): fabric8's calls block, so they run
     * on a pool of this size that all elections of the backend share; its threads end when idle.
     *
     * @throws IllegalArgumentException if not between 1 and 64
     */
    public Builder ioThreads(int ioThreads) {
      if (ioThreads < 1 || ioThreads > 64) {
        throw new IllegalArgumentException("ioThreads must be between 1 and 64, got " + ioThreads);
      }
      this.ioThreads = ioThreads;
      return this;
    }

    /**
     * Builds the backend. Reads configuration files, but does not contact the API server.
     *
     * @throws IllegalStateException if both a client and a configuration were given
     * @throws IllegalArgumentException if the namespace found in the configuration is invalid
     */
    public KubernetesElectionBackend build() {
      if (client != null && config != null) {
        throw new IllegalStateException("client(...) and config(...) are exclusive: give one");
      }
      KubernetesClient c = client;
      boolean owns = false;
      if (c == null) {
        KubernetesClientBuilder b = new KubernetesClientBuilder();
        if (config != null) {
          b.withConfig(config);
        }
        c = b.build();
        owns = true;
      }
      try {
        String ns = namespace != null ? namespace : defaultNamespace(c);
        if (!LeaseNames.isLabel(ns)) {
          throw new IllegalArgumentException("namespace '" + ns + "' must be "
              + LeaseNames.LABEL_RULE);
        }
        return new KubernetesElectionBackend(c, owns, ns, leasePrefix, ioThreads,
            IDS.incrementAndGet());
      } catch (RuntimeException e) {
        if (owns) {
          c.close();
        }
        throw e;
      }
    }

    private static String defaultNamespace(KubernetesClient c) {
      if (Files.isReadable(SERVICE_ACCOUNT_NAMESPACE)) {
        try {
          String ns = Files.readString(SERVICE_ACCOUNT_NAMESPACE, StandardCharsets.UTF_8).trim();
          if (!ns.isEmpty()) {
            return ns;
          }
        } catch (IOException e) {
          log.debug("cannot read {}: {}", SERVICE_ACCOUNT_NAMESPACE, e.toString());
        }
      }
      String ns = c.getNamespace();
      return ns == null || ns.isBlank() ? "default" : ns;
    }
  }
}
