package io.github.election.benchmarks.zookeeper;

import io.github.election.LeaderElection;
import io.github.election.benchmarks.Background;
import io.github.election.benchmarks.BenchStore;
import io.github.election.benchmarks.BenchStoreProvider;
import io.github.election.benchmarks.Fleet;
import io.github.election.benchmarks.HarnessBench;
import io.github.election.testing.StoreHarness;
import io.github.election.zookeeper.ZooKeeperElectionBackend;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * ZooKeeper for the benchmarks: the store of the kit's fixture ({@code ZooKeeperHarness}:
 * curator-test's {@code TestingServer} on 127.0.0.1, tick 100 ms), our backend, and Curator's
 * {@code LeaderLatch} with the same session and connection timeouts and retry policy as the
 * backend's own Curator client.
 */
public final class ZooKeeperBench extends HarnessBench {

  static final String RAW = "/bench-raw";
  /** The base paths of the scale runs. */
  static final String SCALE_OURS = "/scale-ours";
  static final String SCALE_RAW = "/scale-raw";

  private final CuratorFramework admin;

  /** Starts the server. */
  public ZooKeeperBench() {
    super("zookeeper");
    this.admin = CuratorFrameworkFactory.builder().connectString(connectString())
        .sessionTimeoutMs(60_000).connectionTimeoutMs(5_000).retryPolicy(new RetryOneTime(100))
        .build();
    admin.start();
    try {
      if (!admin.blockUntilConnected(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the ZooKeeper test server accepts no client");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code 127.0.0.1:port} of the server. */
  String connectString() {
    return harness().address();
  }

  @Override
  protected int enrolledOurs(String election) {
    return children(OURS + "/" + election);
  }

  @Override
  public Side raw() {
    return new Side() {
      @Override
      public String label() {
        return "Curator LeaderLatch " + curatorVersion();
      }

      @Override
      public Client newClient(boolean proxied) {
        StoreHarness.Connection link = harness().connect(proxied);
        // as the backend builds its own client: same timeouts, same retry policy
        CuratorFramework client = CuratorFrameworkFactory.builder()
            .connectString(link.address())
            .sessionTimeoutMs((int) timings().leaseDuration().toMillis())
            .connectionTimeoutMs(1_000)
            .retryPolicy(new ExponentialBackoffRetry(100, 3, 1000))
            .ensembleTracker(false).build();
        client.start();
        return BenchStore.Client.of((election, identity, onLeader) ->
            latch(client, RAW + "/" + election, identity, onLeader), client, link);
      }

      @Override
      public int enrolled(String election) {
        return children(RAW + "/" + election);
      }
    };
  }

  @Override
  public Scale scale(String side) {
    String base = side.equals("ours") ? SCALE_OURS : SCALE_RAW;
    return Scale.of(connectString(), this::packetsReceived, this::fsyncs,
        () -> sessionsHolding(base), () -> nodesUnder(base));
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
    return "session(s)";
  }

  @Override
  public String loadMeasures() {
    return "requests = packets received (mntr), writes = transaction-log fsyncs";
  }

  static String curatorVersion() {
    String v = LeaderLatch.class.getPackage().getImplementationVersion();
    return v == null ? "5.9.0" : v;
  }

  private static Candidate latch(CuratorFramework client, String path, String identity,
      LongConsumer onLeader) {
    LeaderLatch latch = new LeaderLatch(client, path, identity);
    latch.addListener(new LeaderLatchListener() {
      @Override
      public void isLeader() {
        onLeader.accept(System.nanoTime());
      }

      @Override
      public void notLeader() {
      }
    });
    try {
      latch.start();
    } catch (Exception e) {
      throw new IllegalStateException("LeaderLatch.start failed", e);
    }
    return new Candidate() {
      @Override
      public String identity() {
        return identity;
      }

      @Override
      public boolean isLeader() {
        return latch.hasLeadership();
      }

      @Override
      public boolean follows(String leader) {
        return latch.getOurPath() != null;
      }

      @Override
      public void giveUp() {
        close();
      }

      @Override
      public void close() {
        if (latch.getState() == LeaderLatch.State.STARTED) {
          try {
            latch.close();
          } catch (IOException | IllegalStateException e) {
            // closed meanwhile
          }
        }
      }
    };
  }

  /** The number of children of a node, 0 when it does not exist. */
  int children(String path) {
    try {
      return admin.getChildren().forPath(path).size();
    } catch (KeeperException.NoNodeException e) {
      return 0;
    } catch (Exception e) {
      throw new IllegalStateException("cannot list " + path, e);
    }
  }

  // ---------------------------------------------------------------- scale (P4)

  /**
   * The distinct sessions that own the candidates' nodes of the elections under a base path, as
   * the server sees them: from the {@code dump} four-letter word (one request, sessions with
   * their ephemeral nodes), or else by listing each election's children.
   */
  int sessionsHolding(String basePath) {
    int[] fromDump = dumpedSessionsAndNodes(basePath);
    return fromDump != null ? fromDump[0] : sessionsListed(basePath);
  }

  /**
   * {sessions, ephemeral nodes} under a base path from the server's {@code dump} (needs {@code
   * zookeeper.4lw.commands.whitelist} to name it), or null when the server does not answer it.
   */
  private int[] dumpedSessionsAndNodes(String basePath) {
    String dump;
    try {
      dump = fourLetterWord("dump");
    } catch (UncheckedIOException e) {
      return null;
    }
    int at = dump.indexOf("Sessions with Ephemerals");
    if (at < 0) {
      return null;
    }
    String prefix = basePath + "/";
    int sessions = 0;
    int nodes = 0;
    boolean counted = false;
    for (String line : dump.substring(at).split("\n")) {
      if (line.startsWith("0x")) {
        counted = false;
      } else if (line.startsWith("\t") && line.trim().startsWith(prefix)) {
        nodes++;
        if (!counted) {
          sessions++;
          counted = true;
        }
      }
    }
    return new int[] {sessions, nodes};
  }

  private int sessionsListed(String basePath) {
    Set<Long> owners = new HashSet<>();
    try {
      for (String election : admin.getChildren().forPath(basePath)) {
        String e = basePath + "/" + election;
        for (String child : admin.getChildren().forPath(e)) {
          Stat s = admin.checkExists().forPath(e + "/" + child);
          if (s != null && s.getEphemeralOwner() != 0) {
            owners.add(s.getEphemeralOwner());
          }
        }
      }
    } catch (KeeperException.NoNodeException e) {
      return owners.size();
    } catch (Exception e) {
      throw new IllegalStateException("cannot list " + basePath, e);
    }
    return owners.size();
  }

  /** The number of candidate nodes under a base path (all elections). */
  int nodesUnder(String basePath) {
    int[] fromDump = dumpedSessionsAndNodes(basePath);
    return fromDump != null ? fromDump[1] : nodesListed(basePath);
  }

  private int nodesListed(String basePath) {
    int n = 0;
    try {
      for (String election : admin.getChildren().forPath(basePath)) {
        n += children(basePath + "/" + election);
      }
    } catch (KeeperException.NoNodeException e) {
      return 0;
    } catch (Exception e) {
      throw new IllegalStateException("cannot list " + basePath, e);
    }
    return n;
  }

  /**
   * The server's count of packets received (requests, pings included), from the {@code mntr}
   * four-letter word; needs {@code zookeeper.4lw.commands.whitelist} set before the server
   * started.
   */
  long packetsReceived() {
    long v = mntr("zk_packets_received");
    if (v < 0) {
      throw new IllegalStateException("no zk_packets_received in mntr");
    }
    return v;
  }

  /** The server's count of transaction-log fsyncs (writes, group-committed), or -1. */
  long fsyncs() {
    return mntr("zk_cnt_fsynctime");
  }

  private long mntr(String key) {
    String mntr = fourLetterWord("mntr");
    for (String line : mntr.split("\n")) {
      String[] kv = line.trim().split("\\s+");
      if (kv.length == 2 && kv[0].equals(key)) {
        return (long) Double.parseDouble(kv[1]);
      }
    }
    return -1;
  }

  private String fourLetterWord(String word) {
    try (Socket s = new Socket()) {
      String first = connectString().split(",")[0];
      s.connect(new InetSocketAddress("127.0.0.1",
          Integer.parseInt(first.substring(first.indexOf(':') + 1))), 2000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(word.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("four-letter word " + word + " failed", e);
    }
  }

  /**
   * A fleet for a child JVM: {@code n} elections of one candidate each, on one backend (ours) or
   * one Curator client (raw), with the library's default timings (D = session timeout 15 s,
   * R 10 s, P 2 s).
   */
  static Fleet fleet(String side, String connectString, int n) {
    Duration session = LeaderElection.Builder.DEFAULT_LEASE_DURATION;
    if (side.equals("ours")) {
      ZooKeeperElectionBackend backend = ZooKeeperElectionBackend.builder()
          .connectString(connectString).basePath(SCALE_OURS).sessionTimeout(session).build();
      return Fleet.ofElections(backend, "e-", n);
    }
    CuratorFramework client = CuratorFrameworkFactory.builder().connectString(connectString)
        .sessionTimeoutMs((int) session.toMillis()).connectionTimeoutMs(5_000)
        .retryPolicy(new ExponentialBackoffRetry(100, 3, 1000)).ensembleTracker(false).build();
    // what the connection went through, for a fleet that does not come to lead
    java.util.Map<String, Integer> states = new java.util.concurrent.ConcurrentSkipListMap<>();
    client.getConnectionStateListenable().addListener((c, state) ->
        states.merge(state.name(), 1, Integer::sum));
    client.start();
    List<LeaderLatch> latches = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      LeaderLatch l = new LeaderLatch(client, SCALE_RAW + "/e-" + i, "scale");
      latches.add(l);
      try {
        l.start();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    return new Fleet() {
      @Override
      public int leading() {
        return (int) latches.stream().filter(LeaderLatch::hasLeadership).count();
      }

      @Override
      public String problem() {
        return "Curator connection states " + states
            + (states.containsKey("LOST") ? " (LOST: the session expired; see the log)" : "");
      }

      @Override
      public void close() {
        for (LeaderLatch l : latches) {
          try {
            l.close();
          } catch (IOException e) {
            // going anyway
          }
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

  /** Registered for {@link java.util.ServiceLoader}: store {@code zookeeper}. */
  public static final class Provider extends BenchStoreProvider {

    /** The provider. */
    public Provider() {
      super("zookeeper", ZooKeeperBench::new, ZooKeeperBench::fleet);
    }
  }
}
