package io.github.election.kubernetes;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.github.election.LeaderElection;
import io.github.election.benchmarks.Background;
import io.github.election.benchmarks.BenchStore;
import io.github.election.benchmarks.Fleet;
import io.github.election.benchmarks.Ours;
import io.github.election.testing.TcpProxy;
import io.github.election.testing.Timings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;

/**
 * Kubernetes for the benchmarks: the module's tests' mock API server ({@link MockApiServer},
 * fabric8's mock in CRUD mode on 127.0.0.1, one HTTP front end per client), our backend, and
 * fabric8's own {@code LeaderElector} on a Lease with the same D, R and P and release on cancel.
 */
public final class KubernetesBench implements BenchStore {

  private volatile MockApiServer server;
  private final Timings timings = KubernetesFixture.MOCK_TIMINGS;

  public KubernetesBench() {
    this.server = new MockApiServer().start();
  }

  @Override
  public boolean storePerRun() {
    return true;
  }

  @Override
  public void renew() {
    MockApiServer old = server;
    server = new MockApiServer().start();
    Background.close(old);
  }

  @Override
  public String store() {
    return "kubernetes";
  }

  @Override
  public Timings timings() {
    return timings;
  }

  @Override
  public Side ours() {
    return new Side() {
      @Override
      public String label() {
        return "election-kubernetes";
      }

      @Override
      public Client newClient(boolean proxied) {
        int port = server.newFrontend().port();
        TcpProxy proxy = proxied ? new TcpProxy("127.0.0.1", port) : null;
        KubernetesElectionBackend backend = KubernetesElectionBackend.builder()
            .config(MockApiServer.config(proxy != null ? proxy.port() : port, 1_000)).build();
        return BenchStore.Client.of((election, identity, onLeader) ->
            Ours.join(backend, timings, "o-" + election, identity, onLeader), backend, proxy);
      }

      @Override
      public int enrolled(String election) {
        return -1;
      }
    };
  }

  @Override
  public Side raw() {
    return new Side() {
      @Override
      public String label() {
        return "fabric8 LeaderElector " + fabric8Version();
      }

      @Override
      public Client newClient(boolean proxied) {
        int port = server.newFrontend().port();
        TcpProxy proxy = proxied ? new TcpProxy("127.0.0.1", port) : null;
        KubernetesClient client = new KubernetesClientBuilder()
            .withConfig(MockApiServer.config(proxy != null ? proxy.port() : port, 1_000)).build();
        return BenchStore.Client.of((election, identity, onLeader) ->
            elector(client, timings, "r-" + election, identity, onLeader), client, proxy);
      }

      @Override
      public int enrolled(String election) {
        return -1;
      }
    };
  }

  static String fabric8Version() {
    String v = KubernetesClient.class.getPackage().getImplementationVersion();
    return v == null ? "8.0.0" : v;
  }

  /** fabric8's elector on a Lease, releasing it when cancelled, as {@code Fabric8Elector}. */
  static Contender elector(KubernetesClient client, Timings t, String lease, String identity,
      LongConsumer onLeader) {
    class Elector implements Contender {
      volatile boolean leading;
      volatile String leader;
      CompletableFuture<?> running;

      @Override
      public String identity() {
        return identity;
      }

      @Override
      public boolean isLeader() {
        return leading;
      }

      @Override
      public boolean follows(String l) {
        return l.equals(leader) && !leading;
      }

      @Override
      public synchronized void giveUp() {
        if (running != null) {
          running.cancel(true); // releaseOnCancel: fabric8 releases the Lease if it leads
          running = null;
        }
      }

      @Override
      public void close() {
        giveUp();
      }
    }
    Elector e = new Elector();
    var config = new LeaderElectionConfigBuilder()
        .withName(lease)
        .withLock(new LeaseLock(MockApiServer.NAMESPACE, lease, identity))
        .withLeaseDuration(t.leaseDuration())
        .withRenewDeadline(t.renewDeadline())
        .withRetryPeriod(t.retryPeriod())
        .withReleaseOnCancel(true)
        .withLeaderCallbacks(new LeaderCallbacks(
            () -> {
              e.leading = true;
              onLeader.accept(System.nanoTime());
            },
            () -> e.leading = false,
            l -> e.leader = l))
        .build();
    synchronized (e) {
      e.running = client.leaderElector().withConfig(config).build().start();
    }
    return e;
  }

  // ---------------------------------------------------------------- scale (P4)

  /** A new front end of the server, for a child JVM: its port and its request log. */
  public Frontend frontend() {
    MockApiServer.Frontend f = server.newFrontend();
    return new Frontend() {
      @Override
      public int port() {
        return f.port();
      }

      @Override
      public int takeRequests() {
        return f.takeRequestPaths().size();
      }
    };
  }

  /** A front end of the mock server. */
  public interface Frontend {
    int port();

    /** The number of requests received since the last call. */
    int takeRequests();
  }

  /** The Leases whose name starts with {@code prefix} and that name a holder. */
  public int heldLeases(String prefix) {
    int n = 0;
    try (KubernetesClient admin = server.newDirectClient()) {
      n = heldLeases(admin, prefix);
    }
    return n;
  }

  private static int heldLeases(KubernetesClient admin, String prefix) {
    int n = 0;
    for (Lease l : admin.leases().inNamespace(MockApiServer.NAMESPACE).list().getItems()) {
      String holder = l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
      if (l.getMetadata().getName().startsWith(prefix) && holder != null && !holder.isEmpty()) {
        n++;
      }
    }
    return n;
  }

  /**
   * A fleet for a child JVM: {@code n} elections of one candidate each on one backend (ours,
   * Leases {@code so-<i>}) or one fabric8 client ({@code LeaderElector}s on Leases {@code
   * sr-<i>}), with the library's default timings (D 15 s, R 10 s, P 2 s).
   */
  public static Fleet fleet(String side, int port, int n) {
    Timings defaults = new Timings(LeaderElection.Builder.DEFAULT_LEASE_DURATION,
        LeaderElection.Builder.DEFAULT_RENEW_DEADLINE, LeaderElection.Builder.DEFAULT_RETRY_PERIOD,
        Duration.ofSeconds(1));
    if (side.equals("ours")) {
      KubernetesElectionBackend backend = KubernetesElectionBackend.builder()
          .config(MockApiServer.config(port, 5_000)).build();
      return Fleet.ofElections(backend, "so-", n);
    }
    KubernetesClient client = new KubernetesClientBuilder()
        .withConfig(MockApiServer.config(port, 5_000)).build();
    List<Contender> electors = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      electors.add(elector(client, defaults, "sr-" + i, "scale", t -> { }));
    }
    return new Fleet() {
      @Override
      public int leading() {
        return (int) electors.stream().filter(Contender::isLeader).count();
      }

      @Override
      public void close() {
        electors.forEach(Contender::close);
        client.close();
      }
    };
  }

  @Override
  public void close() {
    server.close();
  }
}
