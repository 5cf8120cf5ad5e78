package io.github.election.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.github.election.spi.record.RecordRefusedException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A request the API server refused with 401 or 403, described so that an operator can fix it. */
final class Forbidden extends RecordRefusedException {

  private static final long serialVersionUID = 1L;
  private static final Pattern USER = Pattern.compile("User \"([^\"]*)\"");

  Forbidden(String message, KubernetesClientException cause) {
    super(message, cause);
  }

  /**
   * {@code forbidden: update leases in namespace ns for system:serviceaccount:ns:sa (...)}:
   * the verb, the namespace, the user as the server named it (else as the client is
   * configured), the server's own message, and where the example Role is.
   */
  static String describe(String verb, KubernetesElectionBackend backend,
      KubernetesClientException e) {
    String serverMessage = e.getStatus() != null && e.getStatus().getMessage() != null
        ? e.getStatus().getMessage() : e.getMessage();
    String user = null;
    if (serverMessage != null) {
      Matcher m = USER.matcher(serverMessage);
      if (m.find()) {
        user = m.group(1);
      }
    }
    if (user == null) {
      user = backend.configuredUser();
    }
    String kind = e.getCode() == 401 ? "unauthorized" : "forbidden";
    return kind + ": " + verb + " leases in namespace " + backend.namespaceName() + " for "
        + (user == null ? "the client's user" : user)
        + " (grant get, create, update and watch on leases.coordination.k8s.io, e.g. with the"
        + " Role in " + KubernetesElectionBackend.RBAC_RESOURCE + "): " + serverMessage;
  }
}
