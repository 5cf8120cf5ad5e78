/** The Kubernetes Lease backend (scheme {@code kubernetes}), a record store on fabric8. */
module io.github.election.kubernetes {
  requires io.github.election;
  requires org.slf4j;
  requires kubernetes.client.api;
  requires kubernetes.model.core;
  requires kubernetes.model.coordination;
  requires static io.github.election.testing;
  requires static kubernetes.server.mock;
  requires static mockwebserver;

  exports io.github.election.kubernetes;
  exports io.github.election.kubernetes.testing;

  provides io.github.election.spi.ElectionBackendProvider
      with io.github.election.kubernetes.KubernetesBackendProvider;
}
