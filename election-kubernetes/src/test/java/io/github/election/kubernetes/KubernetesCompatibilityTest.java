package io.github.election.kubernetes;

import io.github.election.tck.ElectionCompatibilityKit;
import io.github.election.tck.ElectionFixture;

/**
 * The compatibility kit against fabric8's mock API server (default), or against the cluster of
 * {@code KUBECONFIG} with {@code -Delection.kubernetes.real=true}; see {@link KubernetesFixture}
 * and the module's README.
 */
class KubernetesCompatibilityTest extends ElectionCompatibilityKit {

  @Override
  protected ElectionFixture createFixture() {
    return new KubernetesFixture();
  }
}
