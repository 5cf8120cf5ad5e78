package io.github.election.kubernetes.testing;

import io.github.election.kubernetes.KubernetesElectionBackend;
import io.github.election.spi.ElectionBackend;
import io.github.election.testing.Fault;
import io.github.election.testing.ProxiedConnection;
import io.github.election.testing.StoreHarness;
import io.github.election.testing.TcpProxy;
import io.github.election.testing.Timings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link StoreHarness} of Kubernetes: fabric8's mock API server in CRUD mode in this JVM
 * ({@link MockApiServer}), one store with one HTTP front end per connection. A connection
 * reaches its front end through a TCP proxy of its own; a client in another process is
 * configured as a real deployment is, by a kubeconfig file ({@code KUBECONFIG}) and the URI
 * {@code kubernetes:///NAMESPACE}.
 *
 * <p>Faults: crash (the proxy goes silent, then closes), cut and heal (proxy), and restart (every
 * front end stops and starts again; the objects stay, as etcd keeps them when kube-apiserver
 * restarts). Neither member loss (the mock is one store) nor expiry: a Lease does not expire in
 * the store; each follower judges it on its own clock.
 */
public final class KubernetesHarness implements StoreHarness {

  /**
   * D 3 s, R 2 s, P 250 ms. A handover (watch event, GET, PUT) takes 10-40 ms on loopback, but
   * fabric8 8.0.0's mock server stalls its event loop for hundreds of ms when a watch closes (a
   * crashed or closed client's), so the bound is 800 ms: still well under the 1.8 s retry period
   * of the kit's L2 test, so a handover that waits for a poll still fails.
   */
  public static final Timings TIMINGS = new Timings(Duration.ofSeconds(3),
      Duration.ofSeconds(2), Duration.ofMillis(250), Duration.ofMillis(800));

  private static final Logger log = LoggerFactory.getLogger(KubernetesHarness.class);

  private final MockApiServer server = new MockApiServer().start();
  private final Path configs;
  private final AtomicInteger configCount = new AtomicInteger();

  /** Starts a mock API server. */
  public KubernetesHarness() {
    try {
      configs = Files.createTempDirectory("kubernetes-harness-");
    } catch (IOException e) {
      server.close();
      throw new UncheckedIOException("cannot make a directory for kubeconfig files", e);
    }
  }

  /** The mock API server, for looks at the store and front ends of one's own. */
  public MockApiServer server() {
    return server;
  }

  @Override
  public String scheme() {
    return "kubernetes";
  }

  @Override
  public int members() {
    return 1;
  }

  @Override
  public Set<Fault> faults() {
    return EnumSet.of(Fault.CRASH, Fault.CUT, Fault.RESTART);
  }

  @Override
  public Timings timings() {
    return TIMINGS;
  }

  /** {@code 127.0.0.1:port} of the primary front end. */
  @Override
  public String address() {
    return "127.0.0.1:" + server.port();
  }

  /** A new front end of its own, through a proxy of its own when {@code proxied}. */
  @Override
  public Connection connect(boolean proxied) {
    int port = server.newFrontend().port();
    return new Link(proxied ? ProxiedConnection.proxiesTo(List.of(port)) : List.of(),
        "127.0.0.1:" + port);
  }

  @Override
  public void stopStore() {
    server.stop();
  }

  @Override
  public void startStore() {
    server.start();
  }

  /** The mock server's threads and the proxies'. */
  @Override
  public boolean isStoreThread(Thread thread) {
    return StoreHarness.super.isStoreThread(thread) || MockApiServer.isServerThread(thread);
  }

  @Override
  public void close() {
    server.close();
    try (Stream<Path> files = Files.list(configs)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(configs);
    } catch (IOException e) {
      log.warn("cannot delete {}: {}", configs, e.toString());
    }
  }

  @Override
  public String toString() {
    return "KubernetesHarness{" + address() + "}";
  }

  /** One front end, and the proxy in front of it if any. */
  private final class Link extends ProxiedConnection {
    private Path kubeconfig;

    Link(List<TcpProxy> proxies, String direct) {
      super(proxies, direct);
    }

    private int port() {
      return Integer.parseInt(address().substring(address().lastIndexOf(':') + 1));
    }

    /** {@code kubernetes:///NAMESPACE}, with {@link #environment()}'s kubeconfig. */
    @Override
    public Optional<URI> uri(String base, Duration leaseDuration) {
      kubeconfig();
      return Optional.of(URI.create("kubernetes:///" + MockApiServer.NAMESPACE));
    }

    /** {@code KUBECONFIG}: a file of its own that names the connection's address. */
    @Override
    public Map<String, String> environment() {
      return Map.of("KUBECONFIG", kubeconfig().toAbsolutePath().toString());
    }

    private synchronized Path kubeconfig() {
      if (kubeconfig == null) {
        Path file = configs.resolve("client-" + configCount.incrementAndGet() + ".kubeconfig");
        try {
          Files.writeString(file, String.join("\n",
              "apiVersion: v1",
              "kind: Config",
              "clusters:",
              "- name: mock",
              "  cluster:",
              "    server: http://" + address(),
              "users:",
              "- name: harness",
              "  user: {}",
              "contexts:",
              "- name: mock",
              "  context:",
              "    cluster: mock",
              "    user: harness",
              "    namespace: " + MockApiServer.NAMESPACE,
              "current-context: mock",
              ""), StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot write " + file, e);
        }
        kubeconfig = file;
      }
      return kubeconfig;
    }

    /** Requests time out after 1 s; the base is not used (the mock's namespace). */
    @Override
    protected ElectionBackend newBackend(String base, Duration leaseDuration) {
      return KubernetesElectionBackend.builder().config(MockApiServer.config(port(), 1_000))
          .build();
    }
  }

  /** Registered for {@link java.util.ServiceLoader}: scheme {@code kubernetes}. */
  public static final class Provider implements StoreHarness.Provider {

    @Override
    public String scheme() {
      return "kubernetes";
    }

    /** A mock API server; {@code members} is ignored (one store). */
    @Override
    public StoreHarness start(int members) {
      return new KubernetesHarness();
    }
  }
}
