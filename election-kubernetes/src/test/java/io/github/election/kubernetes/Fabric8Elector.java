package io.github.election.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.github.election.kubernetes.testing.MockApiServer;
import io.github.election.testing.TcpProxy;
import io.github.election.testing.Timings;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;

/**
 * fabric8's own {@code LeaderElector} on a Lease, with its own client through its own proxy:
 * the reference the backend is compared with and must coexist with.
 */
final class Fabric8Elector implements AutoCloseable {

  private final String identity;
  private final TcpProxy proxy;
  private final KubernetesClient client;
  private final LeaderElectionConfigBuilder config;
  private volatile boolean leading;
  private volatile String leader;
  private volatile LongConsumer onStart = t -> { };
  private volatile LongConsumer onStop = t -> { };
  private CompletableFuture<?> running;

  Fabric8Elector(MockApiServer server, String lease, String identity, Timings t) {
    this.identity = identity;
    this.proxy = new TcpProxy("127.0.0.1", server.newFrontend().port());
    this.client = new KubernetesClientBuilder()
        .withConfig(MockApiServer.config(proxy.port(), 1_000)).build();
    this.config = new LeaderElectionConfigBuilder()
        .withName(lease)
        .withLock(new LeaseLock(MockApiServer.NAMESPACE, lease, identity))
        .withLeaseDuration(t.leaseDuration())
        .withRenewDeadline(t.renewDeadline())
        .withRetryPeriod(t.retryPeriod())
        .withReleaseOnCancel(true)
        .withLeaderCallbacks(new LeaderCallbacks(
            () -> {
              leading = true;
              onStart.accept(System.nanoTime());
            },
            () -> {
              if (leading) {
                leading = false;
                onStop.accept(System.nanoTime());
              }
            },
            l -> leader = l));
  }

  String identity() {
    return identity;
  }

  Fabric8Elector onStart(LongConsumer c) {
    this.onStart = c;
    return this;
  }

  Fabric8Elector onStop(LongConsumer c) {
    this.onStop = c;
    return this;
  }

  synchronized void start() {
    running = client.leaderElector().withConfig(config.build()).build().start();
  }

  /** Stops electing; fabric8 releases the Lease if it leads (releaseOnCancel). */
  synchronized void stop() {
    if (running != null) {
      running.cancel(true);
      running = null;
    }
  }

  /** The client dies without releasing anything: its proxy is closed for good. */
  void crash() {
    proxy.close();
  }

  boolean isLeader() {
    return leading;
  }

  String leader() {
    return leader;
  }

  @Override
  public void close() {
    stop();
    client.close();
    proxy.close();
  }
}
