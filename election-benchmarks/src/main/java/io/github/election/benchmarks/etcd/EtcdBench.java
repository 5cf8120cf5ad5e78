package io.github.election.benchmarks.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.support.CloseableClient;
import io.github.election.LeaderElection;
import io.github.election.benchmarks.Background;
import io.github.election.benchmarks.BenchStore;
import io.github.election.benchmarks.BenchStoreProvider;
import io.github.election.benchmarks.Fleet;
import io.github.election.benchmarks.HarnessBench;
import io.github.election.etcd.EtcdElectionBackend;
import io.github.election.etcd.testing.EtcdCluster;
import io.github.election.etcd.testing.EtcdHarness;
import io.github.election.testing.StoreHarness;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

/**
 * etcd for the benchmarks: one member started as the kit's fixture starts it ({@link
 * EtcdHarness}: {@code /usr/bin/etcd} as a child process on 127.0.0.1, random ports), our
 * backend, and jetcd's {@code Election} (etcd's server-side election service) with a lease of the
 * same TTL kept alive by jetcd.
 */
public final class EtcdBench extends HarnessBench {

  static final String RAW = "/bench-raw";
  /** The key prefixes of the scale runs. */
  static final String SCALE_OURS = "/scale-ours";
  static final String SCALE_RAW = "/scale-raw";

  private final io.etcd.jetcd.Client admin;

  /** Starts the member. */
  public EtcdBench() {
    super("etcd");
    this.admin = io.etcd.jetcd.Client.builder().endpoints(endpoint()).build();
  }

  /** {@code http://127.0.0.1:port} of the member. */
  String endpoint() {
    return "http://" + harness().address();
  }

  private EtcdCluster.Member member() {
    return ((EtcdHarness) harness()).cluster().member(0);
  }

  @Override
  protected int enrolledOurs(String election) {
    return count(OURS + "/" + election + "/");
  }

  @Override
  public Side raw() {
    return new Side() {
      @Override
      public String label() {
        return "jetcd Election " + jetcdVersion();
      }

      @Override
      public BenchStore.Client newClient(boolean proxied) {
        StoreHarness.Connection link = harness().connect(proxied);
        io.etcd.jetcd.Client client = io.etcd.jetcd.Client.builder()
            .endpoints("http://" + link.address()).build();
        return BenchStore.Client.of((election, identity, onLeader) ->
            campaign(client, timings().leaseDuration().toSeconds(), RAW + "/" + election,
                identity, onLeader), client, link);
      }

      @Override
      public int enrolled(String election) {
        return count(RAW + "/" + election + "/");
      }
    };
  }

  @Override
  public Scale scale(String side) {
    String prefix = (side.equals("ours") ? SCALE_OURS : SCALE_RAW) + "/";
    return Scale.of(endpoint(), this::grpcMessagesReceived, this::proposalsCommitted,
        () -> keysAndLeases(prefix)[1], () -> keysAndLeases(prefix)[0]);
  }

  /** Issue 16: 10,000 elections per JVM as well. */
  @Override
  public int largeElections() {
    return 10_000;
  }

  /** Issue 16: at most 2 requests per P per JVM, whatever the number of elections. */
  @Override
  public double maxRequestsPerPeriod() {
    return 2;
  }

  @Override
  public String holdersUnit() {
    return "lease(s)";
  }

  @Override
  public String loadMeasures() {
    return "requests = gRPC messages received, writes = raft proposals committed";
  }

  static String jetcdVersion() {
    String v = io.etcd.jetcd.Client.class.getPackage().getImplementationVersion();
    return v == null ? "0.8.7" : v;
  }

  /**
   * One candidate as jetcd's users write it: a lease of its own kept alive by jetcd, and a
   * campaign that completes when it leads; giving up is {@code Election.resign}.
   */
  private static Candidate campaign(io.etcd.jetcd.Client client, long ttlSeconds, String election,
      String identity, LongConsumer onLeader) {
    long lease = get(client.getLeaseClient().grant(ttlSeconds)).getID();
    CloseableClient keepAlive = keepAlive(client, lease);
    class Campaign implements Candidate {
      volatile LeaderKey key;
      volatile boolean closed;

      @Override
      public String identity() {
        return identity;
      }

      @Override
      public boolean isLeader() {
        return key != null && !closed;
      }

      @Override
      public boolean follows(String leader) {
        return true;
      }

      @Override
      public void giveUp() {
        LeaderKey k = key;
        if (k != null) {
          get(client.getElectionClient().resign(k));
          key = null;
        }
      }

      @Override
      public void close() {
        if (closed) {
          return;
        }
        closed = true;
        keepAlive.close();
        client.getLeaseClient().revoke(lease); // deletes its key, even while still campaigning
      }
    }
    Campaign c = new Campaign();
    client.getElectionClient().campaign(bytes(election), lease, bytes(identity))
        .whenComplete((r, e) -> {
          long now = System.nanoTime();
          if (e == null && !c.closed) {
            c.key = r.getLeader();
            onLeader.accept(now);
          }
        });
    return c;
  }

  /** Keeps a lease alive through jetcd, ignoring what it answers. */
  private static CloseableClient keepAlive(io.etcd.jetcd.Client client, long lease) {
    return client.getLeaseClient().keepAlive(lease, new StreamObserver<>() {
      @Override
      public void onNext(LeaseKeepAliveResponse value) {
      }

      @Override
      public void onError(Throwable t) {
      }

      @Override
      public void onCompleted() {
      }
    });
  }

  private static <T> T get(CompletableFuture<T> f) {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("etcd request failed", e);
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /** The number of keys under a prefix. */
  int count(String prefix) {
    return (int) get(admin.getKVClient().get(bytes(prefix),
        GetOption.builder().isPrefix(true).withCountOnly(true).build())).getCount();
  }

  // ---------------------------------------------------------------- scale (P4)

  /** The number of keys under a prefix and the distinct leases they are bound to. */
  int[] keysAndLeases(String prefix) {
    List<KeyValue> kvs = get(admin.getKVClient().get(bytes(prefix),
        GetOption.builder().isPrefix(true).build())).getKvs();
    Set<Long> leases = new HashSet<>();
    for (KeyValue kv : kvs) {
      if (kv.getLease() != 0) {
        leases.add(kv.getLease());
      }
    }
    return new int[] {kvs.size(), leases.size()};
  }

  /**
   * The gRPC messages etcd received (every unary request and every message on a stream, such
   * as keep-alives and watch creations), from its metrics.
   */
  long grpcMessagesReceived() {
    long sum = metric("grpc_server_msg_received_total{");
    if (sum < 0) {
      throw new IllegalStateException("no grpc_server_msg_received_total in etcd's metrics");
    }
    return sum;
  }

  /** The raft proposals etcd committed (writes: puts, deletes, transactions with a put). */
  long proposalsCommitted() {
    return metric("etcd_server_proposals_committed_total");
  }

  /** The sum of a metric's samples (all label sets), or -1 if etcd does not report it. */
  private long metric(String prefix) {
    String metrics = httpGet("http://127.0.0.1:" + member().metricsPort() + "/metrics");
    long sum = 0;
    boolean found = false;
    for (String line : metrics.split("\n")) {
      if (line.startsWith(prefix)) {
        sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        found = true;
      }
    }
    return found ? sum : -1;
  }

  /** The version line of the etcd binary. */
  public static String serverVersion() {
    try {
      Process p = new ProcessBuilder(EtcdCluster.BINARY.toString(), "--version")
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(5, TimeUnit.SECONDS);
      for (String line : out.split("\n")) {
        if (line.startsWith("etcd Version:")) {
          return line.substring("etcd Version:".length()).trim();
        }
      }
      return out.trim();
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  private static String httpGet(String url) {
    try {
      HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
      c.setConnectTimeout(2000);
      c.setReadTimeout(5000);
      try (InputStream in = c.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + url, e);
    }
  }

  /**
   * A fleet for a child JVM: {@code n} elections of one candidate each, on one backend (ours: one
   * client, one lease) or one jetcd client with one lease (TTL 15 s, kept alive by jetcd) for
   * every campaign (raw), with the library's default timings (D 15 s, R 10 s, P 2 s).
   */
  static Fleet fleet(String side, String endpoint, int n) {
    if (side.equals("ours")) {
      EtcdElectionBackend backend = EtcdElectionBackend.builder().endpoints(endpoint)
          .keyPrefix(SCALE_OURS).build();
      return Fleet.ofElections(backend, "e-", n);
    }
    io.etcd.jetcd.Client client = io.etcd.jetcd.Client.builder().endpoints(endpoint).build();
    long ttl = LeaderElection.Builder.DEFAULT_LEASE_DURATION.toSeconds();
    long lease = get(client.getLeaseClient().grant(ttl)).getID();
    CloseableClient keepAlive = keepAlive(client, lease);
    AtomicInteger leading = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<Throwable> firstError =
        new java.util.concurrent.atomic.AtomicReference<>();
    for (int i = 0; i < n; i++) {
      client.getElectionClient().campaign(bytes(SCALE_RAW + "/e-" + i), lease, bytes("scale"))
          .whenComplete((r, e) -> {
            if (e == null) {
              leading.incrementAndGet();
            } else {
              failed.incrementAndGet();
              firstError.compareAndSet(null, e);
            }
          });
    }
    return new Fleet() {
      @Override
      public int leading() {
        return leading.get();
      }

      @Override
      public String problem() {
        Throwable e = firstError.get();
        return String.format(java.util.Locale.ROOT, "%d campaign(s) failed, %d still waiting%s",
            failed.get(), n - failed.get() - leading.get(), e == null ? "" : "; first: " + e);
      }

      @Override
      public void close() {
        keepAlive.close();
        try {
          get(client.getLeaseClient().revoke(lease));
        } catch (RuntimeException e) {
          // closing anyway
        }
        client.close();
      }
    };
  }

  @Override
  public void close() {
    Background.close(admin);
    super.close();
  }

  /** Registered for {@link java.util.ServiceLoader}: store {@code etcd}. */
  public static final class Provider extends BenchStoreProvider {

    /** The provider. */
    public Provider() {
      super("etcd", EtcdBench::new, EtcdBench::fleet);
    }
  }
}
