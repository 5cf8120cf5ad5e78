package io.github.election.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.election.ElectionBackends;
import io.github.election.LeaderElection;
import io.github.election.kubernetes.testing.MockApiServer;
import io.github.election.spi.ElectionBackend;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Settings and names refused at build time (C4), and the URI form. No I/O happens here. */
class ValidationTest {

  private KubernetesElectionBackend backend;

  @BeforeEach
  void build() {
    // a client configured for a loopback port nobody listens on: nothing is contacted anyway
    backend = KubernetesElectionBackend.builder().config(MockApiServer.config(9, 100)).build();
  }

  @AfterEach
  void close() {
    backend.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"Jobs", "jobs_1", "-jobs", "jobs-", "jobs..x", "jobs/x", "j\u00f6bs",
      ".jobs", "jobs."})
  void leaseNamesMustBeDns1123Subdomains(String name) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> LeaderElection.builder(backend).name(name).build())
        .withMessageContaining("name '" + name + "'")
        .withMessageContaining("DNS-1123 subdomain");
  }

  @Test
  void leaseNamesAreAtMost253Characters() {
    String ok = "a".repeat(253);
    LeaderElection.builder(backend).name(ok).build().close();
    String tooLong = "a".repeat(254);
    assertThatIllegalArgumentException()
        .isThrownBy(() -> LeaderElection.builder(backend).name(tooLong).build())
        .withMessageContaining("name '" + tooLong + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"jobs", "cluster-checks", "a.b-c.d", "0", "x1"})
  void validNamesPass(String name) {
    LeaderElection.builder(backend).name(name).build().close();
  }

  @Test
  void prefixIsPartOfTheCheckedName() {
    try (KubernetesElectionBackend prefixed = KubernetesElectionBackend.builder()
        .config(MockApiServer.config(9, 100)).leasePrefix("billing").build()) {
      assertThat(prefixed.leaseName("jobs")).isEqualTo("billing-jobs");
      String name = "a".repeat(250);
      assertThatIllegalArgumentException()
          .isThrownBy(() -> LeaderElection.builder(prefixed).name(name).build())
          .withMessageContaining("name '" + name + "'")
          .withMessageContaining("billing-" + name);
    }
  }

  @Test
  void builderRefusesBadSettingsNamingThem() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> KubernetesElectionBackend.builder().namespace("Default"))
        .withMessageContaining("namespace 'Default'");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> KubernetesElectionBackend.builder().leasePrefix("Bad_Prefix"))
        .withMessageContaining("leasePrefix 'Bad_Prefix'");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> KubernetesElectionBackend.builder().ioThreads(0))
        .withMessageContaining("ioThreads").withMessageContaining("0");
    assertThatThrownBy(() -> KubernetesElectionBackend.builder().client(null))
        .isInstanceOf(NullPointerException.class).hasMessage("client");
    assertThatThrownBy(() -> KubernetesElectionBackend.builder()
        .config(MockApiServer.config(9, 100)).client(backendClient()).build())
        .isInstanceOf(IllegalStateException.class);
  }

  private static io.fabric8.kubernetes.client.KubernetesClient backendClient() {
    return new io.fabric8.kubernetes.client.KubernetesClientBuilder()
        .withConfig(MockApiServer.config(9, 100)).build();
  }

  @Test
  void namespaceDefaultsToTheClientsAndLeaseDurationIsRoundedUp() {
    assertThat(backend.namespace()).isEqualTo(MockApiServer.NAMESPACE);
    assertThat(LeaseStore.leaseSeconds(Duration.ofMillis(2500))).isEqualTo(3);
    assertThat(LeaseStore.leaseSeconds(Duration.ofSeconds(3))).isEqualTo(3);
    assertThat(LeaseStore.leaseSeconds(Duration.ofMillis(300))).isEqualTo(1);
  }

  @Test
  void closedBackendRefusesCandidates() {
    backend.close();
    assertThatThrownBy(() -> backend.join(new FakeContext("jobs", "me")))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void uriFormsAreParsed() {
    try (ElectionBackend b = ElectionBackends.open("kubernetes:///checks")) {
      assertThat(((KubernetesElectionBackend) b).namespace()).isEqualTo("checks");
    }
    try (ElectionBackend b = ElectionBackends.open("kubernetes:///checks/billing")) {
      assertThat(((KubernetesElectionBackend) b).namespace()).isEqualTo("checks");
      assertThat(((KubernetesElectionBackend) b).leaseName("jobs")).isEqualTo("billing-jobs");
    }
    assertThat(ElectionBackends.available()).containsKey("kubernetes");
  }

  @ParameterizedTest
  @ValueSource(strings = {"kubernetes://host/ns", "kubernetes:///ns/p/x", "kubernetes:///NS",
      "kubernetes:///ns?x=1", "kubernetes:ns", "kubernetes:///ns/Bad_Prefix"})
  void badUrisAreRefused(String uri) {
    assertThatIllegalArgumentException().isThrownBy(() -> ElectionBackends.open(uri));
  }
}
