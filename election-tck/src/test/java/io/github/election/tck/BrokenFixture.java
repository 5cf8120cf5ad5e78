package io.github.election.tck;

import io.github.election.LeaderElection;
import io.github.election.LeaderTask;
import io.github.election.spi.ElectionBackend;
import io.github.election.testing.Fault;
import io.github.election.testing.Timings;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The in-memory fixture with one thing broken on purpose: every backend wrapped by {@code
 * backends}, every handle by {@code handles}, or a claim about names the store cannot hold.
 */
public final class BrokenFixture implements ElectionFixture {

  private final InMemoryFixture real = new InMemoryFixture();
  private final Function<ElectionBackend, ElectionBackend> backends;
  private final UnaryOperator<LeaderElection> handles;
  private final Function<ElectionBackend, ElectionBackend> unwrap;
  private final List<String> invalidNames;
  private final UnaryOperator<LeaderTask> work;

  /**
   * @param backends wraps each client
   * @param unwrap gives the in-memory client back from a wrapped one, for the fault hooks
   * @param handles wraps each election
   * @param invalidNames names the fixture claims the store refuses
   */
  public BrokenFixture(Function<ElectionBackend, ElectionBackend> backends,
      Function<ElectionBackend, ElectionBackend> unwrap, UnaryOperator<LeaderElection> handles,
      List<String> invalidNames) {
    this(backends, unwrap, handles, invalidNames, UnaryOperator.identity());
  }

  /** As above, with the leader work wrapped by {@code work}. */
  public BrokenFixture(Function<ElectionBackend, ElectionBackend> backends,
      Function<ElectionBackend, ElectionBackend> unwrap, UnaryOperator<LeaderElection> handles,
      List<String> invalidNames, UnaryOperator<LeaderTask> work) {
    this.work = work;
    this.backends = backends;
    this.unwrap = unwrap;
    this.handles = handles;
    this.invalidNames = invalidNames;
  }

  @Override
  public Timings timings() {
    return real.timings();
  }

  @Override
  public ElectionBackend newBackend() {
    return backends.apply(real.newBackend());
  }

  @Override
  public Set<Fault> faults() {
    return real.faults();
  }

  @Override
  public LeaderElection decorate(LeaderElection election) {
    return handles.apply(election);
  }

  @Override
  public LeaderTask decorate(LeaderTask task) {
    return work.apply(task);
  }

  @Override
  public List<String> invalidElectionNames() {
    return invalidNames;
  }

  @Override
  public Optional<Integer> recordsOf(String electionName) {
    return real.recordsOf(electionName);
  }

  @Override
  public void crash(ElectionBackend client) {
    real.crash(unwrap.apply(client));
  }

  @Override
  public void cut(ElectionBackend client) {
    real.cut(unwrap.apply(client));
  }

  @Override
  public void heal(ElectionBackend client) {
    real.heal(unwrap.apply(client));
  }

  @Override
  public void stopStore() {
    real.stopStore();
  }

  @Override
  public void startStore() {
    real.startStore();
  }

  @Override
  public void expire(ElectionBackend client) {
    real.expire(unwrap.apply(client));
  }

  @Override
  public void close() {
    real.close();
  }
}
