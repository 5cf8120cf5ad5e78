package io.github.election.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.election.LeaderElection;
import io.github.election.spi.ElectionBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The real-cluster mode of the fixture, pointed by {@code -Dkubeconfig} at a mock API server on
 * 127.0.0.1 (so the default run stays on loopback): configuration and namespace from the
 * kubeconfig, a fresh Lease prefix, no faults, and the Leases deleted on close.
 */
class RealModeFixtureTest {

  @Test
  @ResourceLock("system-property:kubeconfig")
  void realModeUsesTheKubeconfigAndCleansUp() throws IOException {
    try (MockApiServer server = new MockApiServer().start();
         KubernetesClient direct = server.newDirectClient()) {
      Path kubeconfig = Files.createTempFile(Path.of("target"), "kubeconfig", ".yaml");
      Files.writeString(kubeconfig, String.join("\n",
          "apiVersion: v1",
          "kind: Config",
          "clusters:",
          "- name: mock",
          "  cluster:",
          "    server: http://127.0.0.1:" + server.newFrontend().port(),
          "contexts:",
          "- name: mock",
          "  context:",
          "    cluster: mock",
          "    user: tester",
          "    namespace: " + MockApiServer.NAMESPACE,
          "current-context: mock",
          "users:",
          "- name: tester",
          "  user:",
          "    token: not-checked-by-the-mock",
          ""));
      String before = System.getProperty("kubeconfig");
      System.setProperty("kubeconfig", kubeconfig.toString());
      try {
        KubernetesFixture fixture = new KubernetesFixture(true);
        try {
          assertThat(fixture.faults()).isEmpty();
          assertThat(fixture.timings()).isEqualTo(KubernetesFixture.REAL_TIMINGS);
          ElectionBackend b = fixture.newBackend();
          try (LeaderElection e = fixture.timings().applyTo(LeaderElection.builder(b))
              .name("real-mode").identity("me").build()) {
            e.start();
            await().atMost(Duration.ofSeconds(10)).until(e::isLeader);
            List<Lease> leases = direct.leases().inNamespace(MockApiServer.NAMESPACE).list()
                .getItems();
            assertThat(leases).singleElement().satisfies(l -> assertThat(
                l.getMetadata().getName()).startsWith("tck-").endsWith("-real-mode"));
            assertThat(fixture.recordsOf("real-mode")).contains(1);
          }
          assertThat(fixture.recordsOf("real-mode")).contains(0);
        } finally {
          fixture.close();
        }
        assertThat(direct.leases().inNamespace(MockApiServer.NAMESPACE).list().getItems())
            .as("Leases left after the fixture closed").isEmpty();
      } finally {
        if (before == null) {
          System.clearProperty("kubeconfig");
        } else {
          System.setProperty("kubeconfig", before);
        }
        Files.deleteIfExists(kubeconfig);
      }
    }
  }
}
