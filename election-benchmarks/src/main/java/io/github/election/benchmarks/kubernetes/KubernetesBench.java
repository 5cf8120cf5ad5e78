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
   * Two front ends of their own per scale run, whose requests it counts: one for the client of
   * the fleet's leaders, one for the client of its followers (the target names both ports).
   */
  @Override
  public Scale scale(String side) {
    MockApiServer.Frontend leaders = server().newFrontend();
    MockApiServer.Frontend followers = server().newFrontend();
    String prefix = side.equals("ours") ? "so-" : "sr-";
    long[] counts = new long[3]; // leaders', followers', writes (PUT, POST) of both
    Runnable drain = () -> {
      synchronized (counts) {
        for (String r : leaders.takeRequests()) {
          counts[0]++;
          counts[2] += r.startsWith("GET ") ? 0 : 1;
        }
        for (String r : followers.takeRequests()) {
          counts[1]++;
          counts[2] += r.startsWith("GET ") ? 0 : 1;
        }
      }
    };
    Scale base = Scale.of(leaders.port() + "," + followers.port(), () -> {
      drain.run();
      synchronized (counts) {
        return counts[0] + counts[1];
      }
    }, () -> {
      drain.run();
      synchronized (counts) {
        return counts[2];
      }
    }, () -> heldLeases(prefix), () -> heldLeases(prefix));
    return new Scale() {
      @Override
      public String target() {
        return base.target();
      }

      @Override
      public long requests() {
        return base.requests();
      }

      @Override
      public long writes() {
        return base.writes();
      }

      @Override
      public int holders() {
        return base.holders();
      }

      @Override
      public int records() {
        return base.records();
      }

      @Override
      public java.util.Map<String, Long> parts() {
        drain.run();
        synchronized (counts) {
          java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
          m.put("leaders", counts[0]);
          m.put("followers", counts[1]);
          return m;
        }
      }
    };
  }

  @Override
  public String holdersUnit() {
    return "Lease object(s)";
  }

  @Override
  public String loadMeasures() {
    return "two candidates per election, a leader and a follower, each group on a client of its"
        + " own; requests = HTTP requests to the mock API server's front ends (in brackets: those"
        + " of the leaders' client and of the followers' client), writes = requests other than GET";
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
   * A fleet for a child JVM: {@code n} elections of two candidates each, with the library's
   * default timings (D 15 s, R 10 s, P 2 s): first a leader per election on one client (at the
   * first port of {@code ports}), then, once they all lead, a follower per election on a second
   * client (at the second port), so that the two groups' requests are counted apart. Ours: a
   * backend per client (identities {@code scale} and {@code scale-f}, Leases {@code so-<i>});
   * raw: fabric8 {@code LeaderElector}s (Leases {@code sr-<i>}). {@link Fleet#leading()} counts
   * the leaders of the first group only, so a follower that took over shows as not ready.
   */
  static Fleet fleet(String side, String ports, int n) {
    String[] p = ports.split(",");
    int leadersPort = Integer.parseInt(p[0]);
    int followersPort = Integer.parseInt(p[1]);
    Timings defaults = new Timings(LeaderElection.Builder.DEFAULT_LEASE_DURATION,
        LeaderElection.Builder.DEFAULT_RENEW_DEADLINE, LeaderElection.Builder.DEFAULT_RETRY_PERIOD,
        Duration.ofSeconds(1));
    if (side.equals("ours")) {
      KubernetesElectionBackend leaders = KubernetesElectionBackend.builder()
          .config(MockApiServer.config(leadersPort, 5_000)).build();
      KubernetesElectionBackend followers = KubernetesElectionBackend.builder()
          .config(MockApiServer.config(followersPort, 5_000)).build();
      Fleet first = Fleet.ofElections(leaders, "so-", n);
      awaitLeading(first, n);
      List<LeaderElection> second = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        LeaderElection e = LeaderElection.builder(followers).name("so-" + i)
            .identity("scale-f").build();
        second.add(e);
        e.start();
      }
      return new Fleet() {
        @Override
        public int leading() {
          return first.leading();
        }

        @Override
        public void close() {
          second.forEach(LeaderElection::close);
          followers.close();
          first.close();
        }
      };
    }
    KubernetesClient leadersClient = new KubernetesClientBuilder()
        .withConfig(MockApiServer.config(leadersPort, 5_000)).build();
    KubernetesClient followersClient = new KubernetesClientBuilder()
        .withConfig(MockApiServer.config(followersPort, 5_000)).build();
    List<Candidate> electors = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      electors.add(elector(leadersClient, defaults, "sr-" + i, "scale", t -> { }));
    }
    Fleet first = new Fleet() {
      @Override
      public int leading() {
        return (int) electors.stream().filter(Candidate::isLeader).count();
      }

      @Override
      public void close() {
      }
    };
    awaitLeading(first, n);
    List<Candidate> others = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      others.add(elector(followersClient, defaults, "sr-" + i, "scale-f", t -> { }));
    }
    return new Fleet() {
      @Override
      public int leading() {
        return first.leading();
      }

      @Override
      public void close() {
        others.forEach(Candidate::close);
        electors.forEach(Candidate::close);
        followersClient.close();
        leadersClient.close();
      }
    };
  }

  /** Waits up to two minutes for every one of the first group to lead (the child checks again). */
  private static void awaitLeading(Fleet first, int n) {
    long end = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(2);
    while (first.leading() < n && System.nanoTime() - end < 0) {
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
    }
  }

  /** Registered for {@link java.util.ServiceLoader}: store {@code kubernetes}. */
  public static final class Provider extends BenchStoreProvider {

    /** The provider. */
    public Provider() {
      super("kubernetes", KubernetesBench::new, KubernetesBench::fleet);
    }
  }
}
