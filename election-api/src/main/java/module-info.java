/**
 * Leader election with pluggable coordination stores: the state model, {@code LeaderElection}
 * and its engine ({@code io.github.election}), and the service provider interface that backends
 * implement ({@code io.github.election.spi}). Backends are found through {@link
 * java.util.ServiceLoader} by the scheme of a backend URI.
 */
module io.github.election {
  requires org.slf4j;

  exports io.github.election;
  exports io.github.election.spi;
  exports io.github.election.spi.record;

  uses io.github.election.spi.ElectionBackendProvider;
}
