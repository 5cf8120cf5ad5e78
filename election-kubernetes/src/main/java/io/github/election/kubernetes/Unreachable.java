package io.github.election.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.github.election.ElectionBackends;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/**
 * A request that got no HTTP answer from the API server (the host name does not resolve,
 * nothing listens on the port, the server does not answer in time), described so that an
 * operator sees which address failed and why: {@code get of Lease ns/name failed: API server
 * host:port refused the connection (java.net.ConnectException: Connection refused)}. fabric8's
 * own message names neither (only the operation), and the engine logs the failure's message
 * only, not its causes.
 */
final class Unreachable extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private Unreachable(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The failure of {@code what} ({@code "get of Lease ns/name"}, a request that gives up after
   * {@code timeoutMillis}) as this class when the API server gave no HTTP answer (no status;
   * fabric8's code -1), else {@code e} itself, whose message already carries the server's
   * status and the URL.
   */
  static RuntimeException of(String what, String apiServer, int timeoutMillis,
      KubernetesClientException e) {
    if (e.getCode() > 0 || e.getStatus() != null) {
      return e;
    }
    return new Unreachable(what + " failed: API server " + apiServer + " "
        + why(apiServer, timeoutMillis, e), e);
  }

  /** What went wrong, from the outermost cause that says it. */
  private static String why(String apiServer, int timeoutMillis, Throwable e) {
    Throwable root = e;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      root = t;
      String message = t.getMessage() == null ? "" : t.getMessage();
      String lower = message.toLowerCase(Locale.ROOT);
      if (t instanceof UnknownHostException) {
        return "cannot be reached: host name " + host(apiServer) + " does not resolve ("
            + t + ")";
      }
      if (t instanceof NoRouteToHostException) {
        return "cannot be reached: no route to host (" + t + ")";
      }
      if (t instanceof ConnectException && lower.contains("refused")) {
        return "refused the connection (" + innermost(t) + ")";
      }
      if (t instanceof TimeoutException || t.getClass().getSimpleName().contains("Timeout")
          || lower.contains("timeout period") || lower.contains("timed out")) {
        return "did not answer within " + timeoutMillis + "ms (" + message + ")";
      }
      if (t instanceof InterruptedException) {
        return "not waited for: the request was interrupted (closing)";
      }
    }
    return "cannot be reached (" + root + ")";
  }

  private static Throwable innermost(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  private static String host(String apiServer) {
    int colon = apiServer.lastIndexOf(':');
    return colon > 0 && !apiServer.endsWith("]") ? apiServer.substring(0, colon) : apiServer;
  }

  /**
   * {@code host:port} of a master URL, with the scheme's default port when it has none; the URL
   * with its secrets hidden when it cannot be read.
   */
  static String address(String masterUrl) {
    if (masterUrl == null || masterUrl.isBlank()) {
      return "(no API server configured)";
    }
    try {
      URI uri = URI.create(masterUrl.trim());
      String host = uri.getHost();
      if (host == null) {
        return ElectionBackends.redact(masterUrl);
      }
      int port = uri.getPort();
      if (port < 0) {
        port = "http".equalsIgnoreCase(uri.getScheme()) ? 80 : 443;
      }
      return host + ":" + port;
    } catch (IllegalArgumentException e) {
      return ElectionBackends.redact(masterUrl);
    }
  }
}
