package io.github.election.memory.testing;

import io.github.election.memory.InMemoryElectionStore;
import io.github.election.spi.ElectionBackend;
import io.github.election.testing.Fault;
import io.github.election.testing.StoreHarness;
import io.github.election.testing.Timings;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The {@link StoreHarness} of the in-memory store: a new {@link InMemoryElectionStore} in this
 * process, whose fault hooks act on the clients of its connections. It has no address outside
 * the process: its candidates live in this JVM ({@link Connection#uri} is empty), so nothing
 * can pause them apart, and it has no members to lose.
 */
public final class MemoryHarness implements StoreHarness {

  /** D 1 s, R 750 ms, P 100 ms; a handover is a method call, 200 ms leaves room. */
  public static final Timings TIMINGS = new Timings(Duration.ofMillis(1000),
      Duration.ofMillis(750), Duration.ofMillis(100), Duration.ofMillis(200));

  private final InMemoryElectionStore store = new InMemoryElectionStore();

  /** A harness on a new store. */
  public MemoryHarness() {
  }

  /** The store itself, for looks at it ({@link InMemoryElectionStore#leaderOf}). */
  public InMemoryElectionStore store() {
    return store;
  }

  @Override
  public String scheme() {
    return "memory";
  }

  @Override
  public int members() {
    return 1;
  }

  @Override
  public Set<Fault> faults() {
    return EnumSet.of(Fault.CRASH, Fault.CUT, Fault.RESTART, Fault.EXPIRE);
  }

  @Override
  public Timings timings() {
    return TIMINGS;
  }

  @Override
  public Timings fastTimings() {
    return new Timings(Duration.ofSeconds(1), Duration.ofMillis(700), Duration.ofMillis(100),
        Duration.ofMillis(100));
  }

  /** Candidates of this store live in this process. */
  @Override
  public boolean reachableFromOtherProcesses() {
    return false;
  }

  /** Nothing outside this process reaches the store. */
  @Override
  public String address() {
    return "in-process";
  }

  /** A connection whose one client is a client of the store; {@code proxied} is ignored. */
  @Override
  public Connection connect(boolean proxied) {
    return new Link();
  }

  @Override
  public void expire(ElectionBackend backend) {
    store.expire(backend);
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
  public void close() {
    store.stop();
  }

  @Override
  public String toString() {
    return "MemoryHarness{" + store + "}";
  }

  /** One client of the store; its faults are the store's hooks on that client. */
  private final class Link implements Connection {
    private ElectionBackend client;

    @Override
    public String address() {
      return "in-process";
    }

    @Override
    public Optional<URI> uri(String base, Duration leaseDuration) {
      return Optional.empty();
    }

    /** The connection's client; one per connection, made on the first call. */
    @Override
    public synchronized ElectionBackend backend(String base, Duration leaseDuration) {
      if (client == null) {
        client = store.connect();
      }
      return client;
    }

    private synchronized ElectionBackend client() {
      if (client == null) {
        throw new IllegalStateException("no backend made on this connection yet");
      }
      return client;
    }

    @Override
    public void cut() {
      store.cut(client());
    }

    @Override
    public void heal() {
      store.heal(client());
    }

    @Override
    public void crash() {
      store.crash(client());
    }

    @Override
    public synchronized void close() {
      if (client != null) {
        client.close();
      }
    }
  }

  /** Registered for {@link java.util.ServiceLoader}: scheme {@code memory}. */
  public static final class Provider implements StoreHarness.Provider {

    @Override
    public String scheme() {
      return "memory";
    }

    /** A harness on a new store; {@code members} is ignored (one store in this process). */
    @Override
    public StoreHarness start(int members) {
      return new MemoryHarness();
    }

    @Override
    public void expire(ElectionBackend backend, String storeAddress) {
      throw new UnsupportedOperationException("expire: an in-memory client is expired through "
          + "its own harness (MemoryHarness.expire), in the process that holds the store");
    }
  }
}
