package io.github.election.campaign;

import io.github.election.LeaderElection;
import io.github.election.spi.ElectionBackend;
import io.github.election.testing.StoreHarness;
import io.github.election.testing.Timings;

/**
 * A candidate in the campaign's JVM, for a store that lives there (the in-memory store), on a
 * connection of its own. A crash is the connection's: the client's requests fail from then on
 * and nothing is released; the election is then closed so that its threads end, and the
 * instance counts as dead from the crash on.
 */
final class LocalCandidate implements Candidate {

  private final String who;
  private final StoreHarness store;
  private final StoreHarness.Connection link;
  private final History history;
  private final ElectionBackend client;
  private final LeaderElection election;

  LocalCandidate(String who, String identity, String electionName, Timings timings,
      StoreHarness store, StoreHarness.Connection link, History history) {
    this(who, identity, electionName, timings, store, link, history, 0, null);
  }

  /** A candidate of {@code priority}, preemptive after {@code preemptAfter} (null: not). */
  LocalCandidate(String who, String identity, String electionName, Timings timings,
      StoreHarness store, StoreHarness.Connection link, History history, int priority,
      java.time.Duration preemptAfter) {
    this.who = who;
    this.store = store;
    this.link = link;
    this.history = history;
    this.client = link.backend(CampaignRun.BASE, timings.leaseDuration());
    Probe probe = new Probe(who, history::add);
    this.election = probe.build(client, electionName, identity, timings, priority,
        preemptAfter);
    history.add(Entry.at(System.nanoTime(), who, "spawn").put("identity", identity).build());
    probe.start();
  }

  @Override
  public String who() {
    return who;
  }

  @Override
  public void kill() {
    link.crash();
    election.close(); // its release fails: the store lets the lease run out
    link.close();
    history.add(Entry.at(System.nanoTime(), who, "exit").put("how", "killed").build());
  }

  @Override
  public void pause() {
    throw new UnsupportedOperationException("pause: candidates of " + store.scheme()
        + " share the campaign's JVM");
  }

  @Override
  public void resume() {
    throw new UnsupportedOperationException("pause");
  }

  @Override
  public void cut() {
    link.cut();
  }

  @Override
  public void heal() {
    link.heal();
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
  public void resign(String successor) {
    election.resign(successor);
  }

  @Override
  public void close() {
    election.close();
    link.close();
    history.add(Entry.at(System.nanoTime(), who, "exit").put("how", "closed").build());
  }

  @Override
  public String toString() {
    return who + " (in-process)";
  }
}
