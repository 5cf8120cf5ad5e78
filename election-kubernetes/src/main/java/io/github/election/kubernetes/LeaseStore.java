package io.github.election.kubernetes;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher.Action;
import io.github.election.spi.CandidateContext;
import io.github.election.spi.ElectionSettings;
import io.github.election.spi.record.LeaderRecord;
import io.github.election.spi.record.RecordConflictException;
import io.github.election.spi.record.RecordStore;
import io.github.election.spi.record.VersionedRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One candidate's Lease: the record of its election as a {@code coordination.k8s.io/v1} Lease
 * ({@code holderIdentity}, {@code leaseDurationSeconds}, {@code acquireTime}, {@code
 * renewTime}, {@code leaseTransitions}, compared and set at its {@code resourceVersion}), read
 * and written with blocking fabric8 calls on the backend's request pool.
 *
 * <p>Each request gives up after a quarter of the renew deadline R, and is not retried by
 * fabric8 (the engine retries after the retry period). The Lease's watch is the backend's,
 * shared by its candidates of the election ({@link LeaseWatch}).
 */
final class LeaseStore implements RecordStore {

  private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

  private final KubernetesElectionBackend backend;
  private final String leaseName;
  private final String identity;
  private final int requestTimeoutMillis;
  private final int watchReconnectMillis;
  private final long leaveBoundNanos;
  private final long aliveNanos;
  /** The Lease as last read or written: an update keeps its metadata and other fields. */
  private volatile Lease last;
  /** The Lease as the watch last delivered it, for the same. */
  private volatile Lease watched;
  private volatile RecordStore.Watcher watcher;

  LeaseStore(KubernetesElectionBackend backend, CandidateContext context, String leaseName) {
    this.backend = backend;
    this.leaseName = leaseName;
    ElectionSettings s = context.settings();
    this.identity = s.identity();
    long renewNanos = s.renewDeadline().toNanos();
    this.requestTimeoutMillis = (int) Math.max(50, Math.min(Integer.MAX_VALUE,
        TimeUnit.NANOSECONDS.toMillis(renewNanos / 4)));
    // fabric8's reconnect backoff grows to 32 times its first interval: at most P
    this.watchReconnectMillis = (int) Math.max(10, Math.min(Integer.MAX_VALUE,
        TimeUnit.NANOSECONDS.toMillis(s.retryPeriod().toNanos() / 32)));
    this.leaveBoundNanos = Math.max(1, renewNanos / 8);
    this.aliveNanos = Math.max(1, renewNanos / 2);
  }

  /** {@code leaseDurationSeconds} for a lease duration: rounded up to whole seconds. */
  static int leaseSeconds(Duration d) {
    long nanos = d.toNanos();
    long seconds = (nanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND;
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, seconds));
  }

  String leaseName() {
    return leaseName;
  }

  // ------------------------------------------------------------------ RecordStore

  @Override
  public CompletionStage<Optional<VersionedRecord>> get() {
    return call("get", () -> {
      Lease lease = backend.leases(requestTimeoutMillis).withName(leaseName).get();
      return Optional.ofNullable(lease).map(this::seen);
    });
  }

  /** The annotation that names the candidate a release handed over to. */
  static final String PREFERRED_HOLDER = "election.github.io/preferred-holder";

  @Override
  public CompletionStage<VersionedRecord> create(LeaderRecord record) {
    Lease fresh = new LeaseBuilder()
        .withNewMetadata().withName(leaseName).withNamespace(backend.namespaceName())
        .endMetadata().withSpec(encode(record, new LeaseSpec())).build();
    annotate(fresh, record);
    return call("create", () -> seen(withSpecPreference(fresh, record,
        l -> backend.leases(requestTimeoutMillis).resource(l).create())));
  }

  @Override
  public CompletionStage<VersionedRecord> update(VersionedRecord current, LeaderRecord next) {
    // current is the Lease last read, written or watched: when neither has its version, the
    // Lease changed since current, and the API server refuses the update with 409 anyway
    Lease known = last;
    if (known == null || !current.version().equals(versionOf(known))) {
      known = watched;
    }
    Lease base = known != null && current.version().equals(versionOf(known))
        ? new LeaseBuilder(known).build()
        : new LeaseBuilder().withNewMetadata().withName(leaseName)
            .withNamespace(backend.namespaceName()).withResourceVersion(current.version())
            .endMetadata().build();
    base.setSpec(encode(next, base.getSpec() != null ? base.getSpec() : new LeaseSpec()));
    annotate(base, next);
    return call("update", () -> seen(withSpecPreference(base, next,
        l -> backend.leases(requestTimeoutMillis).resource(l).update())));
  }

  @Override
  public void watch(RecordStore.Watcher watcher) {
    this.watcher = watcher;
    backend.watch(this, requestTimeoutMillis, watchReconnectMillis, aliveNanos);
  }

  /** Whether the shared watch of the Lease is healthy ({@link LeaseWatch#healthy()}). */
  @Override
  public boolean watchHealthy() {
    return watcher != null && backend.watchHealthy(this);
  }

  /**
   * Stops watching once the watch showed the next holder after the release (bounded by R / 8,
   * e.g. when no other candidate is left): a watch that closes while an event is sent down it,
   * or an update that reaches a watch being closed, stalls or breaks fabric8's mock API server,
   * and the next holder's acquire follows the release within milliseconds.
   */
  @Override
  public CompletionStage<Void> leave(CompletionStage<Void> released) {
    CompletableFuture<Void> nextHolder = backend.nextWatchEvent(this, lease -> {
      String holder = lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
      return holder != null && !holder.isEmpty() && !holder.equals(identity);
    });
    return released.handle((v, e) -> (Void) null)
        .thenCompose(v -> nextHolder.completeOnTimeout(null, leaveBoundNanos,
            TimeUnit.NANOSECONDS))
        .whenComplete((v, e) -> backend.unwatch(this));
  }

  // ------------------------------------------------------------------ from the watch

  /** A watch event on the Lease, for this candidate. */
  void onWatchEvent(Action action, Lease lease) {
    RecordStore.Watcher w = watcher;
    if (w == null) {
      return;
    }
    switch (action) {
      case DELETED:
        w.recordChangedTo(null);
        break;
      case ADDED:
      case MODIFIED:
        watched = lease;
        w.recordChangedTo(decode(lease));
        break;
      default:
        break;
    }
  }

  /** The Lease may have changed while nobody watched. */
  void storeChanged() {
    RecordStore.Watcher w = watcher;
    if (w != null) {
      w.recordMayHaveChanged();
    }
  }

  // ------------------------------------------------------------------ Lease <-> record

  private VersionedRecord seen(Lease lease) {
    last = lease;
    return decode(lease);
  }

  static VersionedRecord decode(Lease lease) {
    LeaseSpec spec = lease.getSpec() != null ? lease.getSpec() : new LeaseSpec();
    Integer seconds = spec.getLeaseDurationSeconds();
    Integer transitions = spec.getLeaseTransitions();
    String preferred = spec.getPreferredHolder();
    if ((preferred == null || preferred.isEmpty()) && lease.getMetadata() != null
        && lease.getMetadata().getAnnotations() != null) {
      preferred = lease.getMetadata().getAnnotations().get(PREFERRED_HOLDER);
    }
    LeaderRecord record = new LeaderRecord(spec.getHolderIdentity(),
        seconds == null ? null : Duration.ofSeconds(Math.max(0, seconds)),
        instant(spec.getAcquireTime()), instant(spec.getRenewTime()),
        transitions == null ? 0 : Math.max(0, transitions), preferred);
    String version = versionOf(lease);
    return new VersionedRecord(record, version == null ? "" : version);
  }

  private static LeaseSpec encode(LeaderRecord r, LeaseSpec spec) {
    spec.setHolderIdentity(r.holderIdentity() == null ? "" : r.holderIdentity());
    spec.setLeaseDurationSeconds(r.leaseDuration() == null ? null
        : leaseSeconds(r.leaseDuration()));
    spec.setAcquireTime(microTime(r.acquireTime()));
    spec.setRenewTime(microTime(r.renewTime()));
    spec.setLeaseTransitions((int) Math.min(Integer.MAX_VALUE, r.leaderTransitions()));
    return spec;
  }

  /**
   * Writes the record's preferred holder as the annotation {@value #PREFERRED_HOLDER}, or
   * removes it: every server keeps an annotation, where {@code spec.preferredHolder} needs
   * Kubernetes 1.31+ with the CoordinatedLeaderElection feature gate ({@link
   * #withSpecPreference} writes it too); {@link #decode} reads the spec field first.
   */
  private static void annotate(Lease lease, LeaderRecord r) {
    java.util.Map<String, String> annotations = lease.getMetadata().getAnnotations();
    if (r.preferredHolder() == null
        && (annotations == null || !annotations.containsKey(PREFERRED_HOLDER))) {
      return;
    }
    // a copy: the map may be shared with the Lease last read
    java.util.Map<String, String> next = annotations == null ? new java.util.HashMap<>()
        : new java.util.HashMap<>(annotations);
    if (r.preferredHolder() == null) {
      next.remove(PREFERRED_HOLDER);
    } else {
      next.put(PREFERRED_HOLDER, r.preferredHolder());
    }
    lease.getMetadata().setAnnotations(next);
  }

  /**
   * The value of {@code spec.strategy} this library writes with {@code spec.preferredHolder}: a
   * third-party strategy (a qualified name with a '/'), which Kubernetes' own coordinated leader
   * election controller leaves alone.
   */
  static final String STRATEGY = "election.github.io/handover";

  /**
   * Writes {@code lease} through {@code write}, with {@code spec.preferredHolder} and {@code
   * spec.strategy} set from the record where the API server takes them (docs/CONTROL.md):
   * Kubernetes 1.32+ with the CoordinatedLeaderElection feature gate keeps them; a server
   * without the gate drops both (its strategy code clears disabled fields), an older one drops
   * them as unknown fields; a server that refuses the strategy (422, as 1.31 with the gate does
   * for a third-party strategy) gets the write again without them, and this backend does not
   * send them again. An acquisition clears {@code preferredHolder}, and {@code strategy} when it
   * is ours (a strategy of another coordinator stays). The annotation {@value
   * #PREFERRED_HOLDER} is written either way.
   */
  private Lease withSpecPreference(Lease lease, LeaderRecord r,
      java.util.function.UnaryOperator<Lease> write) {
    LeaseSpec spec = lease.getSpec();
    String strategyBefore = spec.getStrategy();
    if (r.preferredHolder() == null) {
      spec.setPreferredHolder(null);
      if (STRATEGY.equals(spec.getStrategy())) {
        spec.setStrategy(null);
      }
      return write.apply(lease);
    }
    if (backend.specPreferenceRefused()) {
      spec.setPreferredHolder(null);
      spec.setStrategy(STRATEGY.equals(strategyBefore) ? null : strategyBefore);
      return write.apply(lease);
    }
    spec.setPreferredHolder(r.preferredHolder());
    if (spec.getStrategy() == null || spec.getStrategy().isEmpty()) {
      spec.setStrategy(STRATEGY);
    }
    try {
      return write.apply(lease);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 422) {
        throw e;
      }
      backend.refuseSpecPreference(e);
      spec.setPreferredHolder(null);
      spec.setStrategy(STRATEGY.equals(strategyBefore) ? null : strategyBefore);
      return write.apply(lease);
    }
  }

  private static String versionOf(Lease lease) {
    return lease.getMetadata() == null ? null : lease.getMetadata().getResourceVersion();
  }

  private static Instant instant(ZonedDateTime t) {
    return t == null ? null : t.toInstant();
  }

  private static ZonedDateTime microTime(Instant t) {
    return t == null ? null : ZonedDateTime.ofInstant(t, ZoneOffset.UTC)
        .truncatedTo(ChronoUnit.MICROS);
  }

  // ------------------------------------------------------------------ requests

  /** Runs a blocking request on the backend's pool, its failure translated. */
  private <T> CompletionStage<T> call(String verb, Supplier<T> request) {
    try {
      return CompletableFuture.supplyAsync(() -> {
        try {
          return request.get();
        } catch (KubernetesClientException e) {
          throw translate(verb, e);
        }
      }, backend.io());
    } catch (RejectedExecutionException r) {
      return CompletableFuture.failedFuture(new IllegalStateException(backend.isClosed()
          ? backend.label() + " is closed"
          : backend.label() + ": too many requests queued; " + verb + " not sent", r));
    }
  }

  private RuntimeException translate(String verb, KubernetesClientException e) {
    String what = verb + " of Lease " + backend.namespaceName() + "/" + leaseName;
    if (e.getCode() == 409 && !verb.equals("get")
        || e.getCode() == 404 && verb.equals("update")) {
      return new RecordConflictException(what + ": " + e.getMessage(), e);
    }
    if (e.getCode() == 403 || e.getCode() == 401) {
      return new Forbidden(Forbidden.describe(verb, backend, e), e);
    }
    return Unreachable.of(what, backend.apiServer(), requestTimeoutMillis, e);
  }

  @Override
  public String toString() {
    return backend.label() + " Lease " + leaseName;
  }
}
