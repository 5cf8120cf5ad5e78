package io.github.election.zookeeper;

import io.github.election.tck.ElectionCompatibilityKit;
import io.github.election.tck.ElectionFixture;

/**
 * The whole compatibility kit against a ZooKeeper server in this JVM, each candidate on its
 * own Curator client behind its own TCP proxy; see {@link ZooKeeperFixture} for the faults.
 * The kit's member-loss rule (F3 on a cluster) is skipped here and covered by {@link
 * ZooKeeperEnsembleTest} on a three-member ensemble.
 */
class ZooKeeperCompatibilityTest extends ElectionCompatibilityKit {

  @Override
  protected ElectionFixture createFixture() {
    return new ZooKeeperFixture();
  }
}
