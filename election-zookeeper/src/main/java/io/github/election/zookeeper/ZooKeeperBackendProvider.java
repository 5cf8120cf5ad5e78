package io.github.election.zookeeper;

import io.github.election.spi.ElectionBackend;
import io.github.election.spi.ElectionBackendProvider;
import java.net.URI;

/**
 * Serves {@code zookeeper://[user:password@]host:port[,host:port]/base/path?sessionTimeout=15s&connectionTimeout=5s&acl=creator}
 * for {@code ElectionBackends.open}; see {@link ZooKeeperElectionBackend}. Public only for
 * {@link java.util.ServiceLoader}.
 */
public final class ZooKeeperBackendProvider implements ElectionBackendProvider {

  /** For {@link java.util.ServiceLoader}. */
  public ZooKeeperBackendProvider() {
  }

  @Override
  public String scheme() {
    return "zookeeper";
  }

  @Override
  public String description() {
    return ZooKeeperUri.FORM + " (io.github.election:election-zookeeper)";
  }

  /**
   * Makes a backend that owns its Curator client.
   *
   * @throws IllegalArgumentException if the URI is malformed, naming the part
   */
  @Override
  public ElectionBackend open(URI uri) {
    return ZooKeeperUri.parse(uri).build();
  }
}
