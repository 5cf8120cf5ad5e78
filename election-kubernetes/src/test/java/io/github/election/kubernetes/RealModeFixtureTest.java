package io.github.election.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.election.LeaderElection;
import io.github.election.kubernetes.testing.MockApiServer;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.ElectionSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real-cluster mode of the fixture, pointed by {@code -Dkubeconfig} at a mock API server on
 * 127.0.0.1 (so the default run stays on loopback): configuration and namespace from the
 * kubeconfig, a fresh Lease prefix, no faults, and the Leases deleted on close.
 */
class RealModeFixtureTest {

  /**
   * Each name the fixture lists as invalid is one no Lease can have behind the real mode's
   * prefix (or another, or none), so the backend's validate() refuses it, and the builder with
   * it, as the kit's C4 test expects. Regression: {@code -leading-dash} was listed, and behind
   * {@code tck-1234abcd-} it is a valid Lease name, so C4 failed against a real API server.
   */
  @ParameterizedTest
  @ValueSource(strings = {"", "REAL", "tck-00000000", "a", "billing.eu", "x-y"})
  void listedInvalidNamesAreInvalidBehindThePrefix(String prefix) {
    String leasePrefix = prefix.equals("REAL") ? KubernetesFixture.newRealLeasePrefix() : prefix;
    // configured for a loopback port nobody listens on: validate() does no I/O
    try (KubernetesElectionBackend backend = KubernetesElectionBackend.builder()
        .config(MockApiServer.config(9, 100)).namespace(MockApiServer.NAMESPACE)
        .leasePrefix(leasePrefix).build()) {
      List<String> invalid = KubernetesFixture.invalidElectionNames(leasePrefix);
      assertThat(invalid).contains("Upper-Case", "x".repeat(254));
      for (String bad : invalid) {
        String lease = backend.leaseName(bad);
        assertThat(LeaseNames.isSubdomain(lease)).as("Lease name '%s'", lease).isFalse();
        if (bad.length() <= ElectionSettings.MAX_NAME_LENGTH) { // else the settings refuse it
          ElectionSettings settings = new ElectionSettings(bad, "c1", Duration.ofSeconds(5),
              Duration.ofSeconds(3), Duration.ofMillis(500));
          assertThatIllegalArgumentException().as("validate() of '%s'", bad)
              .isThrownBy(() -> backend.validate(settings))
              .withMessageContaining("name '" + bad + "'");
        }
        assertThatIllegalArgumentException().as("build() of '%s'", bad)
            .isThrownBy(() -> LeaderElection.builder(backend).name(bad).identity("c1").build())
            .withMessageContaining("name").withMessageContaining(bad);
      }
      if (!leasePrefix.isEmpty()) {
        assertThat(invalid).doesNotContain("-leading-dash");
        assertThatNoException().as("'-leading-dash' behind a prefix: a valid Lease name")
            .isThrownBy(() -> backend.validate(new ElectionSettings("-leading-dash", "c1",
                Duration.ofSeconds(5), Duration.ofSeconds(3), Duration.ofMillis(500))));
      } else {
        assertThat(invalid).contains("-leading-dash");
      }
    }
  }

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
          for (String bad : fixture.invalidElectionNames()) { // as the kit's C4 test does
            assertThatIllegalArgumentException()
                .as("election name '%s' behind the real mode's Lease prefix", bad)
                .isThrownBy(() -> LeaderElection.builder(b).name(bad).identity("c1").build())
                .withMessageContaining("name").withMessageContaining(bad);
          }
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
