package io.github.election.benchmarks;

import io.github.election.spi.ElectionBackend;
import io.github.election.testing.StoreHarness;
import io.github.election.testing.Timings;

/**
 * The part of a {@link BenchStore} that is the same for every store: the store is the backend's
 * {@link StoreHarness} (one member), its timings the harness's (those of the kit's fixture), and
 * our side a backend on a connection of the harness. A store's class adds the raw client's side
 * and the looks at the store of the scale runs.
 */
public abstract class HarnessBench implements BenchStore {

  /** Where our side's elections live (base path, key prefix). */
  protected static final String OURS = "/bench-ours";

  private volatile StoreHarness harness;

  /** Starts the harness of a scheme. */
  protected HarnessBench(String scheme) {
    this.harness = StoreHarness.start(scheme, 1);
  }

  /** The store's harness now (a new one after {@link #renew()}). */
  protected StoreHarness harness() {
    return harness;
  }

  /** Replaces the harness by a new one of the same scheme; the old one closes in the background. */
  protected void renewHarness() {
    StoreHarness old = harness;
    harness = StoreHarness.start(old.scheme(), 1);
    Background.close(old);
  }

  @Override
  public String store() {
    return harness.scheme();
  }

  @Override
  public Timings timings() {
    return harness.timings();
  }

  /**
   * The name our side's election has in the store, for a benchmark's election name (the same by
   * default; a store where both sides share one namespace prefixes it).
   */
  protected String oursName(String election) {
    return election;
  }

  /** How many candidates of our side's election the store holds, or -1 if it cannot tell. */
  protected abstract int enrolledOurs(String election);

  /** What our side's {@link Side#settings()} states; nothing by default. */
  protected String oursSettings() {
    return "";
  }

  @Override
  public Side ours() {
    return new Side() {
      @Override
      public String label() {
        return "election-" + store();
      }

      @Override
      public String settings() {
        return oursSettings();
      }

      @Override
      public Client newClient(boolean proxied) {
        StoreHarness.Connection link = harness.connect(proxied);
        ElectionBackend backend = link.backend(OURS, timings().leaseDuration());
        return Client.of((election, identity, onLeader) ->
            Ours.join(backend, timings(), oursName(election), identity, onLeader), null, link);
      }

      @Override
      public int enrolled(String election) {
        return enrolledOurs(oursName(election));
      }
    };
  }

  @Override
  public void close() {
    harness.close();
  }
}
