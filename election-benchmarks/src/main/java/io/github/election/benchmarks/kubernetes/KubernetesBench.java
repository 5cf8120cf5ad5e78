package io.github.election.benchmarks.kubernetes;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.github.election.LeaderElection;
import io.github.election.benchmarks.BenchStore;
import io.github.election.benchmarks.BenchStoreProvider;
import io.github.election.benchmarks.Fleet;
import io.github.election.benchmarks.HarnessBench;
import io.github.election.kubernetes.KubernetesElectionBackend;
import io.github.election.kubernetes.testing.KubernetesHarness;
import io.github.election.kubernetes.testing.MockApiServer;
import io.github.election.testing.StoreHarness;
import io.github.election.testing.Timings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;

/**
 * Kubernetes for the benchmarks: the kit fixture's mock API server ({@link KubernetesHarness}:
 * fabric8's mock in CRUD mode on 127.0.0.1, one HTTP front end per client), our backend, and
 * fabric8's own {@code LeaderElector} on a Lease with the same D, R and P and release on cancel.
 * Both sides share the server's namespace: our Leases are named {@code o-*}, the raw ones
 * {@code r-*}.
 */
public final class KubernetesBench extends HarnessBench {

  /** Starts the mock API server. */
  public KubernetesBench() {
    super("kubernetes");
  }

  private MockApiServer server() {
    return ((KubernetesHarness) harness()).server();
  }

  @Override
  public boolean storePerRun() {
    return true;
  }

  @Override
  public void renew() {
    renewHarness();
  }

  @Override
  protected String oursName(String election) {
    return "o-" + election;
  }

  /** A Lease names its holder only. */
  @Override
  protected int enrolledOurs(String election) {
    return -1;
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
        StoreHarness.Connection link = harness().connect(proxied);
        int port = Integer.parseInt(link.address().substring(link.address().indexOf(':') + 1));
        KubernetesClient client = new KubernetesClientBuilder()
            .withConfig(MockApiServer.config(port, 1_000)).build();
        return BenchStore.Client.of((election, identity, onLeader) ->
            elector(client, timings(), "r-" + election, identity, onLeader), client, link);
      }

      @Override
      public int enrolled(String election) {
        return -1;
      }
    };
  }

  /**
   * A front end of its own per scale run, whose requests it counts; the followers (issue 16:
   * one per election, in a JVM of their own) on a second one.
   */
  @Override
  public Scale scale(String side) {
    String prefix = side.equals("ours") ? "so-" : "sr-";
    return counted(server().newFrontend(), prefix)
        .withFollowers(counted(server().newFrontend(), prefix));
  }

  private Scale counted(MockApiServer.Frontend f, String prefix) {
    long[] total = {0};
    return Scale.of(Integer.toString(f.port()), () -> total[0] += f.takeRequestPaths().size(),
        () -> -1, () -> heldLeases(prefix), () -> heldLeases(prefix));
  }

  @Override
  public String holdersUnit() {
    return "Lease object(s)";
  }

  @Override
  public String loadMeasures() {
    return "requests = HTTP requests to the mock API server's front end";
  }

  /**
   * Issue 8's for Kubernetes: median handover at most 0.1x fabric8's (whose release keeps the
   * holder's name for a second); 100 elections, each its own Lease.
   */
  @Override
  public Targets targets() {
    return new Targets(0.1, 0, 100, 0);
  }

  /** A mock API server per batch holds fewer elections well. */
  @Override
  public int failoverBatch() {
    return 4;
  }

  static String fabric8Version() {
    String v = KubernetesClient.class.getPackage().getImplementationVersion();
    return v == null ? "8.0.0" : v;
  }

  /** fabric8's elector on a Lease, releasing it when cancelled, as {@code Fabric8Elector}. */
  static Candidate elector(KubernetesClient client, Timings t, String lease, String identity,
      LongConsumer onLeader) {
    class Elector implements Candidate {
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

  /** The Leases whose name starts with {@code prefix} and that name a holder. */
  int heldLeases(String prefix) {
    int n = 0;
    try (KubernetesClient admin = server().newDirectClient()) {
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
   * sr-<i>}), with the library's default timings (D 15 s, R 10 s, P 2 s); for side {@code
   * ours.followers} or {@code raw.followers}, the second candidate of each of these elections.
   */
  static Fleet fleet(String side, int port, int n) {
    Timings defaults = new Timings(LeaderElection.Builder.DEFAULT_LEASE_DURATION,
        LeaderElection.Builder.DEFAULT_RENEW_DEADLINE, LeaderElection.Builder.DEFAULT_RETRY_PERIOD,
        Duration.ofSeconds(1));
    // side.followers: one more candidate per election, once the leaders lead (issue 16)
    boolean followers = side.endsWith(".followers");
    if (side.startsWith("ours")) {
      KubernetesElectionBackend backend = KubernetesElectionBackend.builder()
          .config(MockApiServer.config(port, 5_000)).build();
      return followers ? Fleet.ofFollowers(backend, "so-", n, "scale")
          : Fleet.ofElections(backend, "so-", n);
    }
    KubernetesClient client = new KubernetesClientBuilder()
        .withConfig(MockApiServer.config(port, 5_000)).build();
    List<Candidate> electors = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      electors.add(elector(client, defaults, "sr-" + i, followers ? "follower" : "scale",
          t -> { }));
    }
    return new Fleet() {
      @Override
      public int leading() {
        return (int) electors.stream()
            .filter(c -> followers ? c.follows("scale") : c.isLeader()).count();
      }

      @Override
      public void close() {
        electors.forEach(Candidate::close);
        client.close();
      }
    };
  }

  /** Registered for {@link java.util.ServiceLoader}: store {@code kubernetes}. */
  public static final class Provider extends BenchStoreProvider {

    /** The provider. */
    public Provider() {
      super("kubernetes", KubernetesBench::new, (side, target, n) ->
          KubernetesBench.fleet(side, Integer.parseInt(target), n));
    }
  }
}
