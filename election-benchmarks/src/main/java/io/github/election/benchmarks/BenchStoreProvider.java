package io.github.election.benchmarks;

import java.util.function.Supplier;

/** A {@link BenchStore.Provider} made of its parts: a store's concrete provider names them. */
public abstract class BenchStoreProvider implements BenchStore.Provider {

  /** How a store makes the fleet of a scale run; see {@link BenchStore.Provider#fleet}. */
  @FunctionalInterface
  public interface Fleets {
    Fleet fleet(String side, String target, int n);
  }

  private final String store;
  private final Supplier<BenchStore> open;
  private final Fleets fleets;

  /**
   * @param store the store's name, its backend's scheme
   * @param open starts the store
   * @param fleets makes the fleets of its scale runs
   */
  protected BenchStoreProvider(String store, Supplier<BenchStore> open, Fleets fleets) {
    this.store = store;
    this.open = open;
    this.fleets = fleets;
  }

  @Override
  public String store() {
    return store;
  }

  @Override
  public BenchStore open() {
    return open.get();
  }

  @Override
  public Fleet fleet(String side, String target, int n) {
    return fleets.fleet(side, target, n);
  }
}
