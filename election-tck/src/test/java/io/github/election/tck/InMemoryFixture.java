package io.github.election.tck;

import io.github.election.memory.InMemoryElectionStore;

import io.github.election.testing.Fault;

import io.github.election.testing.Timings;

import io.github.election.spi.ElectionBackend;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/** The kit's fixture on the in-memory reference store, with every fault but member loss. */
class InMemoryFixture implements ElectionFixture {

  static final Timings TIMINGS = new Timings(Duration.ofMillis(1000), Duration.ofMillis(750),
      Duration.ofMillis(100), Duration.ofMillis(200));

  final InMemoryElectionStore store = new InMemoryElectionStore();

  @Override
  public Timings timings() {
    return TIMINGS;
  }

  @Override
  public ElectionBackend newBackend() {
    return store.connect();
  }

  @Override
  public Set<Fault> faults() {
    return EnumSet.of(Fault.CRASH, Fault.CUT, Fault.RESTART, Fault.EXPIRE);
  }

  @Override
  public void crash(ElectionBackend client) {
    store.crash(client);
  }

  @Override
  public void cut(ElectionBackend client) {
    store.cut(client);
  }

  @Override
  public void heal(ElectionBackend client) {
    store.heal(client);
  }

  @Override
  public void stopStore() {
    store.stop();
  }

  @Override
  public void startStore() {
    store.start();
  }

  @Override
  public void expire(ElectionBackend client) {
    store.expire(client);
  }

  @Override
  public java.util.Optional<Integer> recordsOf(String electionName) {
    return java.util.Optional.of(store.recordCount(electionName));
  }

  @Override
  public void close() {
    store.stop();
  }
}
