/**
 * The in-memory store (scheme {@code memory}): candidates of one process elect through it, with
 * public fault hooks for unit tests; {@code io.github.election.memory.testing} is its
 * {@code StoreHarness} (needs {@code election-testing}).
 */
module io.github.election.memory {
  requires transitive io.github.election;
  requires static io.github.election.testing;
  requires org.slf4j;

  exports io.github.election.memory;
  exports io.github.election.memory.testing;

  provides io.github.election.spi.ElectionBackendProvider
      with io.github.election.memory.InMemoryBackendProvider;
}
