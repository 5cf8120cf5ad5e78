package io.github.election.tck;

import io.github.election.memory.testing.MemoryHarness;
import io.github.election.spi.ElectionBackend;
import io.github.election.testing.Fault;
import io.github.election.testing.StoreHarness;
import io.github.election.testing.Timings;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kit's fixture on the in-memory reference store's harness, with every fault but member
 * loss: each backend is the client of a connection of its own, whose faults are the store's
 * hooks on that client.
 */
class InMemoryFixture implements ElectionFixture {

  static final Timings TIMINGS = MemoryHarness.TIMINGS;

  final MemoryHarness harness = new MemoryHarness();
  private final Map<ElectionBackend, StoreHarness.Connection> links = new ConcurrentHashMap<>();

  @Override
  public Timings timings() {
    return TIMINGS;
  }

  @Override
  public ElectionBackend newBackend() {
    StoreHarness.Connection link = harness.connect(true);
    ElectionBackend client = link.backend("/", TIMINGS.leaseDuration());
    links.put(client, link);
    return client;
  }

  private StoreHarness.Connection link(ElectionBackend client) {
    StoreHarness.Connection link = links.get(client);
    if (link == null) {
      throw new IllegalArgumentException("not a client of this fixture: " + client);
    }
    return link;
  }

  @Override
  public Set<Fault> faults() {
    return harness.faults();
  }

  @Override
  public void crash(ElectionBackend client) {
    link(client).crash();
  }

  @Override
  public void cut(ElectionBackend client) {
    link(client).cut();
  }

  @Override
  public void heal(ElectionBackend client) {
    link(client).heal();
  }

  @Override
  public void stopStore() {
    harness.stopStore();
  }

  @Override
  public void startStore() {
    harness.startStore();
  }

  @Override
  public void expire(ElectionBackend client) {
    link(client); // one of ours
    harness.expire(client);
  }

  @Override
  public Optional<Integer> recordsOf(String electionName) {
    return Optional.of(harness.store().recordCount(electionName));
  }

  @Override
  public void close() {
    harness.close();
  }
}
