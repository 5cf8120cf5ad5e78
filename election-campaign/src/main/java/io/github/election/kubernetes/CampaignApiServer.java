package io.github.election.kubernetes;

/**
 * The campaign's door to the Kubernetes module's test fixture (this package, so that it reaches
 * it): fabric8's mock API server in CRUD mode on 127.0.0.1 ({@code MockApiServer}), one HTTP
 * front end per client on one shared store, restartable with its data.
 */
public final class CampaignApiServer implements AutoCloseable {

  private final MockApiServer server;

  private CampaignApiServer(MockApiServer server) {
    this.server = server;
  }

  /** Starts the mock API server. */
  public static CampaignApiServer start() {
    return new CampaignApiServer(new MockApiServer().start());
  }

  /** The namespace the mock's clients use. */
  public static String namespace() {
    return MockApiServer.NAMESPACE;
  }

  /** A new HTTP front end of the server, for one client; returns its port on 127.0.0.1. */
  public int newFrontendPort() {
    return server.newFrontend().port();
  }

  /** Stops every front end; the objects stay. */
  public void stop() {
    server.stop();
  }

  /** Starts every front end again on its port. */
  public void restart() {
    server.start();
  }

  /** Stops every front end. */
  @Override
  public void close() {
    server.close();
  }
}
