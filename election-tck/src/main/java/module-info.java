/**
 * The compatibility kit: one JUnit test per rule of the contract, run against a backend through
 * its fixture.
 */
module io.github.election.tck {
  requires transitive io.github.election;
  requires transitive io.github.election.testing;
  requires io.github.election.memory;
  requires transitive org.junit.jupiter.api;
  requires org.assertj.core;
  requires awaitility;
  requires org.slf4j;

  exports io.github.election.tck;

  // JUnit runs the kit's nested test classes reflectively
  opens io.github.election.tck to org.junit.platform.commons;
}
