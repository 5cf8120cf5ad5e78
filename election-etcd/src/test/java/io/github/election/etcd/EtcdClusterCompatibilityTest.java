package io.github.election.etcd;

import io.github.election.etcd.testing.EtcdCluster;
import io.github.election.tck.ElectionCompatibilityKit;
import io.github.election.tck.ElectionFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The compatibility kit against a 3-member etcd cluster on 127.0.0.1 (child processes started
 * once for this class). Every client lists all three members, starting with a different one; the
 * member-loss rule (F3) stops the member that the leader's client talks to and starts it again,
 * and the store-restart rules stop and start all three.
 */
class EtcdClusterCompatibilityTest extends ElectionCompatibilityKit {

  private static EtcdCluster etcd;

  @BeforeAll
  static void startEtcd() {
    etcd = EtcdCluster.start(3);
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @Override
  protected ElectionFixture createFixture() {
    return new EtcdFixture(etcd);
  }
}
