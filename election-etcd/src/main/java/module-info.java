/** The etcd backend (scheme {@code etcd}), on jetcd. */
module io.github.election.etcd {
  requires io.github.election;
  requires org.slf4j;
  requires jetcd.core;
  requires jetcd.api;
  requires jetcd.common;
  requires io.grpc;
  requires io.netty.handler;
  requires static io.github.election.testing;

  exports io.github.election.etcd;
  exports io.github.election.etcd.testing;

  provides io.github.election.spi.ElectionBackendProvider
      with io.github.election.etcd.EtcdBackendProvider;
}
