package io.github.election.campaign;

import io.github.election.memory.InMemoryElectionStore;
import io.github.election.testing.Timings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * The kit's {@link InMemoryElectionStore}, with its candidates in the campaign's own JVM (the
 * store lives there): no member loss (one store), no pause (threads of one JVM cannot be frozen
 * apart).
 */
final class MemoryStore implements Store {

  private final InMemoryElectionStore store = new InMemoryElectionStore();

  @Override
  public String name() {
    return "memory";
  }

  @Override
  public Set<FaultKind> faults() {
    return EnumSet.of(FaultKind.CRASH, FaultKind.CUT, FaultKind.RESTART, FaultKind.EXPIRE,
        FaultKind.RESIGN);
  }

  @Override
  public Timings timings() {
    return new Timings(Duration.ofSeconds(1), Duration.ofMillis(700), Duration.ofMillis(100),
        Duration.ofMillis(100));
  }

  @Override
  public Contender spawn(String who, String identity, String election, Timings timings,
      History history, Path logDir) {
    return new LocalContender(who, identity, election, timings, store, history);
  }

  @Override
  public void stop() {
    store.stop();
  }

  @Override
  public void start() {
    store.start();
  }

  @Override
  public void close() {
    // nothing outside the candidates
  }
}
