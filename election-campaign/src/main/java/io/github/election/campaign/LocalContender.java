package io.github.election.campaign;

import io.github.election.LeaderElection;
import io.github.election.spi.ElectionBackend;
import io.github.election.memory.InMemoryElectionStore;
import io.github.election.testing.Timings;

/**
 * A candidate of the in-memory store, in the campaign's JVM. A crash is the store's own: the
 * client's requests fail from then on and nothing is released; the election is then closed so
 * that its threads end, and the instance counts as dead from the crash on.
 */
final class LocalContender implements Contender {

  private final String who;
  private final InMemoryElectionStore store;
  private final History history;
  private final ElectionBackend client;
  private final LeaderElection election;

  LocalContender(String who, String identity, String electionName, Timings timings,
      InMemoryElectionStore store, History history) {
    this.who = who;
    this.store = store;
    this.history = history;
    this.client = store.connect();
    Probe probe = new Probe(who, history::add);
    this.election = probe.build(client, electionName, identity, timings);
    history.add(Entry.at(System.nanoTime(), who, "spawn").put("identity", identity).build());
    probe.start();
  }

  @Override
  public String who() {
    return who;
  }

  @Override
  public void kill() {
    store.crash(client);
    election.close(); // its release fails: the store lets the lease run out
    client.close();
    history.add(Entry.at(System.nanoTime(), who, "exit").put("how", "killed").build());
  }

  @Override
  public void pause() {
    throw new UnsupportedOperationException("pause: candidates of the in-memory store share "
        + "the campaign's JVM");
  }

  @Override
  public void resume() {
    throw new UnsupportedOperationException("pause");
  }

  @Override
  public void cut() {
    store.cut(client);
  }

  @Override
  public void heal() {
    store.heal(client);
  }

  @Override
  public void expire() {
    store.expire(client);
  }

  @Override
  public void resign() {
    election.resign();
  }

  @Override
  public void close() {
    election.close();
    client.close();
    history.add(Entry.at(System.nanoTime(), who, "exit").put("how", "closed").build());
  }

  @Override
  public String toString() {
    return who + " (in-process)";
  }
}
