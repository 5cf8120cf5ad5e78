package io.github.election.tck;

import io.github.election.spi.ElectionBackend;
import io.github.election.testing.Fault;
import io.github.election.testing.StoreHarness;
import io.github.election.testing.Timings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A fixture on a backend's {@link StoreHarness}: each backend it hands out is the backend of a
 * connection of its own (through TCP proxies of its own where the store is reached over the
 * network), so that one client can be cut, healed or crashed alone; the faults of the store are
 * the harness's. A backend's test extends it to add what only it knows (the names its store
 * refuses, a look at the records of an election).
 *
 * <pre>{@code
 * class MyStoreCompatibilityTest extends ElectionCompatibilityKit {
 *   protected ElectionFixture createFixture() {
 *     return new HarnessFixture(StoreHarness.start("mystore", 1), MyHarness.TIMINGS, "/tck");
 *   }
 * }
 * }</pre>
 */
public class HarnessFixture implements ElectionFixture {

  private final StoreHarness store;
  private final Timings timings;
  private final String base;
  private final Map<ElectionBackend, Client> clients = new ConcurrentHashMap<>();

  /**
   * A fixture on a started store, which it closes when closed.
   *
   * @param store the store
   * @param timings the timings the kit builds its candidates with
   * @param base where the kit's elections live in the store (base path, key prefix)
   */
  public HarnessFixture(StoreHarness store, Timings timings, String base) {
    this.store = Objects.requireNonNull(store, "store");
    this.timings = Objects.requireNonNull(timings, "timings");
    this.base = Objects.requireNonNull(base, "base");
  }

  /** The store. */
  protected StoreHarness store() {
    return store;
  }

  @Override
  public Timings timings() {
    return timings;
  }

  /** The harness's faults, member loss only with three members or more. */
  @Override
  public Set<Fault> faults() {
    return store.faults();
  }

  /**
   * The connection of a new client: by default {@code store().connect(true)}, through proxies
   * of its own. A fixture that routes its clients otherwise overrides it.
   */
  protected StoreHarness.Connection connect() {
    return store.connect(true);
  }

  @Override
  public ElectionBackend newBackend() {
    StoreHarness.Connection link = connect();
    ElectionBackend backend;
    try {
      backend = link.backend(base, timings.leaseDuration());
    } catch (RuntimeException e) {
      link.close();
      throw e;
    }
    Client client = new Client(backend, link);
    clients.put(client, client);
    return client;
  }

  /** The backend behind a client that {@link #newBackend()} handed out. */
  protected ElectionBackend backendOf(ElectionBackend client) {
    return own(client).backend;
  }

  @Override
  public void crash(ElectionBackend client) {
    own(client).link.crash();
  }

  @Override
  public void cut(ElectionBackend client) {
    own(client).link.cut();
  }

  @Override
  public void heal(ElectionBackend client) {
    own(client).link.heal();
  }

  @Override
  public void stopStore() {
    store.stopStore();
  }

  @Override
  public void startStore() {
    store.startStore();
  }

  @Override
  public void expire(ElectionBackend client) {
    store.expire(backendOf(client));
  }

  /** Stops the store's first member. */
  @Override
  public void loseMember() {
    store.loseMember(0);
  }

  @Override
  public void restoreMember() {
    store.restoreMember();
  }

  @Override
  public boolean isStoreThread(Thread thread) {
    return store.isStoreThread(thread);
  }

  /** Closes the clients the kit did not close (their connections with them). */
  protected void closeClients() {
    List<Client> all = new ArrayList<>(clients.values());
    clients.clear();
    all.forEach(Client::close);
  }

  /** Closes the clients and the store. */
  @Override
  public void close() {
    closeClients();
    store.close();
  }

  private Client own(ElectionBackend client) {
    Client c = clients.get(client);
    if (c == null) {
      throw new IllegalArgumentException("not a client of this fixture: " + client);
    }
    return c;
  }

  /** A backend and its connection; closing it closes both. */
  private static final class Client extends ForwardingElectionBackend {
    final ElectionBackend backend;
    final StoreHarness.Connection link;

    Client(ElectionBackend backend, StoreHarness.Connection link) {
      super(backend);
      this.backend = backend;
      this.link = link;
    }

    @Override
    public void close() {
      link.close();
    }

    @Override
    public String toString() {
      return backend + " via " + link;
    }
  }
}
