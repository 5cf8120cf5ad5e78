package io.github.election.etcd;

import io.github.election.etcd.testing.EtcdCluster;
import io.github.election.tck.ElectionCompatibilityKit;
import io.github.election.tck.ElectionFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The compatibility kit against one etcd server, a child process that this class starts once
 * on 127.0.0.1 (random ports, temporary data) and stops after its last test. Each test gets
 * fresh clients, each behind TCP proxies of its own; see {@link EtcdFixture}.
 */
class EtcdCompatibilityTest extends ElectionCompatibilityKit {

  private static EtcdCluster etcd;

  @BeforeAll
  static void startEtcd() {
    etcd = EtcdCluster.start(1);
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
