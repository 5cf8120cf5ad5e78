package io.github.election.tck;

import io.github.election.memory.testing.MemoryHarness;
import io.github.election.testing.Timings;
import java.util.Optional;

/**
 * The kit's fixture on the in-memory reference store's harness, with every fault but member
 * loss: each backend is the client of a connection of its own, whose faults are the store's
 * hooks on that client.
 */
class InMemoryFixture extends HarnessFixture {

  static final Timings TIMINGS = MemoryHarness.TIMINGS;

  InMemoryFixture() {
    super(new MemoryHarness(), TIMINGS, "/");
  }

  @Override
  public Optional<Integer> recordsOf(String electionName) {
    return Optional.of(((MemoryHarness) store()).store().recordCount(electionName));
  }
}
