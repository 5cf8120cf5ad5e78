package io.github.election.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.github.election.kubernetes.testing.MockApiServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Checks that the mock API server keeps the two promises of a real API server that the backend's
 * safety rests on: an update with a stale resourceVersion and a create of an existing name are
 * refused with 409 Conflict. If this fails, every other test of the module proves nothing.
 */
class MockApiServerConformanceTest {

  private MockApiServer server;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    server = new MockApiServer().start();
    client = server.newDirectClient();
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  private Lease lease(String name, String holder) {
    return new LeaseBuilder().withNewMetadata().withName(name)
        .withNamespace(MockApiServer.NAMESPACE).endMetadata()
        .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds(3)
        .withLeaseTransitions(0).endSpec().build();
  }

  @Test
  void createOfAnExistingNameIs409() {
    client.leases().resource(lease("dup", "a")).create();
    KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
        () -> client.leases().resource(lease("dup", "b")).create());
    assertThat(e).isNotNull();
    assertThat(e.getCode()).isEqualTo(409);
    assertThat(client.leases().withName("dup").get().getSpec().getHolderIdentity()).isEqualTo("a");
  }

  @Test
  void updateWithStaleResourceVersionIs409() {
    Lease created = client.leases().resource(lease("stale", "a")).create();
    String v1 = created.getMetadata().getResourceVersion();
    created.getSpec().setHolderIdentity("b");
    Lease updated = client.leases().resource(created).update();
    assertThat(updated.getMetadata().getResourceVersion()).isNotEqualTo(v1);

    Lease stale = lease("stale", "c");
    stale.getMetadata().setResourceVersion(v1);
    KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
        () -> client.leases().resource(stale).update());
    assertThat(e).isNotNull();
    assertThat(e.getCode()).isEqualTo(409);
    assertThat(client.leases().withName("stale").get().getSpec().getHolderIdentity()).isEqualTo("b");
  }

  @Test
  void concurrentUpdatesFromOneVersionLetExactlyOneWin() {
    Lease created = client.leases().resource(lease("race", "a")).create();
    String v1 = created.getMetadata().getResourceVersion();
    List<CompletableFuture<Integer>> outcomes = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      String holder = "h" + i;
      outcomes.add(CompletableFuture.supplyAsync(() -> {
        Lease l = lease("race", holder);
        l.getMetadata().setResourceVersion(v1);
        try {
          client.leases().resource(l).update();
          return 200;
        } catch (KubernetesClientException e) {
          return e.getCode();
        }
      }));
    }
    List<Integer> codes = outcomes.stream().map(CompletableFuture::join).toList();
    assertThat(codes).filteredOn(c -> c == 200).hasSize(1);
    assertThat(codes).filteredOn(c -> c == 409).hasSize(15);
  }

  @Test
  void restartKeepsDataAndPort() {
    Lease created = client.leases().resource(lease("kept", "a")).create();
    int port = server.port();
    server.stop();
    server.start();
    assertThat(server.port()).isEqualTo(port);
    Lease after = client.leases().withName("kept").get();
    assertThat(after.getSpec().getHolderIdentity()).isEqualTo("a");
    assertThat(after.getMetadata().getResourceVersion())
        .isEqualTo(created.getMetadata().getResourceVersion());
    after.getSpec().setHolderIdentity("b");
    client.leases().resource(after).update();
    Lease stale = lease("kept", "c");
    stale.getMetadata().setResourceVersion(created.getMetadata().getResourceVersion());
    KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
        () -> client.leases().resource(stale).update());
    assertThat(e.getCode()).isEqualTo(409);
  }

  /**
   * Writes go on answering after a watch on the object closed: the fixture's dispatcher drops
   * a closed watch that fabric8's mock still holds (see MockApiServer.Dispatcher), which it can
   * only do while fabric8's internals have the names it reads.
   */
  @Test
  void writesAnswerAfterAWatchOnTheObjectClosed() {
    client.leases().resource(lease("watched", "a")).create();
    try (KubernetesClient watcher = server.newDirectClient()) {
      List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
      io.fabric8.kubernetes.client.Watch w = watcher.leases().withName("watched")
          .watch(new io.fabric8.kubernetes.client.Watcher<Lease>() {
            @Override
            public void eventReceived(Action action, Lease resource) {
              seen.add(resource.getSpec().getHolderIdentity());
            }

            @Override
            public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
            }
          });
      Lease l = client.leases().withName("watched").get();
      l.getSpec().setHolderIdentity("b");
      client.leases().resource(l).update();
      org.awaitility.Awaitility.await("the watch saw b").atMost(java.time.Duration.ofSeconds(5))
          .until(() -> seen.contains("b"));
      w.close();
    }
    for (int i = 0; i < 20; i++) {
      Lease l = client.leases().withName("watched").get();
      l.getSpec().setHolderIdentity("c" + i);
      assertThat(client.leases().resource(l).update().getSpec().getHolderIdentity())
          .isEqualTo("c" + i);
    }
    assertThat(new MockApiServer.Dispatcher().dropClosedWatches())
        .as("fabric8's mock still has the fields the workaround reads").isFalse();
  }
}
