package io.github.election.kubernetes;

import io.github.election.ElectionBackends;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.ElectionBackendProvider;
import java.net.URI;

/**
 * Serves {@code kubernetes:///NAMESPACE} and {@code kubernetes:///NAMESPACE/LEASE-PREFIX}
 * ({@code kubernetes:///}: the pod's service-account namespace, else the kubeconfig's, else
 * {@code default}): a {@link KubernetesElectionBackend} on the
 * default client configuration (in-cluster service account, or {@code KUBECONFIG}). Public for
 * {@link java.util.ServiceLoader} only; use {@code ElectionBackends.open(uri)}.
 */
public final class KubernetesBackendProvider implements ElectionBackendProvider {

  /** For {@link java.util.ServiceLoader}. */
  public KubernetesBackendProvider() {
  }

  @Override
  public String scheme() {
    return "kubernetes";
  }

  @Override
  public String description() {
    return "kubernetes:///NAMESPACE[/LEASE-PREFIX], one coordination.k8s.io/v1 Lease per election"
        + " (io.github.election:election-kubernetes)";
  }

  /**
   * Opens a backend that owns its client, made from the default configuration.
   *
   * @throws IllegalArgumentException if the URI names a host, a query or a fragment, or has more
   *     than two path segments, or if the namespace or prefix is not a valid name; its message
   *     shows the URI as {@link ElectionBackends#redact(URI)} does (credentials in the URI are
   *     never used, and never printed)
   */
  @Override
  public ElectionBackend open(URI uri) {
    String form = "; expected kubernetes:///NAMESPACE[/LEASE-PREFIX]";
    String shown = ElectionBackends.redact(uri);
    if (uri.isOpaque()) {
      throw new IllegalArgumentException("kubernetes URI '" + shown + "' is opaque" + form);
    }
    if (uri.getRawAuthority() != null && !uri.getRawAuthority().isEmpty()) {
      throw new IllegalArgumentException("kubernetes URI '" + shown + "' names a host or user: "
          + "the API server and the credentials come from the in-cluster service account or "
          + "KUBECONFIG" + form);
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("kubernetes URI '" + shown
          + "' has a query or fragment" + form);
    }
    String path = uri.getPath() == null ? "" : uri.getPath();
    while (path.startsWith("/")) {
      path = path.substring(1);
    }
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    String[] parts = path.isEmpty() ? new String[0] : path.split("/", -1);
    if (parts.length > 2) {
      throw new IllegalArgumentException("kubernetes URI '" + shown + "' has " + parts.length
          + " path segments" + form);
    }
    KubernetesElectionBackend.Builder b = KubernetesElectionBackend.builder();
    if (parts.length >= 1) {
      b.namespace(parts[0]);
    }
    if (parts.length == 2) {
      b.leasePrefix(parts[1]);
    }
    return b.build();
  }
}
