package io.github.election.etcd;

import io.github.election.spi.ElectionBackend;
import java.util.ArrayList;
import java.util.List;

/**
 * The campaign's door to the etcd module's test fixtures (this package, so that it reaches
 * them): an etcd cluster of child processes ({@code EtcdCluster}) and the lease revocation of
 * the kit's fixture ({@code EtcdGateway}).
 */
public final class CampaignEtcd implements AutoCloseable {

  private final EtcdCluster cluster;

  private CampaignEtcd(EtcdCluster cluster) {
    this.cluster = cluster;
  }

  /**
   * Starts a cluster of {@code members} etcd processes on 127.0.0.1 and waits until each is
   * healthy.
   *
   * @throws IllegalStateException if there is no etcd binary (the message says what to install)
   */
  public static CampaignEtcd start(int members) {
    return new CampaignEtcd(EtcdCluster.start(members));
  }

  /** The members' client ports, in member order. */
  public List<Integer> clientPorts() {
    List<Integer> out = new ArrayList<>();
    for (EtcdCluster.Member m : cluster.members()) {
      out.add(m.clientPort);
    }
    return out;
  }

  /** The client port of a running member. */
  public int anyClientPort() {
    return cluster.anyClientPort();
  }

  /** Stops every member (SIGTERM, waiting for each), keeping the data. */
  public void stopAll() {
    cluster.stopAll();
  }

  /** Starts the stopped members and waits until all are healthy. */
  public void startAll() {
    cluster.startAll();
  }

  /** Stops member {@code i}. */
  public void stopMember(int i) {
    cluster.stop(cluster.member(i));
  }

  /** Starts member {@code i} again and waits until it is healthy. */
  public void startMember(int i) {
    cluster.start(cluster.member(i));
  }

  /**
   * Revokes every lease of an etcd backend through a member's JSON gateway, as the kit's
   * fixture does: etcd ends the lease now, as if it had run out.
   *
   * @param backend a backend that {@code ElectionBackends.open} made for an etcd URI
   * @param clientPort a running member's client port (not the candidate's proxy)
   * @return how many leases etcd still had
   * @throws IllegalArgumentException if the backend is not an etcd one
   * @throws IllegalStateException if it holds no lease yet
   */
  public static int expire(ElectionBackend backend, int clientPort) {
    if (!(backend instanceof EtcdElectionBackend)) {
      throw new IllegalArgumentException("not an etcd backend: " + backend);
    }
    List<Long> leases = ((EtcdElectionBackend) backend).leaseIds();
    if (leases.isEmpty()) {
      throw new IllegalStateException(backend + " holds no lease yet");
    }
    int had = 0;
    for (long lease : leases) {
      if (EtcdGateway.revoke(clientPort, lease)) {
        had++;
      }
    }
    return had;
  }

  /** Stops every member and deletes the data. */
  @Override
  public void close() {
    cluster.close();
  }
}
