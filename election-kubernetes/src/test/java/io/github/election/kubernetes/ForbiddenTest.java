package io.github.election.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.github.election.kubernetes.testing.MockApiServer;
import io.github.election.spi.Candidate;
import io.github.election.spi.Observation;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An identity without the rights gets UNKNOWN with a reason naming the verb, the namespace and
 * the user, not a silent FOLLOWER. The mock server in expectation mode plays an API server with
 * RBAC that refuses.
 */
class ForbiddenTest {

  private static final String NS = MockApiServer.NAMESPACE;
  private static final String PATH = "/apis/coordination.k8s.io/v1/namespaces/" + NS
      + "/leases/jobs";
  private static final String USER = "system:serviceaccount:" + NS + ":checks";

  private KubernetesMockServer server;
  private KubernetesElectionBackend backend;

  @BeforeEach
  void start() throws Exception {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), false);
    server.start(InetAddress.getLoopbackAddress(), 0);
    backend = KubernetesElectionBackend.builder()
        .config(MockApiServer.config(server.getPort(), 1_000)).build();
    // The first request of a fresh client loads and starts much of fabric8, which takes seconds
    // on a busy machine: a round under test that paid for it ran out of its budget of R / 2
    // (1 s here) before it sent its update. One request (a 404) pays for it first.
    backend.inspect("warm-up").toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    backend.close();
    server.shutdown();
  }

  private static Status forbidden(String verb) {
    return new StatusBuilder().withStatus("Failure").withReason("Forbidden").withCode(403)
        .withMessage("leases.coordination.k8s.io \"jobs\" is forbidden: User \"" + USER
            + "\" cannot " + verb + " resource \"leases\" in API group \"coordination.k8s.io\""
            + " in the namespace \"" + NS + "\"")
        .build();
  }

  private Observation pollOnce() throws Exception {
    Candidate c = backend.join(new FakeContext("jobs", "me"));
    try {
      return c.poll().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } finally {
      c.leave().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void forbiddenGetIsUnknownNamingVerbNamespaceAndUser() throws Exception {
    server.expect().get().withPath(PATH).andReturn(403, forbidden("get")).always();
    Observation o = pollOnce();
    assertThat(o.kind()).isEqualTo(Observation.Kind.UNKNOWN);
    assertThat(o.reason()).get().asString()
        .startsWith("forbidden: get leases in namespace " + NS + " for " + USER)
        .contains(KubernetesElectionBackend.RBAC_RESOURCE);
  }

  @Test
  void forbiddenUpdateIsUnknownNamingUpdate() throws Exception {
    Lease free = new LeaseBuilder().withNewMetadata().withName("jobs").withNamespace(NS)
        .withResourceVersion("7").endMetadata()
        .withNewSpec().withHolderIdentity("").withLeaseDurationSeconds(1).withLeaseTransitions(4)
        .endSpec().build();
    server.expect().get().withPath(PATH).andReturn(200, free).always();
    server.expect().put().withPath(PATH).andReturn(403, forbidden("update")).always();
    Observation o = pollOnce();
    assertThat(o.kind()).isEqualTo(Observation.Kind.UNKNOWN);
    assertThat(o.reason()).get().asString()
        .startsWith("forbidden: update leases in namespace " + NS + " for " + USER);
  }

  @Test
  void forbiddenCreateIsUnknownNamingCreate() throws Exception {
    server.expect().post().withPath("/apis/coordination.k8s.io/v1/namespaces/" + NS + "/leases")
        .andReturn(403, forbidden("create")).always();
    Observation o = pollOnce();
    assertThat(o.kind()).isEqualTo(Observation.Kind.UNKNOWN);
    assertThat(o.reason()).get().asString()
        .startsWith("forbidden: create leases in namespace " + NS + " for " + USER);
  }
}
