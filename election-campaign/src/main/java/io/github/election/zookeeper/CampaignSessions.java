package io.github.election.zookeeper;

import io.github.election.spi.ElectionBackend;

/**
 * The campaign's door to a ZooKeeper candidate's session (this package, so that it reaches the
 * backend's Curator client the way the module's own test fixture does).
 */
public final class CampaignSessions {

  private CampaignSessions() {
  }

  /**
   * Ends the session of a {@code zookeeper} backend in the ensemble now, as the kit's
   * ZooKeeperFixture does: a second handle joins the session, straight to the ensemble, and
   * closes it.
   *
   * @param backend a backend that {@code ElectionBackends.open} made for a zookeeper URI
   * @param directConnectString the ensemble's own addresses (not the candidate's proxies)
   * @throws IllegalArgumentException if the backend is not a ZooKeeper one
   * @throws IllegalStateException if the session cannot be joined
   */
  public static void expire(ElectionBackend backend, String directConnectString) {
    if (!(backend instanceof ZooKeeperElectionBackend)) {
      throw new IllegalArgumentException("not a zookeeper backend: " + backend);
    }
    ZooKeeperFixture.expireSession(((ZooKeeperElectionBackend) backend).client(),
        directConnectString);
  }
}
