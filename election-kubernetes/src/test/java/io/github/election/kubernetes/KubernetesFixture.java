package io.github.election.kubernetes;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.github.election.kubernetes.testing.KubernetesHarness;
import io.github.election.kubernetes.testing.MockApiServer;
import io.github.election.spi.ElectionBackend;
import io.github.election.tck.ElectionFixture;
import io.github.election.testing.Fault;
import io.github.election.testing.TcpProxy;
import io.github.election.testing.Timings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kit's fixture for the Kubernetes backend.
 *
 * <p><b>Default: fabric8's mock API server</b> in CRUD mode on 127.0.0.1 (checked by {@link
 * MockApiServerConformanceTest} to answer 409 as a real API server does), one per fixture. Each
 * backend gets its own fabric8 client (own Vert.x HTTP client and connections) through its own
 * {@link TcpProxy} to its own front end of the server ({@link MockApiServer}), so that one client
 * can be cut or crashed alone. Faults: crash (the proxy is
 * closed for good: connections are reset and new ones refused, so the client's requests fail at
 * once and it releases nothing), partition (the proxy goes silent), and restart of the API
 * server (the HTTP server stops and starts again on the same port; its objects and resource
 * versions live in the CRUD dispatcher, which survives, as etcd would).
 *
 * <p><b>Real cluster</b> with {@code -Delection.kubernetes.real=true}: the client configuration
 * comes from {@code KUBECONFIG} or {@code -Dkubeconfig=FILE} (else {@code ~/.kube/config}, else
 * the in-cluster service account),
 * the namespace from {@code -Delection.kubernetes.namespace} (default: the configuration's, else
 * {@code default}). Every fixture uses a fresh Lease prefix, and deletes the Leases under it when
 * closed (so the test identity needs {@code list} and {@code delete} on leases besides the
 * backend's verbs). No fault is declared in this mode.
 */
final class KubernetesFixture implements ElectionFixture {

  private static final Logger log = LoggerFactory.getLogger(KubernetesFixture.class);

  static final String REAL_PROPERTY = "election.kubernetes.real";
  static final String NAMESPACE_PROPERTY = "election.kubernetes.namespace";

  /** The harness's: D 3 s, R 2 s, P 250 ms, handover 800 ms (see there). */
  static final Timings MOCK_TIMINGS = KubernetesHarness.TIMINGS;
  /** Slower for a remote API server. */
  static final Timings REAL_TIMINGS = new Timings(Duration.ofSeconds(5), Duration.ofSeconds(3),
      Duration.ofMillis(500), Duration.ofMillis(1000));

  private final boolean real;
  private final MockApiServer server;
  private final Config realConfig;
  private final String realNamespace;
  private final String leasePrefix;
  private final Map<ElectionBackend, TcpProxy> proxies = new ConcurrentHashMap<>();
  private final Map<ElectionBackend, MockApiServer.Frontend> frontends = new ConcurrentHashMap<>();
  private final List<ElectionBackend> backends = new ArrayList<>();

  KubernetesFixture() {
    this(Boolean.getBoolean(REAL_PROPERTY));
  }

  KubernetesFixture(boolean real) {
    this.real = real;
    if (real) {
      server = null;
      requireClusterConfiguration();
      realConfig = Config.autoConfigure(null);
      String ns = System.getProperty(NAMESPACE_PROPERTY);
      if (ns == null || ns.isBlank()) {
        ns = realConfig.getNamespace() == null ? "default" : realConfig.getNamespace();
      }
      realNamespace = ns;
      leasePrefix = newRealLeasePrefix();
      log.info("real cluster {} namespace {}, Lease prefix {}", realConfig.getMasterUrl(),
          realNamespace, leasePrefix);
    } else {
      server = new MockApiServer().start();
      realConfig = null;
      realNamespace = null;
      leasePrefix = "";
    }
  }

  /** A fresh prefix for the Leases of one real-mode fixture: {@code tck-} and 8 hex digits. */
  static String newRealLeasePrefix() {
    return "tck-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static void requireClusterConfiguration() {
    String kubeconfig = System.getProperty("kubeconfig", System.getenv("KUBECONFIG"));
    boolean found = (kubeconfig != null && !kubeconfig.isBlank())
        || Files.exists(Path.of(System.getProperty("user.home"), ".kube", "config"))
        || Files.exists(Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token"));
    if (!found) {
      throw new IllegalStateException(REAL_PROPERTY + "=true, but there is no cluster to run"
          + " against: set KUBECONFIG (or create ~/.kube/config, or run in a pod)");
    }
  }

  static boolean isReal() {
    return Boolean.getBoolean(REAL_PROPERTY);
  }

  @Override
  public Timings timings() {
    return real ? REAL_TIMINGS : MOCK_TIMINGS;
  }

  @Override
  public Set<Fault> faults() {
    return real ? Set.of() : EnumSet.of(Fault.CRASH, Fault.CUT, Fault.RESTART);
  }

  @Override
  public synchronized ElectionBackend newBackend() {
    KubernetesElectionBackend backend;
    if (real) {
      backend = KubernetesElectionBackend.builder().config(realConfig).namespace(realNamespace)
          .leasePrefix(leasePrefix).build();
    } else {
      MockApiServer.Frontend frontend = server.newFrontend();
      TcpProxy proxy = new TcpProxy("127.0.0.1", frontend.port());
      backend = KubernetesElectionBackend.builder()
          .config(MockApiServer.config(proxy.port(), 1_000)).build();
      proxies.put(backend, proxy);
      frontends.put(backend, frontend);
    }
    backends.add(backend);
    return backend;
  }

  /** The front end of the mock server that a backend of this fixture talks to. */
  MockApiServer.Frontend frontendOf(ElectionBackend backend) {
    return frontends.get(backend);
  }

  /** The backends made so far, in order. */
  synchronized List<ElectionBackend> backends() {
    return new ArrayList<>(backends);
  }

  /** The mock server, for tests that look at the store directly; null against a real cluster. */
  MockApiServer server() {
    return server;
  }

  private TcpProxy proxy(ElectionBackend client) {
    TcpProxy p = proxies.get(client);
    if (p == null) {
      throw new IllegalArgumentException("not a client of this fixture: " + client);
    }
    return p;
  }

  @Override
  public List<String> invalidElectionNames() {
    return invalidElectionNames(leasePrefix);
  }

  /**
   * Names that no Lease can have, with or without {@code leasePrefix}: characters a DNS-1123
   * subdomain never holds, an empty label ({@code ..}), a trailing {@code -} (the election name
   * ends the Lease name), a leading {@code .} (alone, or after the prefix's {@code -}: a label
   * ends with {@code -}), and a name too long even alone. A leading {@code -} is invalid only
   * without a prefix ({@code tck-1234abcd--x} is a valid Lease name), so it is listed only then.
   */
  static List<String> invalidElectionNames(String leasePrefix) {
    List<String> names = new ArrayList<>(List.of("Upper-Case", "under_score", "white space",
        "trailing-dash-", "a..b", ".leading-dot", "slash/name", "colon:name", "x".repeat(254)));
    if (leasePrefix.isEmpty()) {
      names.add("-leading-dash");
    }
    return List.copyOf(names);
  }

  /** 1 while the election's Lease names a holder, else 0 (a released Lease holds nobody). */
  @Override
  public Optional<Integer> recordsOf(String electionName) {
    String lease = LeaseNames.leaseName(leasePrefix, electionName);
    KubernetesClient c = real ? new KubernetesClientBuilder().withConfig(realConfig).build()
        : server.newDirectClient();
    try {
      Lease l = c.leases().inNamespace(real ? realNamespace : MockApiServer.NAMESPACE)
          .withName(lease).get();
      String holder = l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
      return Optional.of(holder == null || holder.isEmpty() ? 0 : 1);
    } finally {
      c.close();
    }
  }

  @Override
  public boolean isStoreThread(Thread thread) {
    return thread.getName().startsWith("tcp-proxy-") || MockApiServer.isServerThread(thread);
  }

  @Override
  public void crash(ElectionBackend client) {
    proxy(client).close();
  }

  @Override
  public void cut(ElectionBackend client) {
    proxy(client).cut();
  }

  @Override
  public void heal(ElectionBackend client) {
    proxy(client).heal();
  }

  @Override
  public void stopStore() {
    requireMock("stopStore");
    server.stop();
  }

  @Override
  public void startStore() {
    requireMock("startStore");
    server.start();
  }

  private void requireMock(String what) {
    if (server == null) {
      throw new UnsupportedOperationException(what + " against a real cluster");
    }
  }

  @Override
  public synchronized void close() {
    for (ElectionBackend b : backends) {
      try {
        b.close();
      } catch (RuntimeException e) {
        log.warn("closing {}", b, e);
      }
    }
    backends.clear();
    proxies.values().forEach(TcpProxy::close);
    proxies.clear();
    if (server != null) {
      server.close();
    }
    if (real) {
      deleteLeases();
    }
  }

  private void deleteLeases() {
    try (KubernetesClient c = new KubernetesClientBuilder().withConfig(realConfig).build()) {
      for (Lease l : c.leases().inNamespace(realNamespace).list().getItems()) {
        if (l.getMetadata().getName().startsWith(leasePrefix + "-")) {
          c.leases().inNamespace(realNamespace).resource(l).delete();
        }
      }
    } catch (RuntimeException e) {
      log.warn("could not delete the Leases {}-* in namespace {}: {}", leasePrefix,
          realNamespace, e.toString());
    }
  }
}
