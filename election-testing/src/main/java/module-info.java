/**
 * What every tool that drives stores shares (the kit's fixtures, the campaign, the benchmarks):
 * {@code StoreHarness}, found by scheme through {@link java.util.ServiceLoader}, the one fault
 * vocabulary, the timings of a store, and a TCP proxy that cuts connections.
 */
module io.github.election.testing {
  requires transitive io.github.election;
  requires org.slf4j;

  exports io.github.election.testing;

  uses io.github.election.testing.StoreHarness.Provider;
}
