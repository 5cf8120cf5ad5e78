package io.github.election.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.util.HashMap;

/**
 * fabric8's mock API server in CRUD mode on 127.0.0.1 (plain HTTP), restartable on the same port
 * with the same data: the objects live in the {@link KubernetesCrudDispatcher}, which outlives the
 * HTTP server, so {@link #stop()} then {@link #start()} is a restart of the API server that keeps
 * etcd's contents (resource versions included).
 */
final class MockApiServer implements AutoCloseable {

  static final String NAMESPACE = "election-test";

  private final KubernetesCrudDispatcher dispatcher = new KubernetesCrudDispatcher();
  private KubernetesMockServer server;
  private int port;

  /** Starts the server on a free port of 127.0.0.1, or on the port it had before a stop. */
  synchronized MockApiServer start() {
    if (server != null) {
      return this;
    }
    KubernetesMockServer s = new KubernetesMockServer(new Context(), new MockWebServer(),
        new HashMap<>(), dispatcher, false);
    s.start(InetAddress.getLoopbackAddress(), port);
    port = s.getPort();
    server = s;
    return this;
  }

  /** Stops the HTTP server; the data stays for the next {@link #start()}. */
  synchronized void stop() {
    if (server != null) {
      server.shutdown();
      server = null;
    }
  }

  synchronized boolean isRunning() {
    return server != null;
  }

  /** The port on 127.0.0.1. */
  synchronized int port() {
    return port;
  }

  /** A client configuration for {@code http://127.0.0.1:port}, nothing read from the machine. */
  static Config config(int port, int requestTimeoutMillis) {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl("http://127.0.0.1:" + port)
        .withNamespace(NAMESPACE)
        .withRequestTimeout(requestTimeoutMillis)
        .withConnectionTimeout(requestTimeoutMillis)
        .withRequestRetryBackoffLimit(0)
        .withWatchReconnectInterval(100)
        .build();
  }

  /** A direct client of the server (no proxy), for the tests' own looks at the store. */
  KubernetesClient newDirectClient() {
    return new KubernetesClientBuilder().withConfig(config(port(), 5_000)).build();
  }

  @Override
  public synchronized void close() {
    stop();
  }
}
